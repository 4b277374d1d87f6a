"""Part volumes: compilations (选编/汇编) — creating and editing them, their sections and entries (units the editor
may see, with a transcription started from digitization's OCR text), editorial notes, images, the index of people
and places, the Book a writer prints (``assemble_book``) and the export jobs.

Every change needs COMPILATION_EDIT, runs in one transaction and is audit-logged. A unit the editor may not see is
refused exactly as a unit that does not exist; an entry whose unit the viewer may not see is neither shown nor
edited (it answers as missing) and is left out of what that person exports (counted, never named).

Notes (注释) are anchored by a marker the editor types in the transcription, ``〔注1〕`` for note 1: the marker moves
with the text through every edit. ``split_notes`` turns the markers into (paragraph, offset) for the Book."""

from __future__ import annotations

import importlib
import os
import re
import shutil
import tempfile
import uuid
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Max, QuerySet
from django.http import Http404
from django.utils import timezone
from django.utils.translation import gettext as _

from dangan.catalog.models import ArchivalUnit, UnitAuthority
from dangan.catalog.policy import can_view_unit, visible_units
from dangan.compilation.export import book as B
from dangan.compilation.models import (
    Compilation,
    CompilationStatus,
    Entry,
    EntryImage,
    ExportFormat,
    ExportJob,
    ExportState,
    Note,
    Section,
    TextSource,
)
from dangan.core.actors import account_of, actor_name
from dangan.core.audit import log
from dangan.core.roles import Capability, has_capability
from dangan.utilities.concurrency import EditConflict

__all__ = [
    "INDEX_KINDS",
    "NOTE_MARKER",
    "WRITERS",
    "CompilationView",
    "assemble_book",
    "build_index",
    "can_download",
    "check_export",
    "compilation_view",
    "do_add_entry",
    "do_add_image",
    "do_add_section",
    "do_create_compilation",
    "do_delete_compilation",
    "do_fail_export",
    "do_move_entry",
    "do_move_section",
    "do_remove_entry",
    "do_remove_image",
    "do_remove_note",
    "do_remove_section",
    "do_request_export",
    "do_run_export",
    "do_set_note",
    "do_update_compilation",
    "do_update_entry",
    "do_update_section",
    "export_path",
    "find_unit",
    "ocr_text",
    "pinyin_key",
    "split_notes",
    "unit_masters",
    "visible_entry",
]

NOTE_MARKER = re.compile(r"〔注(\d{1,3})〕")
INDEX_KINDS = ("person", "place", "organization", "event")
# The writers of part export, by format: "module:function", imported when a job runs (settings may name others).
WRITERS = {
    ExportFormat.PDF.value: "dangan.compilation.export.pdf:write_pdf",
    ExportFormat.EPUB.value: "dangan.compilation.export.epub:write_epub",
    ExportFormat.DOCX.value: "dangan.compilation.export.docx:write_docx",
}
COMPILATION_FIELDS = ("title", "subtitle", "editor", "publisher", "year", "preface", "editorial_notes", "status")
ENTRY_FIELDS = ("heading", "date_line", "source_line", "text", "text_source")
MAX_TEXT = 200_000


# ---------------------------------------------------------------- who may


def _require_edit(actor: Any) -> None:
    if not has_capability(actor, Capability.COMPILATION_EDIT):
        raise PermissionDenied(_("没有编研的权限。"))


def _missing_unit() -> ValidationError:
    return ValidationError({"unit": _("找不到该档案。")})


def find_unit(actor: Any, reference: str) -> ArchivalUnit:
    """The unit ``reference`` names (its UUID or its 档号) among those ``actor`` may see; a hidden unit is refused
    with the same message as a missing one."""
    reference = (reference or "").strip()
    if not reference:
        raise ValidationError({"unit": _("请填写档号或档案标识。")})
    rows = visible_units(actor)
    try:
        found = rows.filter(uuid=uuid.UUID(reference)).first()
    except ValueError:
        found = rows.filter(reference_code=reference).first()
    if found is None:
        raise _missing_unit()
    return found


def visible_entry(actor: Any, entry_id: int, compilation: Compilation | None = None) -> Entry:
    """The entry, if ``actor`` may edit compilations and see its unit; Http404 otherwise (a hidden entry answers
    like a missing one)."""
    _require_edit(actor)
    rows = Entry.objects.select_related("unit", "compilation", "section").filter(pk=entry_id)
    if compilation is not None:
        rows = rows.filter(compilation=compilation)
    entry = rows.first()
    if entry is None or not can_view_unit(actor, entry.unit):
        raise Http404(_("找不到该选文。"))
    return entry


