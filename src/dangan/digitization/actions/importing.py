"""Importing scanned page images into a batch, as scanners write them, and checking them (DA/T 31-2017).

The folder holds one sub-folder per unit, named by its 档号 (or by any name a mapping sheet — 对照表 with the
columns 文件夹 and 档号 — turns into a 档号), with the page images in page order (sorted by name). Each image is
copied into the batch's staging folder (DIGITIZATION_ROOT/<batch uuid>/<unit>/0001.tif …) while its SHA-256 is
computed, checked by ``dangan.digitization.qc.check_page`` (in threads: decoding releases the GIL), then the unit's
pages together by ``check_unit`` (page count against 页数, names and order, duplicates).

Resumable: an import run again over the same folder skips every page already stored whose SHA-256 is unchanged and
checks only new or changed images — the way a crash is finished, and the way rework of a few pages is re-imported.
A folder whose 档号 is unknown (or names a unit the person may not see) is a QC problem of the import, not an error.
"""

from __future__ import annotations

import multiprocessing
import shutil
from collections.abc import Iterator, Mapping, Sequence
from concurrent.futures import Executor, ProcessPoolExecutor, ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from dangan.catalog.models import ArchivalUnit
from dangan.catalog.policy import visible_units
from dangan.core.audit import log
from dangan.digitization.choices import MASTER_EXTENSIONS, BatchStatus, PageStatus, UnitStatus
from dangan.digitization.models import Batch, BatchUnit, PageScan, QcResult
from dangan.digitization.sheets import MAPPING_SHEET_NAMES, TableError, read_mapping
from dangan.digitization.staging import sha256_of, stage_and_check
from dangan.utilities.parallel import default_workers
from dangan.utilities.progress import PhaseProgress

from .common import bump, require_digitize, scan_spec

__all__ = [
    "IMPORTABLE_STATUSES",
    "ImportResult",
    "Problem",
    "check_import",
    "do_import_folder",
    "problems_of",
    "recheck_units",
]

IMAGE_SUFFIXES = frozenset({".tif", ".tiff", ".jpg", ".jpeg", ".jp2", ".j2k", ".jpf", ".png", ".bmp", ".gif", ".webp"})
IGNORED_NAMES = frozenset({"thumbs.db", "desktop.ini", ".ds_store"})
IMPORTABLE_STATUSES = (
    BatchStatus.PRESERVED,  # a rerun only compares the images with those preserved
    BatchStatus.PLANNED,
    BatchStatus.SCANNING,
    BatchStatus.CHECKING,
    BatchStatus.INSPECTING,
    BatchStatus.REWORK,
)
CHECK_LABEL = _("质量检查")
UNIT_CODE = "reference_code"  # the import's own check: the folder names a unit of the batch's fonds
PRESERVED_CHECK = "preserved"  # the import's own check: a unit preserved in this batch is not changed any more


@dataclass
class Problem:
    """One failed check, as the CLI's table and --json list it."""

    unit: str
    page: int | None
    check: str
    measured: str
    limit: str
    message: str

    def to_dict(self) -> dict[str, Any]:
        return {
            "unit": self.unit,
            "page": self.page,
            "check": self.check,
            "measured": self.measured,
            "limit": self.limit,
            "message": self.message,
        }


@dataclass
class ImportResult:
    batch: Batch
    units: int = 0
    pages: int = 0
    checked: int = 0  # pages stored and checked in this run
    skipped: int = 0  # pages already stored, unchanged
    problems: list[Problem] = field(default_factory=list)
    preserved: list[str] = field(default_factory=list)  # 档号 of the units preserved (CLI)

    @property
    def ok(self) -> bool:
        return not self.problems

    def to_dict(self) -> dict[str, Any]:
        return {
            "batch": self.batch.name,
            "uuid": str(self.batch.uuid),
            "status": self.batch.status,
            "status_display": str(self.batch.get_status_display()),
            "units": self.units,
            "pages": self.pages,
            "checked": self.checked,
            "skipped": self.skipped,
            "ok": self.ok,
            "preserved": self.preserved,
            "problems": [p.to_dict() for p in self.problems],
        }


# ------------------------------------------------------------------------------------------- the folder


