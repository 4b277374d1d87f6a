"""The METS 1.12.1 document of a preserved package (``metadata/mets.xml``): build, parse back, validate (no Django).

dmdSec: the unit's description under DA/T 46-2009 element names; amdSec: PREMIS 3 objects, events and agents;
fileSec + structMap: the content files. ``parse_mets`` returns everything ``build_mets`` was given, so the catalog
can be rebuilt from the storage root alone. The profile is described in docs/development/preservation-metadata.md.
"""

from __future__ import annotations

import functools
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date, datetime
from pathlib import Path
from urllib.parse import quote, unquote

from lxml import etree

import dangan

from .premis import (
    FILE_ID_TYPE,
    PACKAGE_ID_TYPE,
    PREMIS_NS,
    XSI_NS,
    Agent,
    Event,
    FileRecord,
    agent_element,
    agent_from_element,
    event_element,
    event_from_element,
    file_element,
    file_from_element,
    intellectual_entity_element,
    object_kind,
    xml_text,
)

__all__ = [
    "DAT46_NS",
    "METS_NS",
    "METS_PROFILE",
    "Description",
    "MetsError",
    "PackageRecord",
    "build_mets",
    "parse_mets",
    "schema_dir",
    "validate_mets",
]

METS_NS = "http://www.loc.gov/METS/"
XLINK_NS = "http://www.w3.org/1999/xlink"
# The project's namespace for DA/T 46-2009 element names. A name, not an address: nothing is fetched from it.
DAT46_NS = "https://dangan.example/ns/dat46"
DAT46_ROOT = "电子文件元数据"
DAT46_MDTYPE = "DA/T 46-2009"
# Names this profile of METS (sections and their contents, as documented); bump it when the layout changes.
METS_PROFILE = "https://dangan.example/ns/mets-profile/1"
SCHEMA_LOCATIONS = (
    f"{METS_NS} http://www.loc.gov/standards/mets/version1121/mets.xsd "
    f"{PREMIS_NS} http://www.loc.gov/standards/premis/v3/premis.xsd"
)

_M = f"{{{METS_NS}}}"
_D = f"{{{DAT46_NS}}}"
_XLINK_HREF = f"{{{XLINK_NS}}}href"
_XLINK_TYPE = f"{{{XLINK_NS}}}type"
_NS = {"mets": METS_NS, "premis": PREMIS_NS, "dat46": DAT46_NS, "xlink": XLINK_NS}
_PARSER = etree.XMLParser(resolve_entities=False, no_network=True, huge_tree=True)

DMD_ID = "dmd-dat46"
PACKAGE_TECH_ID = "tech-package"


class MetsError(ValueError):
    """A METS document that cannot be built or read back."""


@dataclass
class Description:
    """The descriptive metadata of the unit a package preserves, in the catalog's terms."""

    unit_uuid: str
    title: str  # 题名
    reference_code: str = ""  # 档号
    fonds_code: str = ""  # 全宗号
    fonds_name: str = ""  # 全宗名称
    fonds_creator: str = ""  # 立档单位名称
    archive_code: str = ""  # 档案馆代码
    archive_name: str = ""  # 档案馆名称
    category: str = ""  # 档案门类代码, e.g. WS
    category_name: str = ""  # 档案门类名称, e.g. 文书
    level: str = ""  # 聚合层次: series / file / item
    responsible: str = ""  # 责任者
    document_number: str = ""  # 文号 (DA/T 46 文件编号)
    date: date | str | None = None  # 日期: a date, or free text such as 民国二十年三月
    date_precision: str = ""  # day / month / year
    year: int | None = None  # 年度
    retention: str = ""  # 保管期限 code: Y, D30, D10, C, D
    organization: str = ""  # 机构(问题)
    item_number: int | None = None  # 件号
    classification: str = ""  # 密级: public, internal, secret, confidential, top_secret
    openness: str = ""  # 开放状态: open, controlled, pending
    page_count: int | None = None  # 页数
    extent: str = ""  # 数量及单位
    subjects: list[str] = field(default_factory=list)  # 主题词
    notes: str = ""  # 附注
    remarks: str = ""  # 备注
    physical_location: str = ""  # 存放位置 of the original
    former_reference_codes: list[str] = field(default_factory=list)  # 曾用档号
    parent_uuid: str = ""  # the unit above in the arrangement
    position: int | None = None  # 排列顺序 among its siblings