@dataclass(frozen=True)
class CompilationView:
    """What ``viewer`` may be shown of a compilation: its sections, and the entries whose unit they may see, in
    book order, numbered as the Book numbers them for that viewer; ``hidden`` counts the others."""

    compilation: Compilation
    sections: list[tuple[Section | None, list[Entry]]]
    hidden: int

    @property
    def entries(self) -> list[Entry]:
        return [e for _s, entries in self.sections for e in entries]


def compilation_view(viewer: Any, compilation: Compilation) -> CompilationView:
    sections = list(compilation.sections.all())
    entries = list(Entry.objects.filter(compilation=compilation).select_related("unit").order_by("order", "pk"))
    seen = {e.pk for e in entries if can_view_unit(viewer, e.unit)}
    grouped: dict[int | None, list[Entry]] = {None: []}
    for section in sections:
        grouped[section.pk] = []
    for entry in entries:
        if entry.pk in seen:
            grouped.setdefault(entry.section_id, []).append(entry)
    ordered: list[tuple[Section | None, list[Entry]]] = []
    if grouped[None] or not sections:
        ordered.append((None, grouped[None]))
    ordered += [(s, grouped[s.pk]) for s in sections]
    return CompilationView(compilation, ordered, len(entries) - len(seen))


# ---------------------------------------------------------------- compilations


def _clean_compilation(data: Mapping[str, Any]) -> dict[str, str]:
    values = {name: str(data.get(name) or "").strip() for name in COMPILATION_FIELDS if name in data}
    errors: dict[str, str] = {}
    if "title" in values and not values["title"]:
        errors["title"] = _("请填写书名。")
    for name, limit in (("title", 300), ("subtitle", 300), ("editor", 300), ("publisher", 300), ("year", 20)):
        if len(values.get(name, "")) > limit:
            errors[name] = _("不能超过 %(n)s 个字。") % {"n": limit}
    for name in ("preface", "editorial_notes"):
        if len(values.get(name, "")) > MAX_TEXT:
            errors[name] = _("文字过长。")
    if "status" in values:
        values["status"] = values["status"] or CompilationStatus.DRAFT
        if values["status"] not in CompilationStatus.values:
            errors["status"] = _("状态不正确。")
    if errors:
        raise ValidationError(errors)
    return values


def do_create_compilation(actor: Any, data: Mapping[str, Any]) -> Compilation:
    _require_edit(actor)
    values = _clean_compilation({"title": "", **data})
    with transaction.atomic():
        compilation = Compilation.objects.create(
            **values, created_by=account_of(actor), created_by_name=actor_name(actor)
        )
        log(compilation, "compilation.create", actor, {"after": values})
    return compilation


def _lock_compilation(compilation: Compilation, version: int | None) -> Compilation:
    current = Compilation.objects.select_for_update().filter(pk=compilation.pk).first()
    if current is None:
        raise EditConflict(_("该编研成果已被删除。"))
    if version is not None and version != current.version:
        raise EditConflict(_("该编研成果已被他人修改，请刷新后再改。"), current.version)
    return current


def do_update_compilation(
    actor: Any, compilation: Compilation, data: Mapping[str, Any], *, version: int | None = None
) -> Compilation:
    _require_edit(actor)
    values = _clean_compilation(data)
    with transaction.atomic():
        current = _lock_compilation(compilation, version)
        changed = {k: v for k, v in values.items() if getattr(current, k) != v}
        if changed:
            before = {k: getattr(current, k) for k in changed}
            for k, v in changed.items():
                setattr(current, k, v)
            current.version += 1
            current.save(update_fields=[*changed, "version", "updated"])
            log(current, "compilation.edit", actor, {"before": before, "after": changed})
    return current


def do_delete_compilation(actor: Any, compilation: Compilation) -> None:
    _require_edit(actor)
    with transaction.atomic():
        current = _lock_compilation(compilation, None)
        files = [job.file for job in current.exports.exclude(file="")]
        log(current, "compilation.delete", actor, {"before": {"title": current.title}})
        current.delete()
    for name in files:
        export_path(name).unlink(missing_ok=True)


def _touch(compilation: Compilation) -> None:
    Compilation.objects.filter(pk=compilation.pk).update(updated=timezone.now())


# ---------------------------------------------------------------- sections


