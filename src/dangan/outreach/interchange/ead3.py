"""EAD3 of a fonds (part ead), streamed: ``write_fonds`` writes ``<ead>`` into an open ``lxml.etree.xmlfile``,
``export_fonds`` into a file (a temporary file beside the target, renamed at the end).

**What goes out.** Only what ``viewer`` may see (``catalog.policy``: the anonymous viewer is the public). A fonds
with no unit the viewer may see answers like a missing one (``FondsNotFound``), as on the portal. Inside it, the
units the rule hides are left out with everything below them that hangs from them only; a visible unit whose
parent is hidden is placed at the top of ``<dsc>`` (after the fonds' own top-level units), as the API gives it no
parent: neither a placeholder nor the visible units above the hidden one are written, either would tell that
something hidden sits in between (the rule of ``policy.visible_ancestors``).

**Streaming.** The hierarchy is walked in one ordered pass: a recursive SQL query (SQLite and PostgreSQL) walks from
the visible roots down through visible children only, giving each unit its depth and a sort key made of the
(position, id) of every unit above it, and the rows come back in document order from one cursor (a server-side
cursor on PostgreSQL), a batch at a time. Per batch, three queries fetch the batch's authorities, subjects and
which of its units have page images the viewer may see. Python holds one batch and the chain of open ``<c>``
elements, whatever the size of the fonds.
"""

from __future__ import annotations

import datetime as dt
import os
import tempfile
import uuid as uuid_module
from collections import defaultdict
from collections.abc import Callable, Generator, Iterator, Sequence
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import IO, Any, TypeVar

from django.core.exceptions import EmptyResultSet
from django.db import connection
from django.db.models import Exists, F, OuterRef
from django.utils import timezone
from django.utils.translation import get_language
from lxml import etree

from dangan.catalog.choices import AuthorityKind, Openness, SecurityClassification, UnitLevel
from dangan.catalog.dates import date_input_text, date_label
from dangan.catalog.models import ArchivalUnit, Fonds, UnitAuthority
from dangan.catalog.policy import files_hidden, sees_unit_files, unit_filter, visibility_rule, visible_units
from dangan.digitization.pages import masters_filter
from dangan.preservation.models import PackageFile

__all__ = [
    "EAD_NAMESPACE",
    "EAD_SCHEMA",
    "ExportSummary",
    "FondsNotFound",
    "export_fonds",
    "fonds_for",
    "write_fonds",
    "write_fonds_steps",
]

EAD_NAMESPACE = "http://ead3.archivists.org/schema/"
EAD_SCHEMA = "https://www.loc.gov/ead/ead3.xsd"
BATCH = 1000

Progress = Callable[[int, int], None]
_T = TypeVar("_T")


class FondsNotFound(LookupError):
    """No such fonds, or none ``viewer`` may know of (the same answer for both)."""


@dataclass
class ExportSummary:
    fonds: str
    units: int = 0
    levels: dict[str, int] = field(default_factory=dict)
    digitized: int = 0
    bytes: int = 0


def _q(tag: str) -> str:
    return f"{{{EAD_NAMESPACE}}}{tag}"


def fonds_for(code: str, viewer: Any) -> Fonds:
    """The fonds of ``code`` (any case) if ``viewer`` may see at least one of its units; else ``FondsNotFound``."""
    fonds = Fonds.objects.select_related("institution").filter(code__iexact=code.strip()).first()
    if fonds is None or not visible_units(viewer, ArchivalUnit.objects.filter(fonds=fonds)).exists():
        raise FondsNotFound(code)
    return fonds


# ---------------------------------------------------------------- the ordered walk


_COLUMNS = (
    "id",
    "uuid",
    "level",
    "reference_code",
    "title",
    "date",
    "date_precision",
    "page_count",
    "document_number",
    "responsible",
    "classification",
    "openness",
    "extent",
)


@dataclass(frozen=True)
class UnitRow:
    depth: int
    id: int
    uuid: str  # 32 hex digits
    level: str
    reference_code: str
    title: str
    date: dt.date | None
    date_precision: str
    page_count: int | None
    document_number: str
    responsible: str
    classification: str
    openness: str
    extent: str


