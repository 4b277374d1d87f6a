"""PREMIS 3 preservation metadata of a package — file objects, events, agents — and their XML form (no Django).

`dangan.preservation.mets` wraps these elements in a METS document; this module knows only PREMIS.
Controlled values follow the Library of Congress vocabularies at id.loc.gov/vocabulary/preservation.
"""

from __future__ import annotations

import re
import uuid
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from enum import StrEnum

from lxml import etree

import dangan

__all__ = [
    "FILE_ID_TYPE",
    "PACKAGE_ID_TYPE",
    "PREMIS_NS",
    "Agent",
    "AgentRole",
    "AgentType",
    "Event",
    "EventOutcome",
    "EventType",
    "FileRecord",
    "Link",
    "ObjectRole",
    "agent_element",
    "agent_from_element",
    "event_element",
    "event_from_element",
    "file_element",
    "file_from_element",
    "intellectual_entity_element",
    "intellectual_entity_id",
    "new_event",
    "person_agent",
    "software_agent",
]

PREMIS_NS = "http://www.loc.gov/premis/v3"
XSI_NS = "http://www.w3.org/2001/XMLSchema-instance"
PREMIS_VERSION = "3.0"
LOC = "http://id.loc.gov/vocabulary/preservation/"

# objectIdentifierType of a file: its logical path inside the package (OCFL "logical path").
FILE_ID_TYPE = "logical path"
# objectIdentifierType of the package (the intellectual entity): its OCFL object id, urn:uuid:….
PACKAGE_ID_TYPE = "URN"
EVENT_ID_TYPE = "UUID"
SOFTWARE_ID_TYPE = "preservation system"
PERSON_ID_TYPE = "user name"

_P = f"{{{PREMIS_NS}}}"
_XSI_TYPE = f"{{{XSI_NS}}}type"


class EventType(StrEnum):
    """PREMIS event types (id.loc.gov eventType); the value is the vocabulary's English label."""

    ACCESSION = "accession"
    CREATION = "creation"
    DELETION = "deletion"
    FIXITY_CHECK = "fixity check"
    FORMAT_IDENTIFICATION = "format identification"
    INFORMATION_PACKAGE_CREATION = "information package creation"
    INGESTION = "ingestion"
    MESSAGE_DIGEST_CALCULATION = "message digest calculation"
    METADATA_MODIFICATION = "metadata modification"
    MIGRATION = "migration"
    NORMALIZATION = "normalization"
    RECOVERY = "recovery"
    REPLICATION = "replication"
    TRANSFER = "transfer"
    VALIDATION = "validation"
    VIRUS_CHECK = "virus check"

    @property
    def code(self) -> str:
        return _EVENT_CODES[self]

    @property
    def label_zh(self) -> str:
        return _EVENT_LABELS_ZH[self]


_EVENT_CODES = {
    EventType.ACCESSION: "acc",
    EventType.CREATION: "cre",
    EventType.DELETION: "del",
    EventType.FIXITY_CHECK: "fix",
    EventType.FORMAT_IDENTIFICATION: "for",
    EventType.INFORMATION_PACKAGE_CREATION: "ipc",
    EventType.INGESTION: "ing",
    EventType.MESSAGE_DIGEST_CALCULATION: "mes",
    EventType.METADATA_MODIFICATION: "mem",
    EventType.MIGRATION: "mig",
    EventType.NORMALIZATION: "nor",
    EventType.RECOVERY: "rec",
    EventType.REPLICATION: "rep",
    EventType.TRANSFER: "tra",
    EventType.VALIDATION: "val",
    EventType.VIRUS_CHECK: "vir",
}

_EVENT_LABELS_ZH = {
    EventType.ACCESSION: "接收进馆",
    EventType.CREATION: "创建",
    EventType.DELETION: "删除",
    EventType.FIXITY_CHECK: "固定性检查",
    EventType.FORMAT_IDENTIFICATION: "格式识别",
    EventType.INFORMATION_PACKAGE_CREATION: "信息包生成",
    EventType.INGESTION: "入库",
    EventType.MESSAGE_DIGEST_CALCULATION: "摘要值计算",
    EventType.METADATA_MODIFICATION: "元数据修改",
    EventType.MIGRATION: "迁移",
    EventType.NORMALIZATION: "格式转换",
    EventType.RECOVERY: "恢复",
    EventType.REPLICATION: "复制",
    EventType.TRANSFER: "移交",
    EventType.VALIDATION: "验证",
    EventType.VIRUS_CHECK: "病毒检查",
}