def _clean_title(title: str) -> str:
    title = (title or "").strip()
    if not title:
        raise ValidationError({"title": _("请填写标题。")})
    if len(title) > 300:
        raise ValidationError({"title": _("不能超过 %(n)s 个字。") % {"n": 300}})
    return title


def do_add_section(actor: Any, compilation: Compilation, title: str) -> Section:
    _require_edit(actor)
    title = _clean_title(title)
    with transaction.atomic():
        _lock_compilation(compilation, None)
        last = compilation.sections.aggregate(m=Max("order"))["m"]
        section = Section.objects.create(compilation=compilation, title=title, order=(last or 0) + 1)
        log(compilation, "compilation.section", actor, {"after": {"section": title}})
    return section


def do_update_section(actor: Any, section: Section, title: str) -> Section:
    _require_edit(actor)
    title = _clean_title(title)
    with transaction.atomic():
        _lock_compilation(section.compilation, None)
        before = section.title
        section.title = title
        section.save(update_fields=["title"])
        log(
            section.compilation,
            "compilation.section",
            actor,
            {"before": {"section": before}, "after": {"section": title}},
        )
    return section


def _swap(rows: Sequence[Any], index: int, direction: str) -> bool:
    other = index - 1 if direction == "up" else index + 1
    if direction not in ("up", "down"):
        raise ValidationError(_("方向不正确。"))
    if not 0 <= other < len(rows):
        return False
    for position, row in enumerate(rows):  # renumber densely, then swap the two
        row.order = position + 1
    rows[index].order, rows[other].order = rows[other].order, rows[index].order
    for row in rows:
        row.save(update_fields=["order"])
    return True


def do_move_section(actor: Any, section: Section, direction: str) -> bool:
    """Move a section one place up or down; False when it is already first (last)."""
    _require_edit(actor)
    with transaction.atomic():
        _lock_compilation(section.compilation, None)
        rows = list(Section.objects.filter(compilation=section.compilation_id).order_by("order", "pk"))
        index = next(i for i, s in enumerate(rows) if s.pk == section.pk)
        moved = _swap(rows, index, direction)
        if moved:
            log(
                section.compilation,
                "compilation.reorder",
                actor,
                {"after": {"section": section.title, "direction": direction}},
            )
    return moved


def do_remove_section(actor: Any, section: Section) -> None:
    """Remove a section; its entries stay in the compilation, outside any section."""
    _require_edit(actor)
    with transaction.atomic():
        _lock_compilation(section.compilation, None)
        log(section.compilation, "compilation.section", actor, {"before": {"section": section.title}})
        section.delete()


# ---------------------------------------------------------------- entries


def ocr_text(unit: ArchivalUnit) -> str:
    """The unit's OCR text (digitization's page texts, corrected there or not), pages separated by a blank line;
    empty when it has none. Read only: the entry keeps its own copy."""
    from dangan.digitization.ocr_text import unit_full_text

    return unit_full_text([unit.pk]).get(unit.pk, "")


def _source_line(unit: ArchivalUnit) -> str:
    institution = unit.fonds.institution.name if unit.fonds_id else ""
    parts = [p for p in (unit.reference_code or "", institution) if p]
    return "，".join(parts)


def do_add_entry(actor: Any, compilation: Compilation, reference: str, *, section: Section | None = None) -> Entry:
    """Add the unit ``reference`` names (UUID or 档号, one ``actor`` may see) at the end of ``section``: its title as
    the heading, its date, 档号 and institution as the source line, and its OCR text, if any, as the transcription."""
    _require_edit(actor)
    unit = find_unit(actor, reference)
    if section is not None and section.compilation_id != compilation.pk:
        raise ValidationError({"section": _("该部分不属于本编研成果。")})
    with transaction.atomic():
        _lock_compilation(compilation, None)
        if Entry.objects.filter(compilation=compilation, unit=unit).exists():
            raise ValidationError({"unit": _("该档案已在本编研成果中。")})
        text = ocr_text(unit)
        last = Entry.objects.filter(compilation=compilation).aggregate(m=Max("order"))["m"]
        entry = Entry.objects.create(
            compilation=compilation,
            section=section,
            order=(last or 0) + 1,
            unit=unit,
            heading=unit.title[:1000],
            date_line=unit.date_label[:200],
            source_line=_source_line(unit)[:500],
            text=text,
            text_source=TextSource.OCR if text else TextSource.TYPED,
        )
        log(compilation, "compilation.entry.add", actor, {"after": {"unit": str(unit.uuid), "entry": entry.pk}})
        _touch(compilation)
    return entry


