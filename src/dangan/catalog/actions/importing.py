"""Catalog import (目录导入) from .xlsx or .csv: all or nothing, with a row-by-row report.

``import_catalog`` reads the file (catalog.tabular, within the DANGAN_IMPORT_MAX_* limits), checks every row
(import_rows, import_checks) as the importing person may see the catalog and, only when no row is bad, writes every
new unit in one transaction with bulk inserts and one audit entry. The same file imported twice creates nothing
the second time. ``do_start_import`` stores an upload and runs the same import as a background task
(catalog.tasks), recorded in an ImportBatch the UI polls; ``do_import_checked`` imports the stored file of a passed
dry run (正式导入). The same import (fonds, file content, dry run or not) is never queued twice at once.
"""

from __future__ import annotations

import contextlib
import hashlib
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, Any

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext as _

from dangan.catalog.models import Fonds, ImportBatch
from dangan.catalog.tabular import (
    SUPPORTED_SUFFIXES,
    ReadLimits,
    Table,
    TableError,
    read_table,
    unsupported_type_message,
)
from dangan.catalog.tabular_limits import too_large_message
from dangan.core.actions.accounts import require_actor
from dangan.core.actors import account_of, is_operator
from dangan.core.audit import log
from dangan.core.roles import Capability

from .import_batches import (
    FileTooLarge,
    ImportAlreadyActive,
    ImportError_,
    fail_batch,
    refuse_if_active,
    save_outcome,
    settle_if_stale,
)
from .import_checks import ImportPlan, check_table
from .import_rows import RowError
from .import_write import insert_plan

__all__ = [
    "FileTooLarge",
    "ImportAlreadyActive",
    "ImportError_",
    "ImportResult",
    "RowError",
    "check_import_checked",
    "do_import_checked",
    "do_start_import",
    "import_catalog",
    "run_import_batch",
    "settle_if_stale",
]

MAX_STORED_ERRORS = 1000
BATCH_PROGRESS_EVERY = 5000
Status = ImportBatch.Status
FINAL_STATUSES = frozenset({Status.DONE, Status.INVALID, Status.DUPLICATE, Status.CHECKED, Status.FAILED})


@dataclass
class ImportResult:
    status: str  # an ImportBatch.Status value: done, checked (dry run passed), invalid or duplicate
    created: int = 0  # for a dry run: the units that would be created
    unchanged: int = 0
    total_rows: int = 0
    errors: list[RowError] = field(default_factory=list)
    message: str = ""
    batch: ImportBatch | None = None

    @property
    def ok(self) -> bool:
        return self.status != Status.INVALID

    def summary(self) -> str:
        return self.message

    def to_dict(self) -> dict[str, Any]:
        return {
            "status": self.status,
            "ok": self.ok,
            "created": self.created,
            "unchanged": self.unchanged,
            "total_rows": self.total_rows,
            "message": self.message,
            "errors": [error.to_dict() for error in self.errors],
            "batch": str(self.batch.uuid) if self.batch else None,
        }


# ---------------------------------------------------------------- the synchronous import


def import_catalog(
    actor: Any,
    path: Path,
    fonds: Fonds,
    *,
    dry_run: bool = False,
    file_name: str | None = None,
    progress: Callable[[int, int], None] | None = None,
    batch: ImportBatch | None = None,
) -> ImportResult:
    """Import the catalog table in ``path`` into ``fonds`` as ``actor`` (a user, or CONSOLE from the CLI).

    Raises ImportError_ when the file cannot be read as a catalog; a file with any bad row imports nothing and
    returns status "invalid" with the errors. ``batch`` (from do_start_import) is reused, else one is created.
    """
    path = Path(path)
    file_name = file_name or path.name
    expected = batch.sha256 if batch is not None else ""  # the digest taken when the file was stored
    try:
        require_actor(actor, Capability.CATALOG_IMPORT)
        sha256 = _sha256(path)
        if expected and sha256 != expected:
            raise ImportError_(_("服务器上保存的文件在上传后被改动，未导入任何内容；请重新上传。"))
        if batch is None:
            with transaction.atomic():
                refuse_if_active(fonds, sha256, dry_run)
    except (PermissionDenied, ImportError_) as exc:
        if batch is not None and not isinstance(exc, ImportAlreadyActive):  # a queued batch records why it did not run
            fail_batch(batch, str(exc))
        raise
    batch = _begin(batch, actor, fonds, path, file_name, sha256, dry_run)
    try:
        if (earlier := _earlier_import(batch)) is not None:
            return _finish_duplicate(batch, earlier)
        table = _read(path, file_name)
        batch.total_rows = len(table.rows)
        batch.save(update_fields=["total_rows", "updated"])
        return _check_and_write(actor, table, fonds, batch, progress)
    except ImportError_ as exc:
        fail_batch(batch, str(exc))
        raise
    except Exception as exc:
        fail_batch(batch, _("导入失败：%(error)s") % {"error": exc.__class__.__name__})
        raise


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    try:
        with path.open("rb") as handle:
            while block := handle.read(1 << 20):
                digest.update(block)
    except OSError as exc:
        raise ImportError_(_("无法读取文件：%(error)s") % {"error": exc.strerror or exc}) from exc
    return digest.hexdigest()