def _visibility_sql(viewer: Any, alias: str) -> tuple[str, list[Any]]:
    """``policy.unit_filter(viewer)`` as SQL on the unit table under ``alias``."""
    query = ArchivalUnit.objects.filter(unit_filter(viewer)).query
    where = query.where.relabeled_clone({ArchivalUnit._meta.db_table: alias})
    compiler = query.get_compiler(connection=connection)
    try:
        sql, params = compiler.compile(where)
    except EmptyResultSet:
        return "1 = 0", []
    return (sql or "1 = 1"), list(params)


def _key_sql(alias: str) -> str:
    if connection.vendor == "postgresql":
        return f"lpad({alias}.position::text, 10, '0') || lpad({alias}.id::text, 12, '0')"
    return f"printf('%%010d%%012d', {alias}.position, {alias}.id)"


def walk_sql(fonds: Fonds, viewer: Any) -> tuple[str, list[Any]]:
    """The one query of the walk: every unit of ``fonds`` that ``viewer`` may see, in document order, with its depth
    below the visible root it hangs from."""
    table = connection.ops.quote_name(ArchivalUnit._meta.db_table)
    vis_u, params_u = _visibility_sql(viewer, "u")
    vis_p, params_p = _visibility_sql(viewer, "p")
    vis_c, params_c = _visibility_sql(viewer, "c")
    columns = ", ".join(f"u.{connection.ops.quote_name(c)}" for c in _COLUMNS)
    sql = f"""
        WITH RECURSIVE walk(id, depth, path) AS (
            SELECT u.id, 0, (CASE WHEN u.parent_id IS NULL THEN '0' ELSE '1' END) || {_key_sql("u")}
            FROM {table} u
            WHERE u.fonds_id = %s AND ({vis_u}) AND (
                u.parent_id IS NULL
                OR NOT EXISTS (SELECT 1 FROM {table} p WHERE p.id = u.parent_id AND ({vis_p}))
            )
            UNION ALL
            SELECT c.id, walk.depth + 1, walk.path || {_key_sql("c")}
            FROM walk JOIN {table} c ON c.parent_id = walk.id
            WHERE ({vis_c})
        )
        SELECT walk.depth, {columns} FROM walk JOIN {table} u ON u.id = walk.id ORDER BY walk.path
    """
    return sql, [fonds.pk, *params_u, *params_p, *params_c]


def _as_date(value: Any) -> dt.date | None:
    if value is None or isinstance(value, dt.date):
        return value
    return dt.date.fromisoformat(str(value)[:10])


def _as_hex(value: Any) -> str:
    """A UUID column's value as 32 hex digits (SQLite stores them so; PostgreSQL gives a UUID)."""
    return value.hex if isinstance(value, uuid_module.UUID) else str(value).replace("-", "")


def walk_batches(fonds: Fonds, viewer: Any, batch: int = BATCH) -> Iterator[list[UnitRow]]:
    """The visible units of ``fonds`` in document order, ``batch`` rows at a time, from one cursor."""
    sql, params = walk_sql(fonds, viewer)
    with connection.chunked_cursor() as cursor:
        cursor.execute(sql, params)
        while rows := cursor.fetchmany(batch):
            yield [
                UnitRow(
                    depth=r[0],
                    id=r[1],
                    uuid=_as_hex(r[2]),
                    level=r[3],
                    reference_code=r[4] or "",
                    title=r[5],
                    date=_as_date(r[6]),
                    date_precision=r[7] or "",
                    page_count=r[8],
                    document_number=r[9] or "",
                    responsible=r[10] or "",
                    classification=r[11],
                    openness=r[12],
                    extent=r[13] or "",
                )
                for r in rows
            ]


# ---------------------------------------------------------------- what a batch needs besides its rows


@dataclass(frozen=True)
class Term:
    kind: str
    name: str
    identifier: str
    role: str