def _clean_entry(data: Mapping[str, Any]) -> dict[str, str]:
    values = {name: str(data.get(name) or "") for name in ENTRY_FIELDS if name in data}
    for name in ("heading", "date_line", "source_line"):
        if name in values:
            values[name] = values[name].strip()
    if "text" in values:
        values["text"] = values["text"].replace("\r\n", "\n").replace("\r", "\n")
    errors: dict[str, str] = {}
    if "heading" in values and not values["heading"]:
        errors["heading"] = _("请填写标题。")
    for name, limit in (("heading", 1000), ("date_line", 200), ("source_line", 500)):
        if len(values.get(name, "")) > limit:
            errors[name] = _("不能超过 %(n)s 个字。") % {"n": limit}
    if len(values.get("text", "")) > MAX_TEXT:
        errors["text"] = _("录文过长。")
    if "text_source" in values and values["text_source"] not in TextSource.values:
        errors["text_source"] = _("录文来源不正确。")
    if errors:
        raise ValidationError(errors)
    return values


def _lock_entry(entry: Entry, version: int | None) -> Entry:
    current = Entry.objects.select_for_update().select_related("compilation", "unit").filter(pk=entry.pk).first()
    if current is None:
        raise EditConflict(_("该选文已被移除。"))
    if version is not None and version != current.version:
        raise EditConflict(_("该选文已被他人修改，请刷新后再改。"), current.version)
    return current


def do_update_entry(
    actor: Any,
    entry: Entry,
    data: Mapping[str, Any],
    *,
    version: int | None = None,
    section: Section | str | None = "keep",
) -> Entry:
    """Change the entry's heading, lines, transcription and its source (``ocr``: OCR text corrected here, ``typed``);
    ``section``: move it to the end of another section (None: outside any)."""
    _require_edit(actor)
    if not can_view_unit(actor, entry.unit):
        raise Http404(_("找不到该选文。"))
    values = _clean_entry(data)
    with transaction.atomic():
        current = _lock_entry(entry, version)
        changed: dict[str, Any] = {k: v for k, v in values.items() if getattr(current, k) != v}
        fields = list(changed)
        if not isinstance(section, str) and section != current.section:
            if section is not None and section.compilation_id != current.compilation_id:
                raise ValidationError({"section": _("该部分不属于本编研成果。")})
            current.section = section
            changed["section"] = section.title if section else ""
            fields.append("section")
        if changed:
            before = {k: getattr(current, k) for k in values if k in changed}
            for k in values:
                if k in changed:
                    setattr(current, k, changed[k])
            current.version += 1
            current.save(update_fields=[*fields, "version", "updated"])
            log(
                current.compilation,
                "compilation.entry.edit",
                actor,
                {"entry": current.pk, "before": before, "after": changed},
            )
            _touch(current.compilation)
    return current


def do_move_entry(actor: Any, entry: Entry, direction: str) -> bool:
    """Swap an entry with the nearest entry above (``up``) or below (``down``) it in its section that ``actor`` may
    see (entries hidden from the actor keep their places); False when there is none."""
    _require_edit(actor)
    if not can_view_unit(actor, entry.unit):
        raise Http404(_("找不到该选文。"))
    if direction not in ("up", "down"):
        raise ValidationError(_("方向不正确。"))
    with transaction.atomic():
        _lock_compilation(entry.compilation, None)
        everything = list(Entry.objects.filter(compilation=entry.compilation_id).order_by("order", "pk"))
        for position, row in enumerate(everything, start=1):  # dense positions first
            if row.order != position:
                row.order = position
                row.save(update_fields=["order"])
        peers = [e for e in everything if e.section_id == entry.section_id]
        index = next(i for i, e in enumerate(peers) if e.pk == entry.pk)
        candidates = reversed(peers[:index]) if direction == "up" else iter(peers[index + 1 :])
        seen = visible_units(actor, ArchivalUnit.objects.filter(pk__in=[e.unit_id for e in peers]))
        visible = set(seen.values_list("pk", flat=True))
        other = next((e for e in candidates if e.unit_id in visible), None)
        if other is None:
            return False
        mine = peers[index]
        mine.order, other.order = other.order, mine.order
        mine.save(update_fields=["order"])
        other.save(update_fields=["order"])
        log(entry.compilation, "compilation.reorder", actor, {"after": {"entry": entry.pk, "direction": direction}})
    return True