def _begin(
    batch: ImportBatch | None, actor: Any, fonds: Fonds, path: Path, file_name: str, sha256: str, dry_run: bool
) -> ImportBatch:
    """The batch record, (re)started from scratch: a rerun after a crash redoes everything."""
    if batch is None:
        batch = ImportBatch(
            fonds=fonds,
            user=account_of(actor),
            file_name=file_name[:300],
            file_path=str(path.resolve())[:500],
            dry_run=dry_run,
        )
    batch.sha256 = sha256
    batch.status = Status.RUNNING
    batch.processed_rows = batch.created_count = batch.unchanged_count = 0
    batch.errors = []
    batch.message = ""
    batch.finished = None
    batch.save()
    return batch


def _earlier_import(batch: ImportBatch) -> ImportBatch | None:
    return (
        ImportBatch.objects.filter(fonds_id=batch.fonds_id, sha256=batch.sha256, status=Status.DONE)
        .exclude(pk=batch.pk)
        .order_by("finished")
        .first()
    )


def _finish_duplicate(batch: ImportBatch, earlier: ImportBatch) -> ImportResult:
    when = date_format(timezone.localtime(earlier.finished or earlier.created), "Y-m-d H:i")
    message = _("该文件已于 %(when)s 导入（新建 %(created)d 条），本次未新建任何档案") % {
        "when": when,
        "created": earlier.created_count,
    }
    save_outcome(batch, Status.DUPLICATE, message, total=earlier.total_rows)
    return ImportResult(Status.DUPLICATE, total_rows=earlier.total_rows, message=message, batch=batch)


def _read(path: Path, file_name: str) -> Table:
    suffix = Path(file_name).suffix.lower() or path.suffix.lower()
    try:
        return read_table(path, suffix)
    except TableError as exc:
        raise ImportError_(str(exc)) from exc


def _check_and_write(
    actor: Any,
    table: Table,
    fonds: Fonds,
    batch: ImportBatch,
    progress: Callable[[int, int], None] | None,
) -> ImportResult:
    # Checked as the importer may see the catalog (catalog.policy): units hidden from them are treated as absent.
    viewer = None if is_operator(actor) else actor
    for attempt in (1, 2):
        plan = check_table(fonds, table, viewer=viewer, progress=_reporter(batch, progress))
        if plan.errors:
            return _finish_invalid(batch, plan)
        if batch.dry_run:
            return _finish_checked(batch, plan)
        try:
            return _write(actor, plan, fonds, batch)
        except IntegrityError:
            # Someone created a unit with one of these 档号 between the check and the write: check again,
            # which reports them as unchanged or as errors.
            if attempt == 2:
                raise
    raise AssertionError("unreachable")


def _reporter(batch: ImportBatch, progress: Callable[[int, int], None] | None) -> Callable[[int, int], None]:
    """Passes progress on, and records it on the batch now and then (outside any write transaction)."""

    def report(done: int, total: int) -> None:
        if progress is not None:
            progress(done, total)
        if done == total or done - batch.processed_rows >= BATCH_PROGRESS_EVERY:
            batch.processed_rows = done
            ImportBatch.objects.filter(pk=batch.pk).update(processed_rows=done)

    return report


def _notes(plan: ImportPlan) -> str:
    notes = []
    if plan.header.unknown:
        notes.append(_("已忽略未识别的列：%(columns)s") % {"columns": "、".join(plan.header.unknown)})
    if plan.header.repeated:
        notes.append(_("已忽略重复的列：%(columns)s") % {"columns": "、".join(plan.header.repeated)})
    return "；".join(notes)