@dataclass
class BatchExtras:
    terms: dict[int, list[Term]]
    subjects: dict[int, list[str]]
    digitized: set[int]


def _ids_in(column: str, ids: Sequence[int]) -> list[str]:
    """``column IN (…)`` for a batch's ids, as an extra WHERE (the ids are integers from the walk's own rows): a
    thousand ids through the ORM's lookup cost more than the query itself."""
    return [f"{column} IN ({','.join(str(int(i)) for i in ids)})"]


def _batch_extras(ids: Sequence[int], viewer: Any) -> BatchExtras:
    if not ids:
        return BatchExtras({}, {}, set())
    terms: dict[int, list[Term]] = defaultdict(list)
    links = (
        UnitAuthority.objects.extra(where=_ids_in(f"{UnitAuthority._meta.db_table}.unit_id", ids))
        .order_by("unit_id", "authority__kind", "authority__name", "role")
        .values_list("unit_id", "authority__kind", "authority__name", "authority__uuid", "role")
    )
    for unit_id, kind, name, identifier, role in links:
        terms[unit_id].append(Term(kind, name, str(identifier), role))
    subjects: dict[int, list[str]] = defaultdict(list)
    through = ArchivalUnit.subjects.through
    for unit_id, term in (
        through.objects.extra(where=_ids_in(f"{through._meta.db_table}.archivalunit_id", ids))
        .order_by("archivalunit_id", "subject__term")
        .values_list("archivalunit_id", "subject__term")
    ):
        subjects[unit_id].append(term)
    return BatchExtras(terms, subjects, _digitized(ids, viewer))


def _digitized(ids: Sequence[int], viewer: Any) -> set[int]:
    """Which of ``ids`` have page images (masters in their package's head version) whose files ``viewer`` may see:
    those get a ``<dao>`` to their IIIF manifest."""
    if not sees_unit_files(viewer):
        return set()
    masters = PackageFile.objects.filter(
        masters_filter(), package__unit=OuterRef("pk"), version__number=F("package__version_count")
    )
    units = ArchivalUnit.objects.extra(where=_ids_in(f"{ArchivalUnit._meta.db_table}.id", ids))
    found = set(units.filter(Exists(masters)).values_list("pk", flat=True))
    return found - set(files_hidden(viewer))


# ---------------------------------------------------------------- the elements


def _leaf(parent: etree._Element, tag: str, text: str, **attrs: str) -> etree._Element:
    element = etree.SubElement(parent, tag, {k: v for k, v in attrs.items() if v})
    element.text = text
    return element


def _p_block(tag: str, *paragraphs: str, head: str = "") -> etree._Element:
    element = etree.Element(tag)
    if head:
        _leaf(element, "head", head)
    for text in paragraphs:
        _leaf(element, "p", text)
    return element


_LEVELS = frozenset(UnitLevel.values)
_OPENNESS = frozenset(Openness.values)
_CLASSIFICATIONS = frozenset(SecurityClassification.values)
_KINDS = frozenset(AuthorityKind.values)


@lru_cache(maxsize=4096)
def _dates(date: dt.date, precision: str, language: str | None) -> tuple[str, str]:
    """(the date as people read it, ISO 8601 at its precision); bounded cache, per language."""
    return date_label(date, precision), date_input_text(date, precision)


@lru_cache(maxsize=64)
def _access(classification: str, openness: str, language: str | None) -> str:
    parts = [f"开放状态：{Openness(openness).label}"] if openness in _OPENNESS else []
    if classification != SecurityClassification.PUBLIC and classification in _CLASSIFICATIONS:
        parts.append(f"密级：{SecurityClassification(classification).label}")
    return "；".join(parts)


def _access_text(classification: str, openness: str) -> str:
    """The unit's access as the person receiving the export may know it: its openness, and its 密级 only where it is
    above 公开 (which only someone cleared for it can be shown)."""
    return _access(classification, openness, get_language())


_TERM_TAGS = {
    AuthorityKind.PERSON: "persname",
    AuthorityKind.ORGANIZATION: "corpname",
    AuthorityKind.PLACE: "geogname",
    AuthorityKind.EVENT: "subject",
}