@dataclass
class PackageRecord:
    """Everything the METS document of one package holds."""

    package_id: str  # the OCFL object id, urn:uuid:…
    description: Description
    created: datetime  # when the package was first written (timezone-aware)
    files: list[FileRecord] = field(default_factory=list)
    events: list[Event] = field(default_factory=list)
    agents: list[Agent] = field(default_factory=list)
    modified: datetime | None = None  # when this version of the document was written

    def add_agents(self, agents: Iterable[Agent]) -> None:
        """Add agents not yet listed (by identifier)."""
        known = {agent.key for agent in self.agents}
        for agent in agents:
            if agent.key not in known:
                self.agents.append(agent)
                known.add(agent.key)

    def add_events(self, events: Iterable[Event], agents: Iterable[Agent] = ()) -> None:
        """Append events (an event already recorded, by identifier, is not added twice) and their agents.

        The document's modification time moves to the latest event, so rebuilding stays deterministic.
        """
        self.add_agents(agents)
        known = {event.identifier for event in self.events}
        for event in events:
            if event.identifier in known:
                continue
            self.events.append(event)
            known.add(event.identifier)
            if self.modified is None or event.date_time > self.modified:
                self.modified = event.date_time

    def file(self, path: str) -> FileRecord | None:
        return next((f for f in self.files if f.path == path), None)


# --- DA/T 46 description ------------------------------------------------------------------------

LEVEL_LABELS = {"series": "类别", "file": "案卷", "item": "件"}
RETENTION_LABELS = {"Y": "永久", "D30": "定期30年", "D10": "定期10年", "C": "长期", "D": "短期"}
CLASSIFICATION_LABELS = {
    "public": "公开",
    "internal": "内部",
    "secret": "秘密",
    "confidential": "机密",
    "top_secret": "绝密",
}
OPENNESS_LABELS = {"open": "开放", "controlled": "控制", "pending": "待审"}
CODE_ATTR = "代码"
DATE_FORMAT_ATTR = "格式"
DATE_FORMAT = "YYYYMMDD"
PRECISION_ATTR = "精度"

# (element path under the root, Description attribute, kind). Kinds: text, int, list, or a label table for coded
# values (written as <代码="Y">永久</…>). The order is the order in the document.
DAT46_FIELDS: tuple[tuple[tuple[str, ...], str, str | dict[str, str]], ...] = (
    (("聚合层次",), "level", LEVEL_LABELS),
    (("来源", "档案馆名称"), "archive_name", "text"),
    (("来源", "档案馆代码"), "archive_code", "text"),
    (("来源", "全宗名称"), "fonds_name", "text"),
    (("来源", "立档单位名称"), "fonds_creator", "text"),
    (("电子文件号",), "unit_uuid", "text"),
    (("档号",), "reference_code", "text"),
    (("曾用档号",), "former_reference_codes", "list"),
    (("全宗号",), "fonds_code", "text"),
    (("档案门类代码",), "category", "text"),
    (("档案门类名称",), "category_name", "text"),
    (("年度",), "year", "int"),
    (("保管期限",), "retention", RETENTION_LABELS),
    (("机构或问题",), "organization", "text"),
    (("件号",), "item_number", "int"),
    (("上级电子文件号",), "parent_uuid", "text"),
    (("排列顺序",), "position", "int"),
    (("内容描述", "题名"), "title", "text"),
    (("内容描述", "主题词"), "subjects", "list"),
    (("内容描述", "文件编号"), "document_number", "text"),
    (("内容描述", "责任者"), "responsible", "text"),
    (("内容描述", "日期"), "date", "date"),
    (("内容描述", "密级"), "classification", CLASSIFICATION_LABELS),
    (("形式特征", "页数"), "page_count", "int"),
    (("形式特征", "数量及单位"), "extent", "text"),
    (("存放位置",), "physical_location", "text"),
    (("权限管理", "控制标识"), "openness", OPENNESS_LABELS),
    (("附注",), "notes", "text"),
    (("备注",), "remarks", "text"),
)


