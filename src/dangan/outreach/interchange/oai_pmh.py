"""Part oai: the OAI-PMH 2.0 provider behind ``/oai`` (views/oai.py): the six verbs, their errors, resumption tokens
and the records, written with lxml's incremental writer. Every query is made before the first byte is written
(``answer`` returns the reply's writer), so that an error is never found half-way through a response.

Records are the rows of ``OaiRecord`` (models/oai.py): a row is *live* for a viewer when ``catalog.policy`` lets the
viewer see its unit (or a unit of its fonds), *deleted* when it is not live and the public once saw it, and absent
otherwise — so a hidden unit answers exactly like a missing one. Lists are keyset pages on (datestamp, id)."""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

from django.conf import settings
from django.core import signing
from django.db.models import BooleanField, Case, Exists, OuterRef, Q, QuerySet, When
from django.utils import timezone
from lxml import etree

from dangan.catalog.models import ArchivalUnit, Fonds
from dangan.catalog.policy import visible_units
from dangan.core.models import Institution
from dangan.outreach.models import OaiRecord

from . import registry
from .oai_dc import Site, make_site

OAI = "http://www.openarchives.org/OAI/2.0/"
XSI = "http://www.w3.org/2001/XMLSchema-instance"
OAI_SCHEMA = "http://www.openarchives.org/OAI/2.0/OAI-PMH.xsd"
GRANULARITY = "YYYY-MM-DDThh:mm:ssZ"
TOKEN_SALT = "dangan.outreach.oai.resumption"
_Q = f"{{{OAI}}}"

LIST_VERBS = ("ListIdentifiers", "ListRecords")
# verb → (required arguments, optional ones); ListSets and the two lists also take resumptionToken, exclusively.
VERBS: dict[str, tuple[frozenset[str], frozenset[str]]] = {
    "Identify": (frozenset(), frozenset()),
    "ListMetadataFormats": (frozenset(), frozenset({"identifier"})),
    "ListSets": (frozenset(), frozenset()),
    "ListIdentifiers": (frozenset({"metadataPrefix"}), frozenset({"from", "until", "set"})),
    "ListRecords": (frozenset({"metadataPrefix"}), frozenset({"from", "until", "set"})),
    "GetRecord": (frozenset({"identifier", "metadataPrefix"}), frozenset()),
}
_TOKENED = {"ListSets", "ListIdentifiers", "ListRecords"}
_DAY = re.compile(r"^\d{4}-\d{2}-\d{2}$")
_SECOND = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}Z$")


def page_size() -> int:
    return max(1, int(getattr(settings, "OAI_PAGE_SIZE", 500)))


def token_seconds() -> int:
    return max(60, int(getattr(settings, "OAI_TOKEN_HOURS", 24) * 3600))


def repository_id() -> str:
    """The middle part of every identifier (``oai:<repository>:unit/<uuid>``): the setting, else the institution's
    code in lower case."""
    configured = str(getattr(settings, "OAI_REPOSITORY", "") or "").strip()
    if configured:
        return configured
    institution = Institution.current()
    return re.sub(r"[^a-z0-9.-]", "", institution.code.lower()) if institution else "dangan"


def stamp(moment: datetime) -> str:
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


class OaiError(Exception):
    def __init__(self, code: str, message: str) -> None:
        super().__init__(message)
        self.code = code
        self.message = message


# ---------------------------------------------------------------- what a reply is


Writer = Callable[[Any], Iterator[None]]


@dataclass
class Reply:
    """A verb's answer: the attributes echoed in ``<request>`` and the generator writing the verb's element (it
    yields after each record, so the response goes out as it is written)."""

    attrs: dict[str, str]
    body: Writer | None = None
    errors: list[OaiError] = field(default_factory=list)


def stream(reply: Reply, base_url: str, now: datetime | None = None) -> Iterator[bytes]:
    """The response's bytes, written with ``lxml.etree.xmlfile`` and handed on every ``flush_every`` records."""
    sink = _Sink()
    with etree.xmlfile(sink, encoding="utf-8") as xf:
        xf.write_declaration()
        attrib = {f"{{{XSI}}}schemaLocation": f"{OAI} {OAI_SCHEMA}"}
        with xf.element(f"{_Q}OAI-PMH", attrib, nsmap={None: OAI, "xsi": XSI}):
            _text(xf, "responseDate", stamp(now or timezone.now()))
            attrs = {} if any(e.code in ("badVerb", "badArgument") for e in reply.errors) else reply.attrs
            with xf.element(f"{_Q}request", attrs):
                xf.write(base_url)
            if reply.errors:
                for error in reply.errors:
                    with xf.element(f"{_Q}error", {"code": error.code}):
                        xf.write(error.message)
            elif reply.body is not None:
                for n, _ in enumerate(reply.body(xf), 1):
                    if n % 50 == 0:
                        xf.flush()
                        chunk = sink.take()
                        if chunk:
                            yield chunk
    yield sink.take()