def _images(folder: Path) -> list[Path]:
    return sorted(
        (
            p
            for p in folder.iterdir()
            if p.is_file()
            and not p.name.startswith(".")
            and not p.name.endswith(".part")  # a file still being written (an upload, a copy)
            and p.name.lower() not in IGNORED_NAMES
        ),
        key=lambda p: p.name,
    )


def unit_folders(root: Path) -> list[Path]:
    """The unit folders of an import: the sub-folders of ``root`` — or of its one sub-folder, when a .zip wrapped
    the whole batch in a folder of its own (no file beside it, and folders but no images inside it)."""
    folders = sorted((p for p in root.iterdir() if p.is_dir() and not p.name.startswith(".")), key=lambda p: p.name)
    if len(folders) == 1 and not _images(root):
        inner = folders[0]
        if any(p.is_dir() for p in inner.iterdir()) and not any(
            p.suffix.lower() in IMAGE_SUFFIXES for p in _images(inner)
        ):
            return unit_folders(inner)
    return folders


def find_mapping(root: Path) -> dict[str, str]:
    for name in MAPPING_SHEET_NAMES:
        for folder in (root, *(p for p in root.iterdir() if p.is_dir())):
            if (folder / name).is_file():
                try:
                    return read_mapping(folder / name)
                except TableError as exc:
                    raise ValidationError(_("对照表 %(name)s：%(error)s") % {"name": name, "error": exc}) from exc
    return {}


def check_import(actor: Any, batch: Batch, folder: Path | None = None) -> None:
    require_digitize(actor)
    if batch.status not in IMPORTABLE_STATUSES:
        raise ValidationError(_("批次处于“%(status)s”状态，不能再导入图像。") % {"status": batch.get_status_display()})
    if folder is not None and not folder.is_dir():
        raise ValidationError(_("文件夹不存在：%(name)s") % {"name": folder.name})


# ------------------------------------------------------------------------------------------- staging


def staged_name(batch: Batch, batch_unit: BatchUnit, number: int, revision: int = 0) -> str:
    """Where page ``number`` of ``batch_unit`` is staged, relative to the batch's folder."""
    suffix = f"-r{revision}" if revision else ""
    return f"{batch_unit.pk}/{number:04d}{suffix}{MASTER_EXTENSIONS[batch.master_format]}"


@dataclass
class _Work:
    batch_unit: BatchUnit
    number: int
    source: Path
    existing: PageScan | None
    staged: str = ""
    sha256: str = ""
    size: int = 0
    check: Any = None


def _prepare(batch: Batch, work: _Work) -> tuple[Path, Path, str]:
    revision = work.existing.revision + 1 if work.existing is not None else 0
    work.staged = staged_name(batch, work.batch_unit, work.number, revision)
    return work.source, batch.folder / work.staged, work.source.name


def _checked(batch: Batch, spec: Any, work: list[_Work], workers: int, processes: bool) -> Iterator[_Work]:
    """Stage and check each of ``work``, on ``workers`` threads — or, when ``processes`` (a command of its own,
    where forking is safe) and the import has at least DIGITIZATION_PROCESS_MIN_PAGES pages, processes — yielding
    them in order as they are done."""
    jobs = [_prepare(batch, item) for item in work]
    specs = [spec] * len(jobs)
    use_processes = (
        processes and workers > 1 and len(jobs) >= int(getattr(settings, "DIGITIZATION_PROCESS_MIN_PAGES", 24))
    )
    if use_processes:
        # fork: the children need nothing re-imported (forkserver and spawn would run the program's __main__
        # again where it has no guard); they touch no database connection, only files and the qc package.
        context = multiprocessing.get_context("fork")
        pool: Executor = ProcessPoolExecutor(max_workers=workers, mp_context=context)
    else:
        pool = ThreadPoolExecutor(max_workers=workers, thread_name_prefix="dangan-qc")
    with pool:
        sources, targets, names = zip(*jobs, strict=True) if jobs else ((), (), ())
        for item, (sha256, size, check) in zip(
            work, pool.map(stage_and_check, sources, targets, specs, names, chunksize=1), strict=True
        ):
            item.sha256, item.size, item.check = sha256, size, check
            yield item


# ------------------------------------------------------------------------------------------- results