class EventOutcome(StrEnum):
    """id.loc.gov eventOutcome."""

    SUCCESS = "success"
    WARNING = "warning"
    FAIL = "fail"


_OUTCOME_CODES = {EventOutcome.SUCCESS: "suc", EventOutcome.WARNING: "war", EventOutcome.FAIL: "fai"}


class AgentType(StrEnum):
    """id.loc.gov agentType."""

    SOFTWARE = "software"
    PERSON = "person"
    ORGANIZATION = "organization"
    HARDWARE = "hardware"


_AGENT_TYPE_CODES = {
    AgentType.SOFTWARE: "sof",
    AgentType.PERSON: "per",
    AgentType.ORGANIZATION: "org",
    AgentType.HARDWARE: "har",
}


class AgentRole(StrEnum):
    """id.loc.gov eventRelatedAgentRole."""

    EXECUTING_PROGRAM = "executing program"
    IMPLEMENTER = "implementer"
    AUTHORIZER = "authorizer"
    VALIDATOR = "validator"


_AGENT_ROLE_CODES = {
    AgentRole.EXECUTING_PROGRAM: "exe",
    AgentRole.IMPLEMENTER: "imp",
    AgentRole.AUTHORIZER: "aut",
    AgentRole.VALIDATOR: "val",
}


class ObjectRole(StrEnum):
    """id.loc.gov eventRelatedObjectRole."""

    SOURCE = "source"
    OUTCOME = "outcome"


_OBJECT_ROLE_CODES = {ObjectRole.SOURCE: "sou", ObjectRole.OUTCOME: "out"}

# The vocabularies each controlled element draws on: (authority, its URI base, value → code).
_VOCABULARIES: dict[str, tuple[str, dict[str, str]]] = {
    "eventType": ("eventType", {str(k): v for k, v in _EVENT_CODES.items()}),
    "eventOutcome": ("eventOutcome", {str(k): v for k, v in _OUTCOME_CODES.items()}),
    "agentType": ("agentType", {str(k): v for k, v in _AGENT_TYPE_CODES.items()}),
    "linkingAgentRole": ("eventRelatedAgentRole", {str(k): v for k, v in _AGENT_ROLE_CODES.items()}),
    "linkingObjectRole": ("eventRelatedObjectRole", {str(k): v for k, v in _OBJECT_ROLE_CODES.items()}),
}

# Digest algorithms in the order they are written, with the FileRecord attribute that holds each.
DIGEST_ALGORITHMS = (("SHA-512", "sha512"), ("SHA-256", "sha256"), ("SM3", "sm3"))

_PRONOM_PUID = re.compile(r"^(x-)?fmt/\d+$")
PRONOM = "PRONOM"
LOCAL_REGISTRY = "dangan"


@dataclass(frozen=True)
class Link:
    """An identifier an event points at (an agent or an object), with its role in the event."""

    type: str
    value: str
    role: str = ""


@dataclass
class FileRecord:
    """One content file of a package: what PREMIS and the METS fileSec say about it."""

    path: str  # logical path inside the package, e.g. "content/0001.pdf"
    size: int
    sha512: str
    sha256: str = ""
    sm3: str = ""
    mime_type: str = ""
    puid: str = ""  # a PRONOM PUID (fmt/276) or a project-local id (dangan-fmt/ofd); empty when unidentified
    format_name: str = ""
    format_version: str = ""
    format_note: str = ""  # e.g. the identification's warning
    original_name: str = ""  # the name the file had when it was received
    use: str = "original"  # the METS fileGrp USE: original, preservation, access …

    @property
    def digests(self) -> dict[str, str]:
        """The digests present, keyed by PREMIS messageDigestAlgorithm."""
        return {name: getattr(self, attr) for name, attr in DIGEST_ALGORITHMS if getattr(self, attr)}

    def link(self, role: str = "") -> Link:
        return Link(FILE_ID_TYPE, self.path, role)