def do_remove_entry(actor: Any, entry: Entry) -> None:
    _require_edit(actor)
    if not can_view_unit(actor, entry.unit):
        raise Http404(_("找不到该选文。"))
    with transaction.atomic():
        _lock_compilation(entry.compilation, None)
        log(
            entry.compilation,
            "compilation.entry.remove",
            actor,
            {"before": {"entry": entry.pk, "unit": str(entry.unit.uuid)}},
        )
        entry.delete()


# ---------------------------------------------------------------- notes


def do_set_note(actor: Any, entry: Entry, number: int, text: str) -> Note:
    """Write note ``number`` of the entry (created or replaced); it prints where ``〔注<number>〕`` stands in the
    transcription (at the end of the text when the marker is missing)."""
    _require_edit(actor)
    if not can_view_unit(actor, entry.unit):
        raise Http404(_("找不到该选文。"))
    text = (text or "").strip()
    errors: dict[str, str] = {}
    if not 1 <= int(number) <= 999:
        errors["number"] = _("注释号应在 1–999 之间。")
    if not text:
        errors["text"] = _("请填写注释内容。")
    elif len(text) > 20_000:
        errors["text"] = _("注释过长。")
    if errors:
        raise ValidationError(errors)
    with transaction.atomic():
        current = _lock_entry(entry, None)
        note, created = Note.objects.get_or_create(entry=current, number=number, defaults={"text": text})
        before = None if created else note.text
        if not created and note.text != text:
            note.text = text
            note.save(update_fields=["text"])
        log(
            current.compilation,
            "compilation.note",
            actor,
            {"entry": current.pk, "number": number, "before": before, "after": text},
        )
    return note


def do_remove_note(actor: Any, note: Note) -> None:
    _require_edit(actor)
    if not can_view_unit(actor, note.entry.unit):
        raise Http404(_("找不到该选文。"))
    with transaction.atomic():
        log(
            note.entry.compilation,
            "compilation.note",
            actor,
            {"entry": note.entry_id, "number": note.number, "before": note.text},
        )
        note.delete()


def split_notes(
    text: str, notes: Iterable[Note | tuple[int, str]]
) -> tuple[tuple[str, ...], tuple[B.Note, ...], list[int]]:
    """The transcription as paragraphs (one per non-empty line) without the markers, the notes anchored where their
    markers stood (paragraph, character offset; a note without a marker at the end of the text) in marker order,
    and the numbers of markers that name no note (dropped)."""
    texts: dict[int, str] = {}
    for note in notes:
        number, body = (note.number, note.text) if isinstance(note, Note) else note
        texts[number] = body
    paragraphs: list[str] = []
    anchored: list[B.Note] = []
    placed: set[int] = set()
    orphans: list[int] = []
    for line in text.splitlines():
        if not line.strip():
            continue
        out: list[str] = []
        length = 0
        last = 0
        line = line.strip()
        for match in NOTE_MARKER.finditer(line):
            piece = line[last : match.start()]
            out.append(piece)
            length += len(piece)
            last = match.end()
            number = int(match.group(1))
            if number in texts and number not in placed:
                anchored.append(B.Note(len(paragraphs), length, texts[number]))
                placed.add(number)
            elif number not in texts:
                orphans.append(number)
        out.append(line[last:])
        paragraphs.append("".join(out))
    for number in sorted(set(texts) - placed):
        if not paragraphs:
            paragraphs.append("")
        anchored.append(B.Note(len(paragraphs) - 1, len(paragraphs[-1]), texts[number]))
    return tuple(paragraphs), tuple(anchored), orphans


# ---------------------------------------------------------------- images


def _master_path(file: Any) -> str:
    from dangan.preservation.iiif.derivatives import master_path

    return master_path(file)


def unit_masters(unit: ArchivalUnit) -> list[Any]:
    from dangan.digitization.ocr_text import master_pages

    return [page.file for page in master_pages(unit)]


def do_add_image(actor: Any, entry: Entry, page: int, caption: str = "") -> EntryImage:
    """Print page ``page`` (1-based) of the entry's unit with the entry."""
    from dangan.preservation.iiif import image_id

    _require_edit(actor)
    if not can_view_unit(actor, entry.unit):
        raise Http404(_("找不到该选文。"))
    masters = unit_masters(entry.unit)
    caption = (caption or "").strip()
    if not 1 <= page <= len(masters):
        raise ValidationError({"page": _("该档案没有第 %(page)s 页的图像。") % {"page": page}})
    if len(caption) > 300:
        raise ValidationError({"caption": _("不能超过 %(n)s 个字。") % {"n": 300}})
    with transaction.atomic():
        current = _lock_entry(entry, None)
        last = current.images.aggregate(m=Max("order"))["m"]
        image = EntryImage.objects.create(
            entry=current, page=page, image_id=image_id(masters[page - 1]), caption=caption, order=(last or 0) + 1
        )
        log(
            current.compilation,
            "compilation.image",
            actor,
            {"entry": current.pk, "after": {"page": page, "caption": caption}},
        )
    return image