def page_check_of(page: PageScan, results: Sequence[QcResult]) -> Any:
    """The qc PageCheck of a page stored earlier (for the unit checks of a resumed import)."""
    from dangan.digitization.qc import CheckResult, PageCheck

    return PageCheck(
        name=page.original_name,
        width=page.width or 0,
        height=page.height or 0,
        dpi=page.dpi,
        colour_mode=page.colour_mode,
        format=page.format,
        phash=int(page.phash, 16) if page.phash else None,
        skew_degrees=page.skew_degrees,
        results=[CheckResult(r.code, r.passed, r.measured, r.limit, r.message) for r in results],
    )


def _save_page(batch: Batch, work: _Work) -> PageScan:
    check = work.check
    page = work.existing or PageScan(batch=batch, batch_unit=work.batch_unit, number=work.number)
    old_path = page.path if work.existing is not None else ""
    page.original_name = work.source.name[:300]
    page.path = work.staged
    page.sha256, page.size = work.sha256, work.size
    page.width, page.height, page.dpi = check.width or None, check.height or None, check.dpi
    page.colour_mode, page.format = check.colour_mode or "", check.format or ""
    page.phash = f"{check.phash:016x}" if check.phash is not None else ""
    page.skew_degrees = check.skew_degrees
    page.status = PageStatus.PASSED if check.passed else PageStatus.FAILED
    if work.existing is not None:
        page.revision += 1
    page.save()
    if old_path and old_path != page.path:
        (batch.folder / old_path).unlink(missing_ok=True)
    QcResult.objects.filter(page=page).delete()
    QcResult.objects.bulk_create(
        [
            QcResult(
                batch=batch,
                batch_unit=work.batch_unit,
                page=page,
                page_number=page.number,
                code=r.code[:32],
                passed=r.passed,
                measured=str(r.measured)[:200],
                limit=str(r.limit)[:200],
                message=r.message,
            )
            for r in check.results
        ]
    )
    return page


def recheck_units(batch: Batch, batch_units: Sequence[BatchUnit]) -> None:
    """Run the unit-level checks of ``batch_units`` over their stored pages, and set each page's and unit's status
    from all its results (inside the caller's transaction)."""
    from dangan.digitization.qc import check_unit

    spec = scan_spec(batch)
    for batch_unit in batch_units:
        pages = list(PageScan.objects.filter(batch_unit=batch_unit).order_by("number"))
        page_results: dict[int, list[QcResult]] = {p.pk: [] for p in pages}
        for stored in QcResult.objects.filter(page__in=pages):
            page_results[stored.page_id].append(stored)  # type: ignore[index]
        QcResult.objects.filter(batch_unit=batch_unit, page__isnull=True).delete()
        QcResult.objects.filter(batch_unit=batch_unit, code__in=UNIT_CHECKS).delete()
        checks = [page_check_of(p, page_results[p.pk]) for p in pages]
        unit_failed_pages: set[int] = set()
        rows = []
        unit_ok = True
        for index, result in check_unit(checks, expected_pages=batch_unit.expected_pages, spec=spec):
            page = pages[index] if index is not None and 0 <= index < len(pages) else None
            if not result.passed:
                unit_ok = False
                if page is not None:
                    unit_failed_pages.add(page.pk)
            rows.append(
                QcResult(
                    batch=batch,
                    batch_unit=batch_unit,
                    page=page,
                    page_number=page.number if page is not None else None,
                    code=result.code[:32],
                    passed=result.passed,
                    measured=str(result.measured)[:200],
                    limit=str(result.limit)[:200],
                    message=result.message,
                )
            )
        QcResult.objects.bulk_create(rows)
        for page in pages:
            own = [r for r in page_results[page.pk] if r.code not in UNIT_CHECKS]
            passed = all(r.passed for r in own) and page.pk not in unit_failed_pages
            if page.status in (PageStatus.ACCEPTED, PageStatus.REWORK) and passed:
                continue  # accepted by the inspection, or waiting for its replacement: the QC does not undo that
            page_status = PageStatus.PASSED if passed else PageStatus.FAILED
            if page.status != page_status:
                page.status = page_status
                page.save(update_fields=["status", "updated"])
        ok = unit_ok and bool(pages) and all(p.status in (PageStatus.PASSED, PageStatus.ACCEPTED) for p in pages)
        status = UnitStatus.PASSED if ok else UnitStatus.FAILED
        if batch_unit.status != UnitStatus.PRESERVED and batch_unit.status != status:
            batch_unit.status = status
            batch_unit.save(update_fields=["status", "updated"])