@dataclass
class Agent:
    """A PREMIS agent: the software, a person (by user name) or an organization."""

    identifier_value: str
    name: str
    type: str = AgentType.SOFTWARE
    identifier_type: str = SOFTWARE_ID_TYPE
    version: str = ""
    note: str = ""

    @property
    def key(self) -> tuple[str, str]:
        return (self.identifier_type, self.identifier_value)

    def link(self, role: str = "") -> Link:
        if not role:
            role = AgentRole.EXECUTING_PROGRAM if self.type == AgentType.SOFTWARE else AgentRole.IMPLEMENTER
        return Link(self.identifier_type, self.identifier_value, role)


@dataclass
class Event:
    """A PREMIS event: something that happened to the package or its files."""

    identifier: str  # a UUID, as text
    type: str  # an EventType value where one fits
    date_time: datetime  # timezone-aware
    detail: str = ""
    outcome: str = ""  # an EventOutcome value where one fits
    outcome_detail: str = ""
    agents: list[Link] = field(default_factory=list)
    objects: list[Link] = field(default_factory=list)
    identifier_type: str = EVENT_ID_TYPE

    def __post_init__(self) -> None:
        if self.date_time.tzinfo is None:
            raise ValueError(f"事件 {self.identifier} 的时间没有时区（eventDateTime must be timezone-aware）")


def software_agent(version: str | None = None) -> Agent:
    """The agent that stands for this software, ``dangan <version>``."""
    version = version or dangan.__version__
    return Agent(
        identifier_value=f"dangan-{version}",
        name=f"dangan {version}",
        type=AgentType.SOFTWARE,
        identifier_type=SOFTWARE_ID_TYPE,
        version=version,
    )


def person_agent(username: str, full_name: str = "") -> Agent:
    """The agent for a staff member, identified by user name."""
    return Agent(
        identifier_value=username,
        name=full_name or username,
        type=AgentType.PERSON,
        identifier_type=PERSON_ID_TYPE,
    )


def intellectual_entity_id(package_id: str) -> Link:
    """The link to a package's intellectual entity (its OCFL object id)."""
    return Link(PACKAGE_ID_TYPE, package_id)


def new_event(
    type: str,
    *,
    detail: str = "",
    outcome: str = EventOutcome.SUCCESS,
    outcome_detail: str = "",
    agents: Iterable[Agent] = (),
    objects: Iterable[Link] = (),
    date_time: datetime | None = None,
) -> Event:
    """An event with a fresh UUID, happening now (UTC) unless ``date_time`` says otherwise."""
    return Event(
        identifier=str(uuid.uuid4()),
        type=str(type),
        date_time=date_time or datetime.now(UTC),
        detail=detail,
        outcome=str(outcome),
        outcome_detail=outcome_detail,
        agents=[agent.link() for agent in agents],
        objects=list(objects),
    )


# --- XML ----------------------------------------------------------------------------------------


def xml_text(value: str, what: str) -> str:
    """The value if XML can hold it; otherwise a ValueError that names the field."""
    if _XML_INVALID.search(value):
        raise ValueError(f"{what} 含有 XML 不允许的控制字符或代理字符：{value!r}")
    return value


_XML_INVALID = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")


def _sub(parent: etree._Element, name: str, text: str | None = None, what: str = "") -> etree._Element:
    element = etree.SubElement(parent, _P + name)
    if text is not None:
        element.text = xml_text(text, what or name)
    return element


def _controlled(parent: etree._Element, name: str, value: str) -> etree._Element:
    """A stringPlusAuthority element, with the id.loc.gov authority attributes when the value is in the vocabulary."""
    element = _sub(parent, name, value)
    authority, codes = _VOCABULARIES[name]
    code = codes.get(value)
    if code:
        element.set("authority", authority)
        element.set("authorityURI", LOC + authority)
        element.set("valueURI", f"{LOC}{authority}/{code}")
    return element


def _identifier(parent: etree._Element, name: str, type_: str, value: str) -> None:
    element = _sub(parent, name)
    _sub(element, name + "Type", type_)
    _sub(element, name + "Value", value)