class _Sink:
    def __init__(self) -> None:
        self.parts: list[bytes] = []

    def write(self, data: bytes) -> None:
        self.parts.append(data)

    def take(self) -> bytes:
        data = b"".join(self.parts)
        self.parts.clear()
        return data


def _text(xf: Any, name: str, text: str, attrib: dict[str, str] | None = None) -> None:
    with xf.element(f"{_Q}{name}", attrib or {}):
        xf.write(text)


# ---------------------------------------------------------------- arguments


def answer(args: dict[str, list[str]], viewer: Any, base_url: str, root: str) -> Reply:
    """Check the arguments and prepare the reply for ``viewer`` (the anonymous public or a signed-in harvester)."""
    verbs = args.get("verb", [])
    if len(verbs) != 1 or verbs[0] not in VERBS:
        message = (
            "verb 参数重复 (verb is repeated)" if len(verbs) > 1 else "不支持的或缺少的 verb (illegal or missing verb)"
        )
        return Reply({}, errors=[OaiError("badVerb", message)])
    verb = verbs[0]
    attrs = {"verb": verb}
    try:
        for name, values in args.items():
            if len(values) > 1:
                raise OaiError("badArgument", f"参数 {name} 重复 (repeated argument)")
        flat = {name: values[0] for name, values in args.items() if name != "verb"}
        required, optional = VERBS[verb]
        if "resumptionToken" in flat and verb in _TOKENED:
            if len(flat) > 1:
                raise OaiError("badArgument", "resumptionToken 须单独使用 (resumptionToken is exclusive)")
        else:
            illegal = set(flat) - required - optional
            if illegal:
                raise OaiError("badArgument", f"不允许的参数 (illegal arguments): {', '.join(sorted(illegal))}")
            missing = required - set(flat)
            if missing:
                raise OaiError("badArgument", f"缺少参数 (missing arguments): {', '.join(sorted(missing))}")
        attrs.update(flat)
        site = make_site(root)
        if verb == "Identify":
            return Reply(attrs, _identify(viewer, base_url))
        if verb == "ListMetadataFormats":
            return Reply(attrs, _list_formats(viewer, flat.get("identifier")))
        if verb == "ListSets":
            return Reply(attrs, _list_sets(viewer, flat.get("resumptionToken")))
        if verb == "GetRecord":
            return Reply(attrs, _get_record(viewer, flat["identifier"], flat["metadataPrefix"], site))
        return Reply(attrs, _list(verb, viewer, flat, site))
    except OaiError as error:
        return Reply(attrs, errors=[error])


def _parse_moment(text: str, name: str) -> tuple[datetime, str]:
    if _DAY.match(text):
        fmt, granule = "%Y-%m-%d", "day"
    elif _SECOND.match(text):
        fmt, granule = "%Y-%m-%dT%H:%M:%SZ", "second"
    else:
        raise OaiError("badArgument", f"{name} 的格式应为 YYYY-MM-DD 或 YYYY-MM-DDThh:mm:ssZ (bad {name})")
    try:
        return datetime.strptime(text, fmt).replace(tzinfo=UTC), granule
    except ValueError:
        raise OaiError("badArgument", f"{name} 不是有效的日期 (bad {name})") from None


def _range(start: str | None, end: str | None) -> tuple[datetime | None, datetime | None]:
    """``from`` and ``until`` as a half-open range [low, high): ``until`` includes its whole second or day."""
    low = high = None
    granules = set()
    if start:
        low, granule = _parse_moment(start, "from")
        granules.add(granule)
    if end:
        moment, granule = _parse_moment(end, "until")
        granules.add(granule)
        high = moment + (timedelta(days=1) if granule == "day" else timedelta(seconds=1))
    if len(granules) > 1:
        raise OaiError("badArgument", "from 与 until 的粒度须相同 (from and until differ in granularity)")
    if low is not None and high is not None and low >= high:
        raise OaiError("badArgument", "from 晚于 until (from is later than until)")
    return low, high