def _controlaccess(terms: Sequence[Term], subjects: Sequence[str]) -> etree._Element | None:
    if not terms and not subjects:
        return None
    element = etree.Element("controlaccess")
    seen: set[tuple[str, str]] = set()
    for term in terms:
        tag = _TERM_TAGS.get(AuthorityKind(term.kind), "subject") if term.kind in _KINDS else "subject"
        if (tag, term.identifier) in seen:
            continue
        seen.add((tag, term.identifier))
        access = etree.SubElement(element, tag, identifier=term.identifier)
        if term.kind == AuthorityKind.EVENT:
            access.set("localtype", "event")
        _leaf(access, "part", term.name)
    for text in subjects:
        _leaf(etree.SubElement(element, "subject"), "part", text)
    return element


def _unit_elements(row: UnitRow, extras: BatchExtras, base_url: str) -> list[etree._Element]:
    """The children of a unit's ``<c>`` that come before its own children: ``did`` and the descriptive blocks."""
    did = etree.Element("did")
    if row.reference_code:
        _leaf(did, "unitid", row.reference_code, localtype="档号")
    _leaf(did, "unittitle", row.title)
    if row.date:
        label, normal = _dates(row.date, row.date_precision, get_language())
        _leaf(did, "unitdate", label, normal=normal)
    if row.responsible:
        origination = etree.SubElement(did, "origination", localtype="责任者")
        _leaf(etree.SubElement(origination, "name"), "part", row.responsible)
    if row.page_count:
        _leaf(did, "physdesc", f"{row.page_count} 页")
    if row.extent:
        _leaf(did, "physdesc", row.extent)
    if row.document_number:
        _leaf(did, "didnote", row.document_number, localtype="文号")
    if row.id in extras.digitized:
        href = f"{base_url}/iiif/3/manifests/{uuid_module.UUID(hex=row.uuid)}"
        etree.SubElement(
            did,
            "dao",
            daotype="derived",
            linkrole="https://iiif.io/api/presentation/3/context.json",
            href=href,
            linktitle="IIIF 清单",
        )
    elements = [did]
    access = _access_text(row.classification, row.openness)
    if access:
        elements.append(_p_block("accessrestrict", access))
    controlaccess = _controlaccess(extras.terms.get(row.id, ()), extras.subjects.get(row.id, ()))
    if controlaccess is not None:
        elements.append(controlaccess)
    return elements


def _control(fonds: Fonds) -> etree._Element:
    control = etree.Element("control")
    _leaf(control, "recordid", fonds.code)
    filedesc = etree.SubElement(control, "filedesc")
    titlestmt = etree.SubElement(filedesc, "titlestmt")
    _leaf(titlestmt, "titleproper", f"{fonds.name}档案目录")
    _leaf(titlestmt, "subtitle", f"全宗号 {fonds.code}")
    publication = etree.SubElement(filedesc, "publicationstmt")
    _leaf(publication, "publisher", fonds.institution.name)
    etree.SubElement(control, "maintenancestatus", value="derived")
    agency = etree.SubElement(control, "maintenanceagency")
    if fonds.institution.code:
        _leaf(agency, "agencycode", fonds.institution.code)
    _leaf(agency, "agencyname", fonds.institution.name)
    language = etree.SubElement(control, "languagedeclaration")
    _leaf(language, "language", "中文", langcode="chi")
    _leaf(language, "script", "简体中文", scriptcode="Hans")
    for citation in ("DA/T 22-2015 归档文件整理规则", "DA/T 13-2022 档号编制规则"):
        _leaf(etree.SubElement(control, "conventiondeclaration"), "citation", citation)
    history = etree.SubElement(control, "maintenancehistory")
    event = etree.SubElement(history, "maintenanceevent")
    etree.SubElement(event, "eventtype", value="derived")
    now = timezone.now().replace(microsecond=0)
    _leaf(event, "eventdatetime", now.strftime("%Y-%m-%d %H:%M"), standarddatetime=now.isoformat())
    etree.SubElement(event, "agenttype", value="machine")
    _leaf(event, "agent", "dangan")
    _leaf(event, "eventdescription", "由档案管理系统从目录数据库导出，仅含导出对象可见的档案。")
    return control