def do_remove_image(actor: Any, image: EntryImage) -> None:
    _require_edit(actor)
    if not can_view_unit(actor, image.entry.unit):
        raise Http404(_("找不到该选文。"))
    with transaction.atomic():
        log(
            image.entry.compilation,
            "compilation.image",
            actor,
            {"entry": image.entry_id, "before": {"page": image.page}},
        )
        image.delete()


def _image_file(image: EntryImage, unit: ArchivalUnit) -> Any:
    """The master the image names: by its image id (the content chosen), else by page number."""
    from dangan.preservation.iiif import find_image

    if image.image_id:
        found = find_image(image.image_id)
        if found is not None and found.package.unit_id == unit.pk:
            return found
    masters = unit_masters(unit)
    return masters[image.page - 1] if 1 <= image.page <= len(masters) else None


def _derive_image(master: str, target: Path, limit: int) -> tuple[int, int]:
    """A JPEG of the master file ``master`` at print resolution (longest side ``limit`` at most): libvips'
    thumbnail (shrink-on-load, orientation applied) where it reads the format, the viewing copy's decoder otherwise.
    Touches no database: it runs in worker threads."""
    import pyvips

    from dangan.preservation.iiif.derivatives import load_master, viewing_image

    try:
        image = pyvips.Image.thumbnail(master, limit, height=limit, size="down")
    except pyvips.Error:
        image = load_master(master, access="sequential")
        if max(image.width, image.height) > limit:
            image = image.resize(limit / max(image.width, image.height))
    image = viewing_image(image)
    image.jpegsave(str(target), Q=90, strip=True)
    return int(image.width), int(image.height)


def _derive_images(jobs: Sequence[tuple[str, Path]]) -> list[tuple[int, int] | None]:
    """Each (master, target) derived, a few at once (libvips releases the GIL); None where a master is unreadable."""
    from concurrent.futures import ThreadPoolExecutor

    limit = int(getattr(settings, "COMPILATION_IMAGE_PIXELS", 2400))

    def one(job: tuple[str, Path]) -> tuple[int, int] | None:
        try:
            return _derive_image(job[0], job[1], limit)
        except Exception:  # an unreadable master: the volume is printed without that picture
            return None

    if len(jobs) <= 1:
        return [one(job) for job in jobs]
    with ThreadPoolExecutor(max_workers=min(4, os.cpu_count() or 1)) as pool:
        return list(pool.map(one, jobs))


# ---------------------------------------------------------------- the index


def pinyin_key(name: str) -> str:
    """The sort key of a name in the index: its pinyin with tone numbers (多音字 by pypinyin's phrase table)."""
    from pypinyin import Style, lazy_pinyin

    return " ".join(lazy_pinyin(name, style=Style.TONE3, errors="default")).lower()


def build_index(numbers: Mapping[int, int]) -> tuple[B.IndexEntry, ...]:
    """The index of people, places (organizations, events) of the units ``numbers`` holds (unit pk → document
    number): each authority with the documents it occurs in, in pinyin order."""
    found: dict[int, tuple[str, str, set[int]]] = {}
    links = UnitAuthority.objects.filter(unit_id__in=list(numbers), authority__kind__in=INDEX_KINDS).values_list(
        "unit_id", "authority_id", "authority__name", "authority__kind"
    )
    for unit_id, authority_id, name, kind in links:
        found.setdefault(authority_id, (name, kind, set()))[2].add(numbers[unit_id])
    entries = [B.IndexEntry(name, kind, tuple(sorted(docs)), pinyin_key(name)) for name, kind, docs in found.values()]
    entries.sort(key=lambda e: (e.sort_key, e.name, e.kind))
    return tuple(entries)


# ---------------------------------------------------------------- the Book


def _paragraphs(text: str) -> tuple[str, ...]:
    return tuple(line.strip() for line in (text or "").splitlines() if line.strip())