def _with_notes(message: str, plan: ImportPlan) -> str:
    notes = _notes(plan)
    return f"{message}\n{notes}" if notes else message


def _finish_invalid(batch: ImportBatch, plan: ImportPlan) -> ImportResult:
    count = len(plan.errors)
    message = _("校验未通过：%(count)d 处错误，未导入任何内容") % {"count": count}
    if count > MAX_STORED_ERRORS:
        message += _("（记录中只保存前 %(kept)d 处）") % {"kept": MAX_STORED_ERRORS}
    message = _with_notes(message, plan)
    batch.errors = [error.to_dict() for error in plan.errors[:MAX_STORED_ERRORS]]
    save_outcome(batch, Status.INVALID, message, total=len(plan.rows))
    return ImportResult(Status.INVALID, 0, 0, len(plan.rows), plan.errors, message, batch)


def _finish_checked(batch: ImportBatch, plan: ImportPlan) -> ImportResult:
    created, unchanged = len(plan.rows) - plan.unchanged, plan.unchanged
    message = _("校验通过（试导入）：可新建 %(created)d 条，未变化 %(unchanged)d 条，未写入任何内容") % {
        "created": created,
        "unchanged": unchanged,
    }
    message = _with_notes(message, plan)
    save_outcome(batch, Status.CHECKED, message, total=len(plan.rows), created=created, unchanged=unchanged)
    return ImportResult(Status.CHECKED, created, unchanged, len(plan.rows), [], message, batch)


# ---------------------------------------------------------------- writing (one transaction)


@transaction.atomic
def _write(actor: Any, plan: ImportPlan, fonds: Fonds, batch: ImportBatch) -> ImportResult:
    created = insert_plan(plan, fonds, batch)
    unchanged, total = plan.unchanged, len(plan.rows)
    message = _with_notes(
        _("已导入 %(created)d 条，未变化 %(unchanged)d 条") % {"created": created, "unchanged": unchanged}, plan
    )
    data = {
        "file": batch.file_name,
        "sha256": batch.sha256,
        "created": created,
        "unchanged": unchanged,
        "batch": str(batch.uuid),
    }
    if batch.dry_run_batch_id is not None:
        data["dry_run_batch"] = str(ImportBatch.objects.values_list("uuid", flat=True).get(pk=batch.dry_run_batch_id))
    log(fonds, "catalog.import", actor, data)
    # The batch is marked done in the same transaction: a crash leaves it RUNNING with nothing written.
    batch.processed_rows = total
    save_outcome(batch, Status.DONE, message, total=total, created=created, unchanged=unchanged)
    return ImportResult(Status.DONE, created, unchanged, total, [], message, batch)


# ---------------------------------------------------------------- uploads and the background task


def safe_file_name(name: str) -> str:
    """The base name of an uploaded file, without path parts or characters unsafe in a file system."""
    base = Path(name.replace("\\", "/")).name
    base = re.sub(r"[^\w.\-()（）\[\]【】 ]", "_", base).strip(" .")
    stem, suffix = Path(base).stem[:100], Path(base).suffix.lower()[:10]
    return f"{stem or 'upload'}{suffix}"


@transaction.atomic
def do_start_import(actor: Any, fonds: Fonds, file_name: str, data: IO[bytes], *, dry_run: bool) -> ImportBatch:
    """Store an uploaded file, record a pending ImportBatch and queue the import (run after commit).

    The web form, the API and any other caller get the same checks: the file type, the size limit
    (DANGAN_IMPORT_MAX_BYTES, also while storing it) and no second start of an import already queued or running.
    """
    require_actor(actor, Capability.CATALOG_IMPORT)
    name = safe_file_name(file_name)
    suffix = Path(name).suffix
    if suffix not in SUPPORTED_SUFFIXES:
        raise ImportError_(unsupported_type_message(suffix))
    limit = ReadLimits.from_settings().max_bytes
    size = getattr(data, "size", None)
    if isinstance(size, int) and size > limit:
        raise FileTooLarge(too_large_message(size, limit))
    batch = ImportBatch(
        fonds=fonds,
        user=account_of(actor),
        file_name=Path(file_name.replace("\\", "/")).name[:300] or name,
        dry_run=dry_run,
        status=Status.PENDING,
    )
    target = Path(settings.MEDIA_ROOT) / "imports" / str(batch.uuid) / name
    try:
        batch.sha256 = _store_upload(data, target, limit)
        refuse_if_active(fonds, batch.sha256, dry_run)
    except ImportError_:
        _remove_upload(target)
        raise
    batch.file_path = str(target)
    batch.save()
    _queue(batch)
    return batch