def _fonds_did(fonds: Fonds, count: int) -> etree._Element:
    did = etree.Element("did")
    _leaf(did, "unitid", fonds.code, localtype="全宗号")
    _leaf(did, "unittitle", fonds.name)
    if fonds.start_year or fonds.end_year:
        structured = etree.SubElement(did, "unitdatestructured", unitdatetype="inclusive")
        if fonds.start_year and fonds.end_year:
            span = etree.SubElement(structured, "daterange")
            _leaf(span, "fromdate", str(fonds.start_year), standarddate=f"{fonds.start_year:04d}")
            _leaf(span, "todate", str(fonds.end_year), standarddate=f"{fonds.end_year:04d}")
        else:
            year = fonds.start_year or fonds.end_year
            _leaf(structured, "datesingle", str(year), standarddate=f"{year:04d}")
    _leaf(did, "physdesc", f"{count} 条档案（类别、案卷、件）")
    if fonds.creator:
        origination = etree.SubElement(did, "origination", localtype="立档单位")
        _leaf(etree.SubElement(origination, "corpname"), "part", fonds.creator)
    language = etree.SubElement(did, "langmaterial")
    _leaf(language, "language", "中文", langcode="chi")
    _leaf(did, "repository", "").append(_corp(fonds.institution.name))
    return did


def _corp(name: str) -> etree._Element:
    corpname = etree.Element("corpname")
    _leaf(corpname, "part", name)
    return corpname


def _fonds_controlaccess(fonds: Fonds, viewer: Any) -> etree._Element | None:
    """The authorities linked to the fonds' visible units (people, organizations, places, events), each once."""
    units = visible_units(viewer, ArchivalUnit.objects.filter(fonds=fonds)).values("pk")
    rows = (
        UnitAuthority.objects.filter(unit__in=units)
        .values_list("authority__kind", "authority__name", "authority__uuid")
        .distinct()
        .order_by("authority__kind", "authority__name", "authority__uuid")
    )
    terms = [Term(kind, name, str(identifier), "") for kind, name, identifier in rows.iterator(chunk_size=2000)]
    return _controlaccess(terms, ())


# ---------------------------------------------------------------- the document


def write_fonds_steps(
    xf: Any, fonds: Fonds, viewer: Any, *, progress: Progress | None = None, base_url: str = ""
) -> Generator[ExportSummary, None, None]:
    """``write_fonds`` one batch at a time: yields the summary so far after each batch (a streaming response sends
    what was written in between)."""
    base_url = base_url.rstrip("/")
    summary = ExportSummary(fonds.code)
    total = visible_units(viewer, ArchivalUnit.objects.filter(fonds=fonds)).count()
    levels: dict[str, int] = defaultdict(int)
    with xf.element(_q("ead"), nsmap={None: EAD_NAMESPACE}):
        # The children are written without a namespace: inside <ead xmlns="…EAD3…"> they are in EAD3's (lxml's
        # incremental writer writes them as they are, without redeclaring the namespace on each).
        xf.write(_control(fonds))
        with xf.element(_q("archdesc"), level="fonds"):
            xf.write(_fonds_did(fonds, total))
            if fonds.history:
                xf.write(_p_block("scopecontent", *_paragraphs(fonds.history), head="全宗介绍"))
            # 分类说明 (internal notes, the organizations' code table) is not on the portal: staff views only.
            notes = [] if is_public_view(viewer) else _paragraphs(fonds.scheme_notes)
            arrangement = [fonds.get_arrangement_display(), *notes]
            xf.write(_p_block("arrangement", *arrangement, head="分类方案"))
            xf.write(_p_block("accessrestrict", _scope_text(viewer)))
            controlaccess = _fonds_controlaccess(fonds, viewer)
            if controlaccess is not None:
                xf.write(controlaccess)
            if progress:
                progress(0, total)
            if total:
                with xf.element(_q("dsc")):
                    open_c: list[Any] = []
                    try:
                        for rows in walk_batches(fonds, viewer):
                            extras = _batch_extras([r.id for r in rows], viewer)
                            for row in rows:
                                while len(open_c) > row.depth:
                                    open_c.pop().__exit__(None, None, None)
                                level = row.level if row.level in _LEVELS else "otherlevel"
                                c = xf.element(_q("c"), level=level, id=f"u{row.uuid}")
                                c.__enter__()
                                open_c.append(c)
                                for element in _unit_elements(row, extras, base_url):
                                    xf.write(element)
                                levels[row.level] += 1
                                summary.digitized += row.id in extras.digitized
                            summary.units += len(rows)
                            summary.levels = dict(levels)
                            if progress:
                                progress(summary.units, total)
                            yield summary
                    finally:
                        # Every <c> still open is closed, also when writing stopped halfway (the writer's
                        # elements must close in order before the exception goes on).
                        while open_c:
                            open_c.pop().__exit__(None, None, None)
    summary.levels = dict(levels)
    yield summary