# ---------------------------------------------------------------- records


def _live(viewer: Any) -> Case:
    units = visible_units(viewer)
    return Case(
        When(kind=OaiRecord.Kind.UNIT, then=Exists(units.filter(pk=OuterRef("unit_id")))),
        default=Exists(units.filter(fonds_id=OuterRef("fonds_id"))),
        output_field=BooleanField(),
    )


def records(viewer: Any) -> QuerySet[OaiRecord]:
    """The rows ``viewer`` is told of, each annotated ``is_live`` (False: a deleted record)."""
    return OaiRecord.objects.annotate(is_live=_live(viewer)).filter(Q(is_live=True) | Q(ever_public=True))


def _kinds(fmt: registry.MetadataFormat) -> list[str]:
    """The kinds of record ``fmt`` exists for, asked of its ``applies`` with an empty unit and fonds."""
    if fmt.applies is None:
        return [OaiRecord.Kind.UNIT.value, OaiRecord.Kind.FONDS.value]
    kinds: list[str] = []
    for kind, sample in ((OaiRecord.Kind.UNIT, ArchivalUnit()), (OaiRecord.Kind.FONDS, Fonds())):
        try:
            if fmt.applies(sample):
                kinds.append(kind.value)
        except Exception:
            kinds.append(kind.value)
    return kinds


def _format(prefix: str) -> registry.MetadataFormat:
    fmt = registry.metadata_format(prefix)
    if fmt is None:
        raise OaiError("cannotDisseminateFormat", f"不支持的元数据格式 (unsupported metadataPrefix): {prefix}")
    return fmt


def _selection(viewer: Any, fmt: registry.MetadataFormat, spec: str | None) -> QuerySet[OaiRecord]:
    rows = records(viewer).filter(kind__in=_kinds(fmt))
    if spec is None:
        return rows
    family = registry.set_family(spec)
    if not registry.set_families():
        raise OaiError("noSetHierarchy", "本库不支持集合 (sets are not supported)")
    units = family.units(viewer, spec) if family is not None else None
    if units is None:
        raise OaiError("noRecordsMatch", f"没有这个集合 (no such set): {spec}")
    if family is not None and family.prefix == "fonds":
        # Our own family: a fonds' rows carry it (its deleted records too), through an index.
        fonds = Fonds.objects.filter(code=spec.split(":", 1)[1]).values_list("pk", flat=True).first()
        if fonds is None:
            raise OaiError("noRecordsMatch", f"没有这个集合 (no such set): {spec}")
        return rows.filter(fonds_id=fonds)
    return rows.filter(kind=OaiRecord.Kind.UNIT).filter(Exists(units.filter(pk=OuterRef("unit_id"))))


@dataclass
class _Cursor:
    verb: str
    prefix: str
    spec: str | None
    start: str | None
    end: str | None
    total: int
    served: int
    last: tuple[str, int] | None
    viewer: int


def _viewer_key(viewer: Any) -> int:
    return int(viewer.pk) if getattr(viewer, "is_authenticated", False) and viewer.pk else 0


def make_token(cursor: _Cursor) -> str:
    data = [
        cursor.verb,
        cursor.prefix,
        cursor.spec,
        cursor.start,
        cursor.end,
        cursor.total,
        cursor.served,
        list(cursor.last) if cursor.last else None,
        cursor.viewer,
    ]
    return signing.dumps(data, salt=TOKEN_SALT, compress=True)


def read_token(token: str, verb: str, viewer: Any) -> _Cursor:
    bad = OaiError("badResumptionToken", "无效或已过期的 resumptionToken (invalid or expired resumptionToken)")
    try:
        data = signing.loads(token, salt=TOKEN_SALT, max_age=token_seconds())
        verb_, prefix, spec, start, end, total, served, last, who = data
        cursor = _Cursor(
            str(verb_),
            str(prefix),
            spec,
            start,
            end,
            int(total),
            int(served),
            (str(last[0]), int(last[1])) if last else None,
            int(who),
        )
    except (signing.BadSignature, TypeError, ValueError, IndexError):
        raise bad from None
    if cursor.verb != verb or cursor.viewer != _viewer_key(viewer):
        raise bad
    return cursor