def _description_element(description: Description) -> etree._Element:
    root = etree.Element(_D + DAT46_ROOT, nsmap={"dat46": DAT46_NS})
    containers: dict[str, etree._Element] = {}
    for path, attr, kind in DAT46_FIELDS:
        value = getattr(description, attr)
        if value is None or value == "" or value == []:
            continue
        parent = root
        for name in path[:-1]:
            if name not in containers:
                containers[name] = etree.SubElement(root, _D + name)
            parent = containers[name]
        tag = _D + path[-1]
        what = f"{path[-1]}（{attr}）"
        if kind == "list":
            for item in value:
                etree.SubElement(parent, tag).text = xml_text(str(item), what)
        elif kind == "date":
            element = etree.SubElement(parent, tag)
            if isinstance(value, date):
                element.set(DATE_FORMAT_ATTR, DATE_FORMAT)
                element.text = f"{value.year:04d}{value.month:02d}{value.day:02d}"
            else:
                element.text = xml_text(str(value), what)
            if description.date_precision:
                element.set(PRECISION_ATTR, description.date_precision)
        elif isinstance(kind, dict):
            element = etree.SubElement(parent, tag)
            element.set(CODE_ATTR, xml_text(str(value), what))
            element.text = kind.get(str(value), str(value))
        else:
            etree.SubElement(parent, tag).text = xml_text(str(value), what)
    return root


def _description_from_element(root: etree._Element) -> Description:
    values: dict[str, object] = {}
    for path, attr, kind in DAT46_FIELDS:
        xpath = "/".join(f"dat46:{name}" for name in path)
        elements = root.findall(xpath, _NS)
        if not elements:
            continue
        element = elements[0]
        text = element.text or ""
        if kind == "list":
            values[attr] = [e.text or "" for e in elements]
        elif kind == "int":
            try:
                values[attr] = int(text.strip())
            except ValueError as exc:
                raise MetsError(f"DA/T 46 元素 {path[-1]} 的值不是整数：{text!r}") from exc
        elif kind == "date":
            if element.get(DATE_FORMAT_ATTR) == DATE_FORMAT:
                digits = text.strip()
                try:
                    values[attr] = date(int(digits[:4]), int(digits[4:6]), int(digits[6:8]))
                except ValueError as exc:
                    raise MetsError(f"DA/T 46 元素 日期 的值不是 YYYYMMDD：{text!r}") from exc
            else:
                values[attr] = text
            values["date_precision"] = element.get(PRECISION_ATTR, "")
        elif isinstance(kind, dict):
            values[attr] = element.get(CODE_ATTR) or text
        else:
            values[attr] = text
    if "unit_uuid" not in values or "title" not in values:
        raise MetsError("DA/T 46 描述缺少 电子文件号 或 题名")
    return Description(**values)  # type: ignore[arg-type]


# --- build ----------------------------------------------------------------------------------------


def _m(parent: etree._Element, name: str, **attrs: str) -> etree._Element:
    element = etree.SubElement(parent, _M + name)
    for key, value in attrs.items():
        element.set(key, value)
    return element


def _wrap(parent: etree._Element, section: str, section_id: str, mdtype: str, payload: etree._Element) -> None:
    md = _m(parent, section, ID=section_id)
    wrap = _m(md, "mdWrap", MDTYPE=mdtype)
    _m(wrap, "xmlData").append(payload)


def _aware(value: datetime, what: str) -> str:
    if value.tzinfo is None:
        raise MetsError(f"{what} 没有时区")
    return value.isoformat()


# Where a digitized unit's page images (masters) lie in its package; their page order is the sort order of the paths
# (content/masters/0001.tif, 0002.tif …), which the physical structMap lists.
PAGES_PREFIX = "content/masters/"


def page_paths(files: Iterable[FileRecord]) -> list[str]:
    """The logical paths of the package's page images, in page order."""
    return sorted(f.path for f in files if f.path.startswith(PAGES_PREFIX) and "/" not in f.path[len(PAGES_PREFIX) :])


