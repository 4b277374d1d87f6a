"""OCR of a unit's preserved pages and corrections of the text, line by line.

``do_ocr_unit`` recognizes each master (read from storage by its PackageFile) and saves its ``PageText`` at once,
page by page, so a crash loses at most the page being read; THEN it writes one new package version holding every
page's ``metadata/ocr/<page>.alto.xml`` and ``.txt``. A rerun skips the pages already recognized from the same
master (same sha256) and writes the version if the crash came before it (do_preserve writes nothing when the
package already holds exactly that text).

``do_correct_lines`` changes the text of some lines of a page (optimistic lock on ``PageText.version``): the ALTO is
rewritten keeping every box (the characters of a changed line are spread evenly over the line's box), a revision row
and an audit entry are written in one transaction, then the package gets a new version, then search is told.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from dangan.catalog.models import ArchivalUnit
from dangan.catalog.policy import can_view_unit
from dangan.catalog.signals import notify_units_changed
from dangan.core.actors import actor_name, is_operator
from dangan.core.audit import log
from dangan.preservation.actions.preserving import do_preserve
from dangan.preservation.ocfl.crash import crash_point
from dangan.preservation.permissions import PRESERVE, require_actor_any
from dangan.preservation.store import storage_root
from dangan.utilities.concurrency import EditConflict

from ..models import PageText, PageTextRevision, TextSource
from ..ocr_text import MasterPage, alto_path, master_pages, page_texts, text_path

__all__ = [
    "CorrectionResult",
    "OcrUnitResult",
    "check_correct_lines",
    "check_ocr_unit",
    "do_correct_lines",
    "do_ocr_unit",
    "write_ocr_version",
]

Progress = Callable[[int, int], None]

# Crash points (DANGAN_OCFL_CRASH_AT, see preservation.ocfl.crash): after each page's text is saved, after all
# pages and before the package version.
CRASH_STEPS = ("digitization.ocr.page", "digitization.ocr.pages")

# OCR changes what the unit's package holds: the capability to preserve (change the catalog) is needed.
OCR = PRESERVE


@dataclass
class OcrUnitResult:
    unit: ArchivalUnit
    pages_total: int = 0
    pages_recognized: int = 0  # in this run
    pages_skipped: int = 0  # recognized before from the same master
    package_version: str = ""
    version_created: bool = False
    recognized: list[int] = field(default_factory=list)


@dataclass
class CorrectionResult:
    page_text: PageText
    changed: list[dict[str, str]]
    package_version: str = ""


def _user(actor: Any) -> Any:
    return None if is_operator(actor) else actor


# ---------------------------------------------------------------- OCR of a unit


def check_ocr_unit(actor: Any, unit: ArchivalUnit) -> list[MasterPage]:
    """The unit's pages to recognize; PermissionDenied or ValidationError with a Chinese message otherwise."""
    require_actor_any(actor, OCR)
    if not can_view_unit(actor, unit):
        raise PermissionDenied(_("您无权查看该档案。"))
    pages = master_pages(unit)
    if not pages:
        raise ValidationError(_("档案“%(unit)s”没有已保存的页面图像（masters/）。") % {"unit": unit})
    return pages


def _recognize_master(page: MasterPage, layout: str) -> tuple[str, str, str]:
    """(text, ALTO, engine) of one master, read from storage."""
    from PIL import Image

    from dangan.digitization.ocr import recognize, to_alto

    file = page.file
    root = storage_root()
    with (
        root.open_file(file.package.object_id, file.logical_path, file.version.number) as handle,
        Image.open(handle) as image,
    ):
        image.load()
        result = recognize(image, layout=layout)
    alto = to_alto(result, image_name=file.name).decode("utf-8")
    return result.text, alto, result.engine