def registry_name(puid: str) -> str:
    """PRONOM for a PUID, the project's own registry for a dangan-fmt/… id."""
    return PRONOM if _PRONOM_PUID.match(puid) else LOCAL_REGISTRY


def file_element(record: FileRecord) -> etree._Element:
    """``premis:object xsi:type="premis:file"`` for one content file."""
    obj = etree.Element(_P + "object", nsmap={"premis": PREMIS_NS, "xsi": XSI_NS})
    obj.set(_XSI_TYPE, "premis:file")
    obj.set("version", PREMIS_VERSION)
    _identifier(obj, "objectIdentifier", FILE_ID_TYPE, xml_text(record.path, "文件路径"))
    characteristics = _sub(obj, "objectCharacteristics")
    _sub(characteristics, "compositionLevel", "0")
    for algorithm, digest in record.digests.items():
        fixity = _sub(characteristics, "fixity")
        _sub(fixity, "messageDigestAlgorithm", algorithm)
        _sub(fixity, "messageDigest", digest)
    _sub(characteristics, "size", str(int(record.size)))
    fmt = _sub(characteristics, "format")
    designation = _sub(fmt, "formatDesignation")
    _sub(designation, "formatName", record.format_name, "格式名称")
    if record.format_version:
        _sub(designation, "formatVersion", record.format_version, "格式版本")
    if record.puid:
        registry = _sub(fmt, "formatRegistry")
        _sub(registry, "formatRegistryName", registry_name(record.puid))
        _sub(registry, "formatRegistryKey", record.puid, "格式标识")
        _sub(registry, "formatRegistryRole", "specification")
    if record.format_note:
        _sub(fmt, "formatNote", record.format_note, "格式说明")
    if record.original_name:
        _sub(obj, "originalName", record.original_name, "原文件名")
    return obj


def intellectual_entity_element(package_id: str) -> etree._Element:
    """``premis:object xsi:type="premis:intellectualEntity"`` for the package as a whole."""
    obj = etree.Element(_P + "object", nsmap={"premis": PREMIS_NS, "xsi": XSI_NS})
    obj.set(_XSI_TYPE, "premis:intellectualEntity")
    obj.set("version", PREMIS_VERSION)
    _identifier(obj, "objectIdentifier", PACKAGE_ID_TYPE, package_id)
    return obj


def event_element(event: Event) -> etree._Element:
    element = etree.Element(_P + "event", nsmap={"premis": PREMIS_NS})
    element.set("version", PREMIS_VERSION)
    _identifier(element, "eventIdentifier", event.identifier_type, event.identifier)
    _controlled(element, "eventType", event.type)
    _sub(element, "eventDateTime", event.date_time.isoformat())
    if event.detail:
        info = _sub(element, "eventDetailInformation")
        _sub(info, "eventDetail", event.detail, "事件说明")
    if event.outcome or event.outcome_detail:
        info = _sub(element, "eventOutcomeInformation")
        if event.outcome:
            _controlled(info, "eventOutcome", event.outcome)
        if event.outcome_detail:
            detail = _sub(info, "eventOutcomeDetail")
            _sub(detail, "eventOutcomeDetailNote", event.outcome_detail, "事件结果说明")
    for link in event.agents:
        linking = _sub(element, "linkingAgentIdentifier")
        _sub(linking, "linkingAgentIdentifierType", link.type)
        _sub(linking, "linkingAgentIdentifierValue", link.value, "代理者标识")
        if link.role:
            _controlled(linking, "linkingAgentRole", link.role)
    for link in event.objects:
        linking = _sub(element, "linkingObjectIdentifier")
        _sub(linking, "linkingObjectIdentifierType", link.type)
        _sub(linking, "linkingObjectIdentifierValue", link.value, "对象标识")
        if link.role:
            _controlled(linking, "linkingObjectRole", link.role)
    return element


def agent_element(agent: Agent) -> etree._Element:
    element = etree.Element(_P + "agent", nsmap={"premis": PREMIS_NS})
    element.set("version", PREMIS_VERSION)
    _identifier(element, "agentIdentifier", agent.identifier_type, xml_text(agent.identifier_value, "代理者标识"))
    _sub(element, "agentName", agent.name, "代理者名称")
    _controlled(element, "agentType", agent.type)
    if agent.version:
        _sub(element, "agentVersion", agent.version)
    if agent.note:
        _sub(element, "agentNote", agent.note, "代理者说明")
    return element