def assemble_book(
    compilation: Compilation, viewer: Any, workdir: Path, *, vertical: bool = False, images: bool = True
) -> B.Book:
    """The Book of ``compilation`` for ``viewer``: entries whose unit ``viewer`` may not see are left out (how many:
    ``book.extra["left_out"]``; the units kept: ``extra["units"]``, comma-separated pks), documents numbered in book
    order, images derived into ``workdir`` (JPEG at print resolution), the index built from the kept units."""
    workdir = Path(workdir)
    workdir.mkdir(parents=True, exist_ok=True)
    view = compilation_view(viewer, compilation)
    entries = view.entries
    notes: dict[int, list[Note]] = {}
    for note in Note.objects.filter(entry__in=[e.pk for e in entries]):
        notes.setdefault(note.entry_id, []).append(note)
    pictures: dict[int, list[EntryImage]] = {}
    if images:
        for picture in EntryImage.objects.filter(entry__in=[e.pk for e in entries]):
            pictures.setdefault(picture.entry_id, []).append(picture)
    number = 0
    numbers: dict[int, int] = {}
    sections: list[B.Section] = []
    missing_images = 0
    derive: list[tuple[str, Path]] = []
    images_of: dict[int, list[tuple[EntryImage, Path]]] = {}
    for section, rows in view.sections:
        documents: list[B.Document] = []
        for entry in rows:
            number += 1
            numbers[entry.unit_id] = number
            paragraphs, anchored, _orphans = split_notes(entry.text, notes.get(entry.pk, []))
            wanted: list[tuple[EntryImage, Path]] = []
            for picture in pictures.get(entry.pk, []):
                file = _image_file(picture, entry.unit)
                if file is None:
                    missing_images += 1
                    continue
                wanted.append((picture, workdir / f"{number:04d}-{picture.pk}.jpg"))
                derive.append((_master_path(file), wanted[-1][1]))
            images_of[number] = wanted
            documents.append(
                B.Document(
                    number=number,
                    heading=entry.heading,
                    date_line=entry.date_line,
                    source_line=entry.source_line,
                    paragraphs=paragraphs,
                    notes=anchored,
                    images=(),
                    anchor=f"d{entry.unit.uuid.hex}",
                )
            )
        if section is None and not documents and view.sections[1:]:
            continue
        sections.append(B.Section(section.title if section else "", tuple(documents)))
    sizes = iter(_derive_images(derive))
    printed: dict[int, tuple[B.Image, ...]] = {}
    for number_of, wanted in images_of.items():
        kept = []
        for picture, target in wanted:
            size = next(sizes)
            if size is None:
                missing_images += 1
            else:
                kept.append(B.Image(target, picture.caption, size[0], size[1]))
        printed[number_of] = tuple(kept)
    sections = [
        B.Section(s.title, tuple(replace(d, images=printed.get(d.number, ())) for d in s.documents)) for s in sections
    ]
    return B.Book(
        title=compilation.title,
        subtitle=compilation.subtitle,
        editor=compilation.editor,
        publisher=compilation.publisher,
        year=compilation.year,
        identifier=f"urn:uuid:{compilation.uuid}",
        preface=_paragraphs(compilation.preface),
        editorial_notes=_paragraphs(compilation.editorial_notes),
        sections=tuple(sections),
        index=build_index(numbers),
        vertical=vertical,
        extra={
            "left_out": str(view.hidden),
            "missing_images": str(missing_images),
            "units": ",".join(str(pk) for pk in numbers),
        },
    )


# ---------------------------------------------------------------- exports


def export_root() -> Path:
    return Path(settings.COMPILATION_EXPORT_ROOT)


def export_path(name: str) -> Path:
    return export_root() / name


def check_export(actor: Any, compilation: Compilation, fmt: str) -> None:
    _require_edit(actor)
    if fmt not in ExportFormat.values:
        raise ValidationError({"format": _("导出格式应为 pdf、epub 或 docx。")})


def do_request_export(
    actor: Any, compilation: Compilation, fmt: str, *, vertical: bool = False, enqueue: bool = True
) -> ExportJob:
    """Record an export of ``compilation`` as ``fmt`` by ``actor`` and queue it (the worker runs it:
    ``tasks.volumes``); ``enqueue=False``: the caller runs it (``do_run_export``, the CLI in the foreground)."""
    from dangan.compilation.tasks.volumes import export_task

    check_export(actor, compilation, fmt)
    with transaction.atomic():
        job = ExportJob.objects.create(
            compilation=compilation,
            format=fmt,
            vertical=bool(vertical) and fmt == ExportFormat.PDF,
            requested_by=account_of(actor),
            requested_by_name=actor_name(actor),
        )
        log(
            compilation,
            "compilation.export",
            actor,
            {"after": {"job": str(job.uuid), "format": fmt, "vertical": job.vertical}},
        )
        if enqueue:
            transaction.on_commit(lambda: export_task.enqueue(job.pk))
    return job