def _list(verb: str, viewer: Any, flat: dict[str, str], site: Site) -> Writer:
    if "resumptionToken" in flat:
        cursor = read_token(flat["resumptionToken"], verb, viewer)
        fmt = registry.metadata_format(cursor.prefix)
        if fmt is None:
            raise OaiError("badResumptionToken", "该格式已不再提供 (the format is no longer offered)")
    else:
        fmt = _format(flat["metadataPrefix"])
        cursor = _Cursor(
            verb, fmt.prefix, flat.get("set"), flat.get("from"), flat.get("until"), -1, 0, None, _viewer_key(viewer)
        )
        if cursor.spec is not None and not registry.set_families():
            raise OaiError("noSetHierarchy", "本库不支持集合 (sets are not supported)")
    low, high = _range(cursor.start, cursor.end)
    rows = _selection(viewer, fmt, cursor.spec)
    if low is not None:
        rows = rows.filter(datestamp__gte=low)
    if high is not None:
        rows = rows.filter(datestamp__lt=high)
    if cursor.total < 0:
        cursor.total = rows.count()
        if cursor.total == 0:
            raise OaiError("noRecordsMatch", "没有符合条件的记录 (no records match)")
    page = rows
    if cursor.last is not None:
        moment = datetime.fromisoformat(cursor.last[0])
        page = page.filter(datestamp__gte=moment).filter(Q(datestamp__gt=moment) | Q(id__gt=cursor.last[1]))
    full = verb == "ListRecords"
    page = page.select_related("fonds", *(["unit"] if full else [])).order_by("datestamp", "id")
    size = page_size()
    found = list(page[: size + 1])
    more = len(found) > size
    found = found[:size]
    if not found and cursor.last is None:
        raise OaiError("noRecordsMatch", "没有符合条件的记录 (no records match)")
    if full:
        prepare(found, site)
    next_token = None
    served_before = cursor.served
    if more:
        last = found[-1]
        cursor.last = (last.datestamp.isoformat(), last.pk)
        cursor.served = served_before + len(found)
        next_token = make_token(cursor)
    split = more or cursor.last is not None

    repository = repository_id()

    def body(xf: Any) -> Iterator[None]:
        with xf.element(f"{_Q}{verb}"):
            for row in found:
                if full:
                    write_record(xf, row, fmt, viewer, repository)
                else:
                    write_header(xf, row, repository)
                yield None
            if split:
                expires = timezone.now() + timedelta(seconds=token_seconds())
                attrib = {"completeListSize": str(cursor.total), "cursor": str(served_before)}
                if next_token:
                    attrib["expirationDate"] = stamp(expires)
                _text(xf, "resumptionToken", next_token or "", attrib)

    return body


def prepare(rows: list[OaiRecord], site: Site) -> None:
    """Load what the writers read of a page's records in one query more (the units' subjects), and give each
    record its fonds and the site's addresses."""
    units = [row.unit for row in rows if row.live and row.kind == OaiRecord.Kind.UNIT and row.unit is not None]
    subjects: dict[int, list[str]] = {unit.pk: [] for unit in units}
    if units:
        through = ArchivalUnit.subjects.through
        pairs = (
            through.objects.filter(archivalunit_id__in=list(subjects))
            .order_by("subject__term")
            .values_list("archivalunit_id", "subject__term")
        )
        for unit_id, term in pairs:
            subjects[unit_id].append(term)
    for row in rows:
        if row.kind == OaiRecord.Kind.UNIT and row.unit is not None:
            unit = row.unit
            unit.oai_subjects = subjects.get(unit.pk, [])  # type: ignore[attr-defined]
            unit.oai_site = site  # type: ignore[attr-defined]
            if row.fonds is not None and unit.fonds_id == row.fonds_id:
                unit.fonds = row.fonds
        elif row.fonds is not None:
            row.fonds.oai_site = site  # type: ignore[attr-defined]


def write_header(xf: Any, row: OaiRecord, repository: str) -> None:
    kind = "unit" if row.kind == OaiRecord.Kind.UNIT else "fonds"
    attrib = {} if row.live else {"status": "deleted"}
    with xf.element(f"{_Q}header", attrib):
        with xf.element(f"{_Q}identifier"):
            xf.write(f"oai:{repository}:{kind}/{row.local_id}")
        with xf.element(f"{_Q}datestamp"):
            xf.write(stamp(row.datestamp))
        if row.fonds is not None:
            with xf.element(f"{_Q}setSpec"):
                xf.write(f"fonds:{row.fonds.code}")