def build_mets(package: PackageRecord) -> bytes:
    """The METS document for a package: UTF-8, pretty-printed, the same bytes for the same record."""
    if not package.description.title:
        raise MetsError("题名不能为空")
    paths = [f.path for f in package.files]
    if len(set(paths)) != len(paths):
        raise MetsError("包内文件路径重复")
    for f in package.files:
        if not f.sha512:
            raise MetsError(f"文件 {f.path} 没有 SHA-512 摘要值")
    title = xml_text(package.description.title, "题名")
    root = etree.Element(
        _M + "mets", nsmap={"mets": METS_NS, "premis": PREMIS_NS, "dat46": DAT46_NS, "xlink": XLINK_NS, "xsi": XSI_NS}
    )
    root.set(f"{{{XSI_NS}}}schemaLocation", SCHEMA_LOCATIONS)
    root.set("OBJID", package.package_id)
    root.set("LABEL", title)
    root.set("PROFILE", METS_PROFILE)

    header = _m(root, "metsHdr", CREATEDATE=_aware(package.created, "创建时间"))
    if package.modified is not None:
        header.set("LASTMODDATE", _aware(package.modified, "修改时间"))
    creator = _m(header, "agent", ROLE="CREATOR", TYPE="OTHER", OTHERTYPE="SOFTWARE")
    _m(creator, "name").text = f"dangan {dangan.__version__}"
    if package.description.archive_name:
        custodian = _m(header, "agent", ROLE="CUSTODIAN", TYPE="ORGANIZATION")
        _m(custodian, "name").text = xml_text(package.description.archive_name, "档案馆名称")

    dmd = _m(root, "dmdSec", ID=DMD_ID)
    wrap = _m(
        dmd, "mdWrap", MDTYPE="OTHER", OTHERMDTYPE=DAT46_MDTYPE, MIMETYPE="text/xml", LABEL="文书类电子文件元数据"
    )
    _m(wrap, "xmlData").append(_description_element(package.description))

    file_ids = {f.path: f"file-{i:04d}" for i, f in enumerate(package.files, 1)}
    tech_ids = {f.path: f"tech-file-{i:04d}" for i, f in enumerate(package.files, 1)}
    event_ids = [f"event-{i:04d}" for i in range(1, len(package.events) + 1)]
    # Which events concern each file, and which concern the package as a whole (or no object in particular).
    file_events: dict[str, list[str]] = {path: [] for path in paths}
    package_events: list[str] = []
    for event, event_id in zip(package.events, event_ids, strict=True):
        touched = {link.value for link in event.objects if link.type == FILE_ID_TYPE and link.value in file_events}
        for path in touched:
            file_events[path].append(event_id)
        if not touched or any(link.type == PACKAGE_ID_TYPE for link in event.objects):
            package_events.append(event_id)

    amd = _m(root, "amdSec", ID="amd-1")
    _wrap(amd, "techMD", PACKAGE_TECH_ID, "PREMIS:OBJECT", intellectual_entity_element(package.package_id))
    for f in package.files:
        _wrap(amd, "techMD", tech_ids[f.path], "PREMIS:OBJECT", file_element(f))
    for event, event_id in zip(package.events, event_ids, strict=True):
        _wrap(amd, "digiprovMD", event_id, "PREMIS:EVENT", event_element(event))
    for i, agent in enumerate(package.agents, 1):
        _wrap(amd, "digiprovMD", f"agent-{i:04d}", "PREMIS:AGENT", agent_element(agent))

    if package.files:
        file_sec = _m(root, "fileSec")
        groups: dict[str, etree._Element] = {}
        for f in package.files:
            use = f.use or "original"
            if use not in groups:
                groups[use] = _m(file_sec, "fileGrp", USE=xml_text(use, "文件用途"))
            element = _m(
                groups[use],
                "file",
                ID=file_ids[f.path],
                SIZE=str(int(f.size)),
                CHECKSUM=f.sha512,
                CHECKSUMTYPE="SHA-512",
                ADMID=" ".join([tech_ids[f.path], *file_events[f.path]]),
            )
            if f.mime_type:
                element.set("MIMETYPE", f.mime_type)
            location = _m(element, "FLocat", LOCTYPE="URL")
            location.set(_XLINK_TYPE, "simple")
            location.set(_XLINK_HREF, quote(xml_text(f.path, "文件路径"), safe="/"))

    struct_map = _m(root, "structMap", TYPE="logical")
    level = package.description.level
    div = _m(struct_map, "div", LABEL=title, DMDID=DMD_ID, ADMID=" ".join([PACKAGE_TECH_ID, *package_events]))
    div.set("TYPE", LEVEL_LABELS.get(level, level) or "档案")
    for i, f in enumerate(package.files, 1):
        child = _m(div, "div", TYPE="file", ORDER=str(i))
        _m(child, "fptr", FILEID=file_ids[f.path])

    pages = page_paths(package.files)
    if pages:
        # The page images of a digitized unit in page order: a physical structMap (the book as it lies).
        physical = _m(root, "structMap", TYPE="physical")
        book = _m(physical, "div", TYPE="physSequence", LABEL=title)
        for number, path in enumerate(pages, 1):
            page = _m(book, "div", TYPE="page", ORDER=str(number), LABEL=f"第 {number} 页")
            _m(page, "fptr", FILEID=file_ids[path])

    return etree.tostring(root, xml_declaration=True, encoding="UTF-8", pretty_print=True)