Writer = Callable[..., Any]


def writer_for(fmt: str) -> Writer:
    """The writer of ``fmt``: settings.COMPILATION_WRITERS (format → "module:function") or WRITERS."""
    names = {**WRITERS, **getattr(settings, "COMPILATION_WRITERS", {})}
    module, _sep, function = names[fmt].partition(":")
    return getattr(importlib.import_module(module), function)  # type: ignore[no-any-return]


def _progress_recorder(job_id: int) -> Callable[[int, int], None]:
    def record(done: int, total: int) -> None:
        ExportJob.objects.filter(pk=job_id).update(done=max(0, int(done)), total=max(0, int(total)))

    return record


def do_fail_export(job_id: int, message: str) -> None:
    """Record that export job ``job_id`` failed (the task's refusals, an account gone, a worker given up)."""
    ExportJob.objects.filter(pk=job_id).update(state=ExportState.FAILED, error=message, finished=timezone.now())


def do_run_export(
    actor: Any, job: ExportJob, *, out: Path | None = None, progress: Callable[[int, int], None] | None = None
) -> ExportJob:
    """Run export ``job`` as ``actor`` (its requester): assemble the Book for them, write it with the format's
    writer to a temporary file, rename it into place. A job found running (its worker died) runs again from the
    start; a finished or failed one is left as it is. ``out``: write there instead (the CLI), nothing kept."""
    from dangan.utilities.progress import throttled

    current = ExportJob.objects.select_related("compilation").get(pk=job.pk)
    if current.state in (ExportState.DONE, ExportState.FAILED) and out is None:
        return current
    try:
        check_export(actor, current.compilation, current.format)  # the requester's role may have changed since
    except (ValidationError, PermissionDenied) as exc:
        do_fail_export(job.pk, "；".join(getattr(exc, "messages", [str(exc)])))
        raise
    ExportJob.objects.filter(pk=job.pk).update(state=ExportState.RUNNING, started=timezone.now(), error="", done=0)
    record = _progress_recorder(job.pk)
    timed = throttled(lambda _label, d, t: record(d, t), 0.5)

    def report(done: int, total: int) -> None:
        timed("", done, total)
        if progress is not None:
            progress(done, total)

    extension = current.format
    name = f"{current.uuid.hex}.{extension}"
    target = out if out is not None else export_path(name)
    target.parent.mkdir(parents=True, exist_ok=True)
    workdir = Path(tempfile.mkdtemp(prefix="dangan-compilation-"))
    try:
        try:
            book = assemble_book(current.compilation, actor, workdir, vertical=current.vertical)
            writer = writer_for(current.format)
            partial = target.with_name(f".{target.name}.{os.getpid()}.part")
            try:
                writer(book, partial, progress=report)
                os.replace(partial, target)
            finally:
                partial.unlink(missing_ok=True)
        except (ValidationError, PermissionDenied) as exc:
            do_fail_export(job.pk, "；".join(getattr(exc, "messages", [str(exc)])))
            raise
        except Exception as exc:
            do_fail_export(job.pk, _("导出失败：%(error)s") % {"error": exc})
            raise
    finally:
        shutil.rmtree(workdir, ignore_errors=True)
    units = [int(pk) for pk in book.extra["units"].split(",") if pk]
    documents = len(book.documents())
    ExportJob.objects.filter(pk=job.pk).update(
        state=ExportState.DONE,
        file="" if out is not None else name,
        size=target.stat().st_size,
        documents=documents,
        units=units,
        left_out=int(book.extra["left_out"]),
        finished=timezone.now(),
        done=documents,
        total=documents,
    )
    current.refresh_from_db()
    return current


def can_download(user: Any, job: ExportJob) -> bool:
    """Whether ``user`` may download the job's file: COMPILATION_EDIT and sight of every unit in it (the requester
    included: a clearance lowered since takes the file away too)."""
    if job.state != ExportState.DONE or not job.file or not has_capability(user, Capability.COMPILATION_EDIT):
        return False
    units: list[int] = list(job.units or [])
    if not units:
        return True
    return visible_units(user, ArchivalUnit.objects.filter(pk__in=units)).count() == len(set(units))


def visible_jobs(compilation: Compilation) -> QuerySet[ExportJob]:
    return ExportJob.objects.filter(compilation=compilation).order_by("-created")