def write_fonds(
    xf: Any, fonds: Fonds, viewer: Any, *, progress: Progress | None = None, base_url: str = ""
) -> ExportSummary:
    """Write the EAD3 ``<ead>`` of ``fonds`` as ``viewer`` may see it into the open ``lxml.etree.xmlfile`` ``xf``.
    ``progress(done, total)`` is called after each batch of units; ``base_url`` prefixes the IIIF manifests' links
    (blank: links from the site's root)."""
    summary = ExportSummary(fonds.code)
    for step in write_fonds_steps(xf, fonds, viewer, progress=progress, base_url=base_url):
        summary = step
    return summary


def _paragraphs(text: str) -> list[str]:
    return [line.strip() for line in (text or "").splitlines() if line.strip()]


def is_public_view(viewer: Any) -> bool:
    """Whether ``viewer`` sees what the public sees (公开 and 开放, no grants)."""
    rule = visibility_rule(viewer)
    public = (SecurityClassification.PUBLIC.value,)
    return rule.classifications == public and rule.openness == (Openness.OPEN.value,) and not rule.granted


def _scope_text(viewer: Any) -> str:
    if is_public_view(viewer):
        return "本目录仅含向社会开放的档案（公开、开放）。"
    return "本目录仅含导出者按其权限可见的档案，不得向无权查看者提供。"


def export_fonds(
    fonds: Fonds,
    out: str | os.PathLike[str] | IO[bytes],
    viewer: Any,
    *,
    progress: Progress | None = None,
    base_url: str = "",
) -> ExportSummary:
    """The EAD3 document of ``fonds`` as ``viewer`` may see it, into ``out``: a path (written to a temporary file
    beside it and renamed at the end, so the path never holds a half-written file) or a binary file."""
    if isinstance(out, str | os.PathLike):
        return _export_to_path(
            Path(out), lambda f: export_fonds(fonds, f, viewer, progress=progress, base_url=base_url)
        )
    start = out.tell() if out.seekable() else 0
    with etree.xmlfile(out, encoding="utf-8") as xf:
        xf.write_declaration()
        summary = write_fonds(xf, fonds, viewer, progress=progress, base_url=base_url)
    out.flush()
    summary.bytes = (out.tell() - start) if out.seekable() else 0
    return summary


def _export_to_path(path: Path, write: Callable[[IO[bytes]], _T]) -> _T:
    """Write through ``write`` into a temporary file beside ``path`` and rename it over ``path`` once complete."""
    handle, temporary = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".part", dir=path.parent)
    try:
        with os.fdopen(handle, "wb") as f:
            summary = write(f)
            f.flush()
            os.fsync(f.fileno())
        os.chmod(temporary, 0o644)
        os.replace(temporary, path)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise
    return summary


# eac.py writes its files the same way.
export_to_path = _export_to_path