def do_ocr_unit(
    actor: Any,
    unit: ArchivalUnit,
    *,
    layout: str = "auto",
    force: bool = False,
    progress: Progress | None = None,
) -> OcrUnitResult:
    """OCR the unit's preserved masters (``force``: also those recognized before) and store the text: PageText rows,
    then one package version with the ALTO and text of every page. progress(pages done, pages total)."""
    pages = check_ocr_unit(actor, unit)
    result = OcrUnitResult(unit=unit, pages_total=len(pages))
    existing = {pt.page: pt for pt in page_texts(unit)}
    if progress is not None:
        progress(0, len(pages))
    for done, page in enumerate(pages, start=1):
        current = existing.get(page.number)
        if current is not None and current.master_sha256 == page.file.sha256 and not force:
            result.pages_skipped += 1
        else:
            text, alto, engine = _recognize_master(page, layout)
            _save_recognition(actor, unit, page, current, text, alto, engine)
            result.pages_recognized += 1
            result.recognized.append(page.number)
            crash_point("digitization.ocr.page")
        if progress is not None:
            progress(done, len(pages))
    crash_point("digitization.ocr.pages")
    preserved = write_ocr_version(
        actor, unit, _("文字识别：%(count)d 页") % {"count": result.pages_recognized or len(pages)}
    )
    result.package_version = preserved[0]
    result.version_created = preserved[1]
    with transaction.atomic():
        if result.pages_recognized or preserved[1]:
            PageTextRevision.objects.filter(page_text__unit=unit, source=TextSource.OCR, package_version="").update(
                package_version=result.package_version
            )
            log(
                unit,
                "digitization.ocr.unit",
                actor,
                {
                    "unit": str(unit.uuid),
                    "pages": len(pages),
                    "recognized": result.recognized[:500],
                    "skipped": result.pages_skipped,
                    "package_version": result.package_version,
                },
            )
        # Search follows in the same transaction, every time: a rerun after a crash between the package version
        # and this point still brings the index up to date.
        notify_units_changed([unit.pk])
    return result


def _save_recognition(
    actor: Any,
    unit: ArchivalUnit,
    page: MasterPage,
    current: PageText | None,
    text: str,
    alto: str,
    engine: str,
) -> PageText:
    with transaction.atomic():
        if current is None:
            row = PageText(unit=unit, page=page.number, revision=1, version=1)
        else:
            row = PageText.objects.select_for_update().get(pk=current.pk)
            row.revision += 1
            row.version += 1
        row.master_path = page.file.logical_path
        row.master_sha256 = page.file.sha256
        row.text, row.alto, row.engine = text, alto, engine
        row.updated_by, row.updated_by_name = _user(actor), actor_name(actor)
        row.save()
        PageTextRevision.objects.create(
            page_text=row,
            revision=row.revision,
            source=TextSource.OCR,
            engine=engine,
            user=_user(actor),
            user_name=actor_name(actor),
        )
    return row


def write_ocr_version(actor: Any, unit: ArchivalUnit, message: str) -> tuple[str, bool]:
    """One package version holding the current ALTO and text of every page of ``unit`` under metadata/ocr/
    (nothing new when the head holds exactly that already): (head version, whether it is new)."""
    metadata: dict[str, bytes] = {}
    for row in page_texts(unit):
        metadata[alto_path(row.page)] = row.alto.encode("utf-8")
        metadata[text_path(row.page)] = (row.text + "\n").encode("utf-8") if row.text else b""
    if not metadata:
        return "", False
    preserved = do_preserve(actor, unit, {}, metadata=metadata, message=message)
    return preserved.version, preserved.created


# ---------------------------------------------------------------- corrections


def _clean_line(text: str) -> str:
    return " ".join(str(text).replace("\r", " ").replace("\n", " ").split())


def check_correct_lines(actor: Any, page_text: PageText, changes: Mapping[str, str]) -> dict[str, str]:
    """The changes that change something (line id → new text); PermissionDenied / ValidationError otherwise."""
    from dangan.digitization.ocr import parse_alto

    require_actor_any(actor, OCR)
    if not can_view_unit(actor, page_text.unit):
        raise PermissionDenied(_("您无权查看该档案。"))
    if not changes:
        raise ValidationError(_("没有需要保存的修改。"))
    lines = {line.id: line for line in parse_alto(page_text.alto.encode("utf-8")).lines}
    cleaned: dict[str, str] = {}
    for line_id, new_text in changes.items():
        if line_id not in lines:
            raise ValidationError(_("第 %(page)d 页没有行“%(line)s”。") % {"page": page_text.page, "line": line_id})
        text = _clean_line(new_text)
        if len(text) > 2000:
            raise ValidationError(_("一行文字不能超过 2000 字。"))
        if text != lines[line_id].text:
            cleaned[line_id] = text
    return cleaned