def write_record(xf: Any, row: OaiRecord, fmt: registry.MetadataFormat, viewer: Any, repository: str) -> None:
    """One ``<record>``: its header, and its metadata in ``fmt`` unless it is deleted."""
    with xf.element(f"{_Q}record"):
        write_header(xf, row, repository)
        if row.live:
            record = row.unit if row.kind == OaiRecord.Kind.UNIT else row.fonds
            with xf.element(f"{_Q}metadata"):
                fmt.write(xf, record, viewer)


# ---------------------------------------------------------------- the other verbs


def _find(viewer: Any, ident: str) -> OaiRecord:
    match = re.fullmatch(r"oai:([^:]+):(unit|fonds)/(.+)", ident)
    missing = OaiError("idDoesNotExist", f"没有这条记录 (no such record): {ident}")
    if match is None or match.group(1) != repository_id():
        raise missing
    kind = OaiRecord.Kind.UNIT if match.group(2) == "unit" else OaiRecord.Kind.FONDS
    row = records(viewer).filter(kind=kind, local_id=match.group(3)).select_related("unit", "fonds").first()
    if row is None:
        raise missing
    return row


def _applies(fmt: registry.MetadataFormat, row: OaiRecord) -> bool:
    if row.kind not in _kinds(fmt):
        return False
    record = row.unit if row.kind == OaiRecord.Kind.UNIT else row.fonds
    return fmt.applies is None or record is None or not row.live or bool(fmt.applies(record))


def _get_record(viewer: Any, ident: str, prefix: str, site: Site) -> Writer:
    fmt = _format(prefix)
    row = _find(viewer, ident)
    if not _applies(fmt, row):
        raise OaiError("cannotDisseminateFormat", f"该记录没有 {prefix} 格式 (not available in this format)")
    prepare([row], site)
    repository = repository_id()

    def body(xf: Any) -> Iterator[None]:
        with xf.element(f"{_Q}GetRecord"):
            write_record(xf, row, fmt, viewer, repository)
            yield None

    return body


def _list_formats(viewer: Any, ident: str | None) -> Writer:
    formats = registry.metadata_formats()
    if ident is not None:
        row = _find(viewer, ident)
        formats = [fmt for fmt in formats if _applies(fmt, row)]
        if not formats:
            raise OaiError("noMetadataFormats", "该记录没有可用的元数据格式 (no metadata formats)")

    def body(xf: Any) -> Iterator[None]:
        with xf.element(f"{_Q}ListMetadataFormats"):
            for fmt in formats:
                with xf.element(f"{_Q}metadataFormat"):
                    _text(xf, "metadataPrefix", fmt.prefix)
                    _text(xf, "schema", fmt.schema)
                    _text(xf, "metadataNamespace", fmt.namespace)
                yield None

    return body


def _list_sets(viewer: Any, token: str | None) -> Writer:
    if token is not None:
        raise OaiError("badResumptionToken", "集合列表不分页 (the list of sets is not split)")
    families = registry.set_families()
    if not families:
        raise OaiError("noSetHierarchy", "本库不支持集合 (sets are not supported)")
    sets = [entry for family in families for entry in family.list_sets(viewer)]

    def body(xf: Any) -> Iterator[None]:
        with xf.element(f"{_Q}ListSets"):
            for spec, name, _description in sets:
                with xf.element(f"{_Q}set"):
                    _text(xf, "setSpec", spec)
                    _text(xf, "setName", name)
                yield None

    return body


def earliest(viewer: Any) -> datetime:
    rows = OaiRecord.objects.all()
    if not getattr(viewer, "is_authenticated", False):
        rows = rows.filter(ever_public=True)
    first = rows.order_by("datestamp", "id").values_list("datestamp", flat=True).first()
    return first or timezone.now()


def admin_email() -> str:
    return str(getattr(settings, "OAI_ADMIN_EMAIL", "") or "oai-admin@localhost.localdomain")


def _identify(viewer: Any, base_url: str) -> Writer:
    institution = Institution.current()
    name = institution.name if institution else "dangan"
    first = earliest(viewer)

    def body(xf: Any) -> Iterator[None]:
        with xf.element(f"{_Q}Identify"):
            _text(xf, "repositoryName", name)
            _text(xf, "baseURL", base_url)
            _text(xf, "protocolVersion", "2.0")
            _text(xf, "adminEmail", admin_email())
            _text(xf, "earliestDatestamp", stamp(first))
            _text(xf, "deletedRecord", "transient")
            _text(xf, "granularity", GRANULARITY)
        yield None

    return body