UNIT_CHECKS = ("page_count", "names_order", "duplicate")


def problems_of(batch: Batch, batch_units: Sequence[BatchUnit] | None = None) -> list[Problem]:
    """Every failed check of ``batch`` (of ``batch_units`` when given), in unit and page order, with the import's
    own problems (unknown folders) first."""
    problems = [Problem(**p) for p in batch.problems] if batch_units is None else []
    rows = QcResult.objects.filter(batch=batch, passed=False).select_related("batch_unit")
    if batch_units is not None:
        rows = rows.filter(batch_unit__in=batch_units)
    ordered = sorted(rows, key=lambda r: (r.batch_unit.position, r.batch_unit_id, r.page_number or 0, r.id))
    problems += [
        Problem(r.batch_unit.reference_code, r.page_number, r.code, r.measured, r.limit, r.message) for r in ordered
    ]
    return problems


def settle_status(batch: Batch, actor: Any, action: str, data: dict[str, Any]) -> None:
    """After the checks: the batch waits for its sample inspection when every unit passed, else for rework."""
    failing = batch.units.exclude(status__in=(UnitStatus.PASSED, UnitStatus.PRESERVED)).exists() or bool(batch.problems)
    before = batch.status
    if not batch.units.exists():
        batch.status = BatchStatus.SCANNING
    elif failing:
        batch.status = BatchStatus.REWORK
    elif batch.units.exclude(status=UnitStatus.PRESERVED).exists():
        batch.status = BatchStatus.INSPECTING
    else:
        batch.status = BatchStatus.PRESERVED
    batch.started = batch.started or timezone.localdate()
    batch.task, batch.task_id, batch.task_since = "", "", None
    batch.progress_label = ""
    bump(batch, "status", "started", "problems", "task", "task_id", "task_since", "progress_label", "message")
    log(batch, action, actor, {"before": {"status": before}, "after": {"status": batch.status}, **data})


# ------------------------------------------------------------------------------------------- the import


def _resolve_units(
    actor: Any, batch: Batch, folders: list[Path], mapping: Mapping[str, str]
) -> tuple[list[tuple[BatchUnit, Path]], list[Problem]]:
    problems: list[Problem] = []
    codes = {folder: mapping.get(folder.name, folder.name).strip() for folder in folders}
    found = {
        u.reference_code: u
        for u in visible_units(
            actor, ArchivalUnit.objects.filter(fonds=batch.fonds, reference_code__in=list(codes.values()))
        )
    }
    in_batch = {b.unit_id: b for b in batch.units.all()}
    position = max((b.position for b in in_batch.values()), default=0)
    pairs: list[tuple[BatchUnit, Path]] = []
    for folder, code in codes.items():
        unit = found.get(code)
        if unit is None:
            named = code if code == folder.name else f"{folder.name} → {code}"
            problems.append(
                Problem(
                    code,
                    None,
                    UNIT_CODE,
                    named,
                    _("全宗 %(fonds)s 中的档号") % {"fonds": batch.fonds.code},
                    _("文件夹“%(folder)s”：全宗 %(fonds)s 中没有档号“%(code)s”（或您无权查看），其中的图像未导入")
                    % {"folder": folder.name, "code": code, "fonds": batch.fonds.code},
                )
            )
            continue
        batch_unit = in_batch.get(unit.pk)
        if batch_unit is None:
            position += 1
            batch_unit = BatchUnit.objects.create(
                batch=batch,
                unit=unit,
                reference_code=unit.reference_code or code,
                position=position,
                expected_pages=unit.page_count,
            )
            in_batch[unit.pk] = batch_unit
        pairs.append((batch_unit, folder))
    return pairs, problems