def _text(element: etree._Element | None, path: str) -> str:
    if element is None:
        return ""
    found = element.find(path, {"premis": PREMIS_NS})
    return (found.text or "") if found is not None else ""


def object_kind(element: etree._Element) -> str:
    """ "file", "intellectualEntity", … from the xsi:type of a premis:object."""
    return (element.get(_XSI_TYPE) or "").rpartition(":")[2]


def file_from_element(element: etree._Element) -> FileRecord:
    """The FileRecord a ``premis:object`` of type file describes (mime type and use live in the fileSec)."""
    path = ""
    for identifier in element.iterfind("premis:objectIdentifier", {"premis": PREMIS_NS}):
        if _text(identifier, "premis:objectIdentifierType") == FILE_ID_TYPE:
            path = _text(identifier, "premis:objectIdentifierValue")
            break
    characteristics = element.find("premis:objectCharacteristics", {"premis": PREMIS_NS})
    digests: dict[str, str] = {}
    size = 0
    fmt = None
    if characteristics is not None:
        for fixity in characteristics.iterfind("premis:fixity", {"premis": PREMIS_NS}):
            digests[_text(fixity, "premis:messageDigestAlgorithm").upper()] = _text(fixity, "premis:messageDigest")
        size_text = _text(characteristics, "premis:size")
        size = int(size_text) if size_text else 0
        fmt = characteristics.find("premis:format", {"premis": PREMIS_NS})
    return FileRecord(
        path=path,
        size=size,
        sha512=digests.get("SHA-512", ""),
        sha256=digests.get("SHA-256", ""),
        sm3=digests.get("SM3", ""),
        puid=_text(fmt, "premis:formatRegistry/premis:formatRegistryKey"),
        format_name=_text(fmt, "premis:formatDesignation/premis:formatName"),
        format_version=_text(fmt, "premis:formatDesignation/premis:formatVersion"),
        format_note=_text(fmt, "premis:formatNote"),
        original_name=_text(element, "premis:originalName"),
    )


def event_from_element(element: etree._Element) -> Event:
    ns = {"premis": PREMIS_NS}
    agents = [
        Link(
            _text(linking, "premis:linkingAgentIdentifierType"),
            _text(linking, "premis:linkingAgentIdentifierValue"),
            _text(linking, "premis:linkingAgentRole"),
        )
        for linking in element.iterfind("premis:linkingAgentIdentifier", ns)
    ]
    objects = [
        Link(
            _text(linking, "premis:linkingObjectIdentifierType"),
            _text(linking, "premis:linkingObjectIdentifierValue"),
            _text(linking, "premis:linkingObjectRole"),
        )
        for linking in element.iterfind("premis:linkingObjectIdentifier", ns)
    ]
    return Event(
        identifier=_text(element, "premis:eventIdentifier/premis:eventIdentifierValue"),
        identifier_type=_text(element, "premis:eventIdentifier/premis:eventIdentifierType"),
        type=_text(element, "premis:eventType"),
        date_time=datetime.fromisoformat(_text(element, "premis:eventDateTime").strip()),
        detail=_text(element, "premis:eventDetailInformation/premis:eventDetail"),
        outcome=_text(element, "premis:eventOutcomeInformation/premis:eventOutcome"),
        outcome_detail=_text(
            element, "premis:eventOutcomeInformation/premis:eventOutcomeDetail/premis:eventOutcomeDetailNote"
        ),
        agents=agents,
        objects=objects,
    )


def agent_from_element(element: etree._Element) -> Agent:
    return Agent(
        identifier_type=_text(element, "premis:agentIdentifier/premis:agentIdentifierType"),
        identifier_value=_text(element, "premis:agentIdentifier/premis:agentIdentifierValue"),
        name=_text(element, "premis:agentName"),
        type=_text(element, "premis:agentType"),
        version=_text(element, "premis:agentVersion"),
        note=_text(element, "premis:agentNote"),
    )