# --- parse ----------------------------------------------------------------------------------------


def _parse(data: bytes) -> etree._Element:
    try:
        return etree.fromstring(data, _PARSER)
    except etree.XMLSyntaxError as exc:
        raise MetsError(f"METS 文档不是合格的 XML：{exc}") from exc


def _parse_datetime(text: str | None, what: str) -> datetime | None:
    if not text:
        return None
    try:
        return datetime.fromisoformat(text.strip())
    except ValueError as exc:
        raise MetsError(f"{what} 不是 ISO 8601 时间：{text!r}") from exc


def parse_mets(data: bytes) -> PackageRecord:
    """The PackageRecord a METS document written by ``build_mets`` holds (also tolerant of reordered sections)."""
    root = _parse(data)
    if root.tag != _M + "mets":
        raise MetsError("根元素不是 mets:mets")
    header = root.find("mets:metsHdr", _NS)
    created = _parse_datetime(header.get("CREATEDATE") if header is not None else None, "CREATEDATE")
    if created is None:
        raise MetsError("metsHdr 缺少 CREATEDATE")
    modified = _parse_datetime(header.get("LASTMODDATE") if header is not None else None, "LASTMODDATE")

    dmd_root = root.find(f"mets:dmdSec/mets:mdWrap/mets:xmlData/dat46:{DAT46_ROOT}", _NS)
    if dmd_root is None:
        raise MetsError("没有 DA/T 46 描述元数据（dmdSec）")
    description = _description_from_element(dmd_root)

    package_id = root.get("OBJID", "")
    files: list[FileRecord] = []
    for obj in root.iterfind("mets:amdSec/mets:techMD/mets:mdWrap/mets:xmlData/premis:object", _NS):
        kind = object_kind(obj)
        if kind == "file":
            files.append(file_from_element(obj))
        elif kind == "intellectualEntity" and not package_id:
            package_id = obj.findtext("premis:objectIdentifier/premis:objectIdentifierValue", "", _NS)

    # MIME type and use come from the fileSec; a file listed only there still comes back, from its attributes.
    by_path = {f.path: f for f in files}
    for group in root.iterfind("mets:fileSec/mets:fileGrp", _NS):
        use = group.get("USE", "")
        for element in group.iterfind("mets:file", _NS):
            location = element.find("mets:FLocat", _NS)
            if location is None:
                continue
            path = unquote(location.get(_XLINK_HREF, ""))
            record = by_path.get(path)
            if record is None:
                checksum_type = (element.get("CHECKSUMTYPE") or "").upper()
                record = FileRecord(
                    path=path,
                    size=int(element.get("SIZE") or 0),
                    sha512=element.get("CHECKSUM", "") if checksum_type == "SHA-512" else "",
                )
                files.append(record)
                by_path[path] = record
            record.mime_type = element.get("MIMETYPE", "")
            record.use = use

    events = [
        event_from_element(e)
        for e in root.iterfind("mets:amdSec/mets:digiprovMD/mets:mdWrap/mets:xmlData/premis:event", _NS)
    ]
    agents = [
        agent_from_element(e)
        for e in root.iterfind("mets:amdSec/mets:digiprovMD/mets:mdWrap/mets:xmlData/premis:agent", _NS)
    ]
    return PackageRecord(
        package_id=package_id,
        description=description,
        created=created,
        modified=modified,
        files=files,
        events=events,
        agents=agents,
    )


# --- validate -------------------------------------------------------------------------------------


# Package data (``schemas/README.md`` names each source and licence): a clone or a wheel anywhere validates offline.
SCHEMA_DIR = Path(__file__).resolve().with_name("schemas")


def schema_dir() -> Path:
    """Where the METS, XLink and PREMIS schemas are: inside this package (``dangan/preservation/schemas``)."""
    return SCHEMA_DIR