def do_import_folder(
    actor: Any,
    batch: Batch,
    folder: Path,
    *,
    mapping: Mapping[str, str] | None = None,
    progress: PhaseProgress | None = None,
    workers: int | None = None,
    processes: bool = False,
) -> ImportResult:
    """Import the page images under ``folder`` into ``batch`` and check them; see the module's description.
    ``processes``: the caller is a process of its own (the CLI), which may fork workers; a web server or its
    in-process worker, with threads of its own, checks on threads."""
    folder = Path(folder)
    check_import(actor, batch, folder)
    if mapping is None:
        mapping = find_mapping(folder)
    folders = unit_folders(folder)
    with transaction.atomic():
        batch = Batch.objects.select_for_update().get(pk=batch.pk)
        check_import(actor, batch, folder)
        pairs, problems = _resolve_units(actor, batch, folders, mapping)
        if batch.status == BatchStatus.PLANNED:
            batch.status = BatchStatus.SCANNING
        before = batch.status
        batch.status = BatchStatus.CHECKING
        batch.progress_label = str(CHECK_LABEL)
        bump(batch, "status", "progress_label")
        log(
            batch,
            "digitization.batch.import_start",
            actor,
            {"before": {"status": before}, "after": {"status": batch.status}},
        )
    result = ImportResult(batch, units=len(pairs))
    spec = scan_spec(batch)
    work: list[_Work] = []
    stale: list[PageScan] = []
    preserved: list[tuple[BatchUnit, Path]] = []
    changed_preserved: list[Problem] = []
    for batch_unit, unit_folder in pairs:
        images = _images(unit_folder)
        existing = {p.number: p for p in PageScan.objects.filter(batch_unit=batch_unit)}
        if batch_unit.status == UnitStatus.PRESERVED:
            # Preserved in this batch already: final. Unchanged images are skipped; a changed one is reported.
            preserved.append((batch_unit, unit_folder))
            for number, source in enumerate(images, 1):
                result.pages += 1
                page = existing.get(number)
                if page is not None and page.size == source.stat().st_size and page.sha256 == sha256_of(source):
                    result.skipped += 1
                    continue
                changed_preserved.append(
                    Problem(
                        batch_unit.reference_code,
                        number,
                        PRESERVED_CHECK,
                        source.name,
                        _("与已入库的图像相同"),
                        _("该件已入库（第 %(version)s 版），改动或新增的图像未导入；补扫请登记新的批次")
                        % {"version": batch_unit.preserved_version or "—"},
                    )
                )
            continue
        stale += [p for n, p in existing.items() if n > len(images)]
        for number, source in enumerate(images, 1):
            page = existing.get(number)
            result.pages += 1
            if (
                page is not None
                and page.status != PageStatus.PENDING
                and page.size == source.stat().st_size
                and (batch.folder / page.path).is_file()
                and page.sha256 == sha256_of(source)
            ):
                result.skipped += 1
                continue
            work.append(_Work(batch_unit, number, source, page))
    total = len(work)
    if progress:
        progress(str(CHECK_LABEL), 0, total)
    done = 0
    threads = max(1, workers or int(getattr(settings, "DIGITIZATION_WORKERS", 0)) or default_workers(4))
    touched: dict[int, BatchUnit] = {b.pk: b for b, _f in pairs if (b, _f) not in preserved}
    pending: list[_Work] = []
    for item in _checked(batch, spec, work, threads, processes):
        pending.append(item)
        done += 1
        if len(pending) >= 50 or done == total:
            with transaction.atomic():
                for finished in pending:
                    _save_page(batch, finished)
                Batch.objects.filter(pk=batch.pk).update(progress_done=done, progress_total=total)
            pending = []
        if progress:
            progress(str(CHECK_LABEL), done, total)
    result.checked = done
    with transaction.atomic():
        for page in stale:
            (batch.folder / page.path).unlink(missing_ok=True)
            page.delete()
        recheck_units(batch, list(touched.values()))
        batch.refresh_from_db()
        batch.problems = [p.to_dict() for p in problems]
        batch.message = ""
        settle_status(
            batch,
            actor,
            "digitization.batch.import",
            {"folder": folder.name, "pages": result.pages, "checked": result.checked, "skipped": result.skipped},
        )
    result.batch = batch
    result.problems = problems_of(batch) + changed_preserved
    return result


def remove_staging(batch: Batch, batch_unit: BatchUnit | None = None) -> None:
    """Remove the staged images of ``batch_unit`` (or of the whole batch) once they are preserved."""
    target = batch.folder / str(batch_unit.pk) if batch_unit is not None else batch.folder
    if target.is_dir() and Path(settings.DIGITIZATION_ROOT).resolve() in target.resolve().parents:
        shutil.rmtree(target, ignore_errors=True)