def check_import_checked(actor: Any, checked: ImportBatch) -> None:
    """Whether ``actor`` may import the file of the dry run ``checked`` without uploading it again: the dry run
    passed, it is their own (its report and file hold values only its uploader may read), its file is still
    stored, and it has not been imported already. PermissionDenied or ValidationError, in Chinese."""
    require_actor(actor, Capability.CATALOG_IMPORT)
    account = account_of(actor)
    if not is_operator(actor) and (account is None or checked.user_id != account.pk):
        raise PermissionDenied(_("只有上传该文件的人可以正式导入。"))
    if not checked.dry_run or checked.status != Status.CHECKED:
        raise ValidationError(_("只有校验通过的试导入可以正式导入。"))
    done = checked.imports.filter(status=Status.DONE).first()
    if done is not None:
        raise ValidationError(_("该试导入的文件已正式导入（%(when)s），无须再次导入。") % {"when": _when(done)})
    if not checked.file_path or not Path(checked.file_path).is_file():
        raise ValidationError(_("试导入的文件已不在服务器上，请重新上传。"))


@transaction.atomic
def do_import_checked(actor: Any, checked: ImportBatch) -> ImportBatch:
    """正式导入: queue the import of the file stored for the passed dry run ``checked``. The file is read and every
    row checked again when the import runs, against the catalog as it is then."""
    check_import_checked(actor, checked)
    refuse_if_active(checked.fonds, checked.sha256, False)
    batch = ImportBatch.objects.create(
        fonds=checked.fonds,
        user=account_of(actor) or checked.user,
        file_name=checked.file_name,
        file_path=checked.file_path,
        sha256=checked.sha256,  # the import refuses a file changed since
        dry_run=False,
        dry_run_batch=checked,
        status=Status.PENDING,
    )
    _queue(batch)
    return batch


def _when(batch: ImportBatch) -> str:
    return date_format(timezone.localtime(batch.finished or batch.created), "Y-m-d H:i")


def _queue(batch: ImportBatch) -> None:
    """Queue the batch's task once the transaction commits, and remember the task's id on the batch."""
    from dangan.catalog.tasks import run_import_batch as task

    def enqueue() -> None:
        result = task.enqueue(batch.pk)
        ImportBatch.objects.filter(pk=batch.pk).update(task_id=str(result.id)[:64])

    transaction.on_commit(enqueue)


def _store_upload(data: IO[bytes], target: Path, limit: int) -> str:
    """Write ``data`` to ``target`` (through a .part file), refusing it once it passes ``limit`` bytes."""
    target.parent.mkdir(parents=True, exist_ok=True)
    digest = hashlib.sha256()
    blocks = data.chunks() if hasattr(data, "chunks") else iter(lambda: data.read(1 << 20), b"")
    partial = target.with_name(target.name + ".part")
    size = 0
    with partial.open("wb") as handle:
        for block in blocks:
            size += len(block)
            if size > limit:
                raise FileTooLarge(too_large_message(size, limit))
            digest.update(block)
            handle.write(block)
    partial.replace(target)
    return digest.hexdigest()


def _remove_upload(target: Path) -> None:
    for path in (target, target.with_name(target.name + ".part")):
        path.unlink(missing_ok=True)
    with contextlib.suppress(OSError):
        target.parent.rmdir()


def run_import_batch(batch_id: int) -> None:
    """Run a queued import. Idempotent: a finished batch is left alone; a RUNNING one (a crash mid-way, whose
    write transaction therefore left nothing) is redone from scratch."""
    batch = ImportBatch.objects.select_related("fonds", "user").filter(pk=batch_id).first()
    if batch is None or batch.status in FINAL_STATUSES:
        return
    if batch.user is None or not batch.user.is_active:
        # Queued imports are started by a person; never run one with the console's rights instead.
        fail_batch(batch, _("发起导入的账号已删除或已停用，导入未执行。"))
        return
    # An unreadable file or a withdrawn permission is recorded on the batch for the person who started it.
    with contextlib.suppress(ImportError_, PermissionDenied):
        import_catalog(
            batch.user,
            Path(batch.file_path),
            batch.fonds,
            dry_run=batch.dry_run,
            file_name=batch.file_name,
            batch=batch,
        )