@functools.lru_cache(maxsize=4)
def _schemas(directory: str) -> tuple[etree.XMLSchema, etree.XMLSchema]:
    """(METS with PREMIS known to its lax xmlData, PREMIS alone), loaded from local files only."""
    mets_xsd = Path(directory) / "mets.xsd"
    premis_xsd = Path(directory) / "premis.xsd"
    for path in (mets_xsd, premis_xsd):
        if not path.is_file():
            # Only a broken installation gets here: the schemas are package data.
            raise FileNotFoundError(f"找不到模式文件 {path}（安装不完整，请重新安装 dangan）")
    parser = etree.XMLParser(no_network=True, resolve_entities=False)
    wrapper = (
        '<xs:schema xmlns:xs="http://www.w3.org/2001/XMLSchema">'
        f'<xs:import namespace="{METS_NS}" schemaLocation="{mets_xsd.resolve().as_uri()}"/>'
        f'<xs:import namespace="{PREMIS_NS}" schemaLocation="{premis_xsd.resolve().as_uri()}"/>'
        "</xs:schema>"
    )
    combined = etree.XMLSchema(etree.fromstring(wrapper, parser))
    premis = etree.XMLSchema(etree.parse(str(premis_xsd), parser))
    return combined, premis


_PREMIS_ELEMENTS = {
    "PREMIS:OBJECT": "object",
    "PREMIS:EVENT": "event",
    "PREMIS:AGENT": "agent",
    "PREMIS:RIGHTS": "rightsStatement",
}


def _log(schema: etree.XMLSchema) -> list[str]:
    return [f"第 {e.line} 行：{e.message}" for e in schema.error_log]


def validate_mets(data: bytes) -> list[str]:
    """Problems with a METS document: METS 1.12.1 schema, the embedded PREMIS 3, and this profile. Empty: valid.

    Works offline from the schemas shipped in the package (``schema_dir()``).
    """
    combined, premis = _schemas(str(schema_dir()))
    try:
        root = etree.fromstring(data, _PARSER)
    except etree.XMLSyntaxError as exc:
        return [f"不是合格的 XML：{exc}"]
    errors: list[str] = []
    if not combined.validate(root):
        errors += _log(combined)
    # xmlData is validated laxly: an element PREMIS does not declare would pass unnoticed, so each PREMIS
    # payload is also validated on its own, and must be what its MDTYPE says.
    for wrap in root.iter(_M + "mdWrap"):
        expected = _PREMIS_ELEMENTS.get(wrap.get("MDTYPE", ""))
        if expected is None:
            continue
        for payload in wrap.iterfind("mets:xmlData/*", _NS):
            if payload.tag != f"{{{PREMIS_NS}}}{expected}":
                found = etree.QName(payload)
                errors.append(
                    f"第 {payload.sourceline} 行：MDTYPE {wrap.get('MDTYPE')} 的内容是 {{{found.namespace}}}{found.localname}，"
                    f"应为 premis:{expected}"
                )
            elif not premis.validate(payload):
                errors += _log(premis)
    errors += _profile_problems(root)
    return list(dict.fromkeys(errors))


def _profile_problems(root: etree._Element) -> list[str]:
    """What this profile requires beyond the schemas."""
    problems = []
    if root.tag != _M + "mets":
        return ["根元素不是 mets:mets"]
    if root.find(f"mets:dmdSec/mets:mdWrap/mets:xmlData/dat46:{DAT46_ROOT}", _NS) is None:
        problems.append("缺少 DA/T 46 描述元数据（dmdSec/mdWrap/xmlData/dat46:电子文件元数据）")
    # The schema types these as IDREF(S), but the validator does not check that the IDs exist.
    ids = {element.get("ID") for element in root.iter() if element.get("ID")}
    for element in root.iter():
        for attribute in ("FILEID", "DMDID", "ADMID"):
            for reference in (element.get(attribute) or "").split():
                if reference not in ids:
                    problems.append(f"第 {element.sourceline} 行：{attribute} 引用了不存在的 ID {reference}")
    described = {
        obj.findtext("premis:objectIdentifier/premis:objectIdentifierValue", "", _NS)
        for obj in root.iterfind("mets:amdSec/mets:techMD/mets:mdWrap/mets:xmlData/premis:object", _NS)
        if object_kind(obj) == "file"
    }
    for location in root.iterfind("mets:fileSec/mets:fileGrp/mets:file/mets:FLocat", _NS):
        path = unquote(location.get(_XLINK_HREF, ""))
        if path not in described:
            problems.append(f"第 {location.sourceline} 行：文件 {path} 没有 PREMIS 对象（techMD）")
    return problems