def _spread(line: Any, text: str) -> list[Any]:
    """Glyphs for ``text`` spread evenly over the line's box (down a vertical line, across a horizontal one)."""
    from dangan.digitization.ocr import Box, Glyph

    box = line.box
    count = len(text)
    glyphs = []
    for i, char in enumerate(text):
        if line.vertical:
            top, bottom = box.y + round(i * box.height / count), box.y + round((i + 1) * box.height / count)
            glyph_box = Box(box.x, top, box.width, max(1, bottom - top))
        else:
            left, right = box.x + round(i * box.width / count), box.x + round((i + 1) * box.width / count)
            glyph_box = Box(left, box.y, max(1, right - left), box.height)
        glyphs.append(Glyph(text=char, box=glyph_box, confidence=1.0))
    return glyphs


def do_correct_lines(
    actor: Any, page_text: PageText, changes: Mapping[str, str], version: int | None
) -> CorrectionResult:
    """Correct lines of a page (line id → new text; an empty text removes the line) made from ``version`` of the
    page text (None: any). EditConflict when the page changed since (asked before the lines are checked: a line
    someone else removed is a conflict, not a mistake); nothing changed returns the page as it is."""
    from dangan.digitization.ocr import parse_alto, to_alto

    require_actor_any(actor, OCR)
    if not can_view_unit(actor, page_text.unit):
        raise PermissionDenied(_("您无权查看该档案。"))
    with transaction.atomic():
        row = PageText.objects.select_for_update().select_related("unit").filter(pk=page_text.pk).first()
        if row is None:
            raise EditConflict(_("该页文本已不存在，您的修改没有保存。"))
        if version is not None and row.version != version:
            raise EditConflict(
                _(
                    "该页文本已被他人修改（您读取的是第 %(expected)d 版，现在是第 %(current)d 版），您的修改没有保存。"
                    "请查看最新内容后再提交。"
                )
                % {"expected": version, "current": row.version},
                current_version=row.version,
            )
        # The lines are checked against the text as it is now (the version matched: as the person read it).
        cleaned = check_correct_lines(actor, row, changes)
        if not cleaned:
            return CorrectionResult(page_text=row, changed=[])
        page = parse_alto(row.alto.encode("utf-8"))
        changed: list[dict[str, str]] = []
        kept = []
        for line in page.lines:
            if line.id in cleaned:
                new_text = cleaned[line.id]
                changed.append({"id": line.id, "old": line.text, "new": new_text})
                if not new_text:
                    continue
                line.text = new_text
                line.glyphs = _spread(line, new_text)
                line.confidence = 1.0
            kept.append(line)
        page.lines = kept
        image_name = row.master_path.rsplit("/", 1)[-1]
        row.alto = to_alto(page, image_name=image_name).decode("utf-8")
        row.text = page.text
        row.revision += 1
        row.version += 1
        row.updated_by, row.updated_by_name = _user(actor), actor_name(actor)
        row.save()
        revision = PageTextRevision.objects.create(
            page_text=row,
            revision=row.revision,
            source=TextSource.CORRECTION,
            changes=changed,
            engine=row.engine,
            user=_user(actor),
            user_name=actor_name(actor),
        )
        log(
            row.unit,
            "digitization.ocr.correct",
            actor,
            {
                "unit": str(row.unit.uuid),
                "page": row.page,
                "revision": row.revision,
                "lines": changed[:200],
            },
        )
        notify_units_changed([row.unit_id])  # search follows in the same transaction
    package_version, _created = write_ocr_version(
        actor, row.unit, _("校对第 %(page)d 页文本：%(count)d 行") % {"page": row.page, "count": len(changed)}
    )
    PageTextRevision.objects.filter(pk=revision.pk).update(package_version=package_version)
    return CorrectionResult(page_text=row, changed=changed, package_version=package_version)
