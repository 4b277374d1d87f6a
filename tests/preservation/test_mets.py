"""METS + PREMIS + DA/T 46: what build_mets writes, parse_mets reads back whole, and the schemas accept."""

from __future__ import annotations

import copy
import hashlib
from datetime import UTC, date, datetime, timedelta, timezone
from pathlib import Path

import pytest
from lxml import etree

from dangan.preservation.formats import identify
from dangan.preservation.mets import (
    DAT46_NS,
    METS_NS,
    Description,
    MetsError,
    PackageRecord,
    build_mets,
    parse_mets,
    validate_mets,
)
from dangan.preservation.premis import (
    FILE_ID_TYPE,
    PREMIS_NS,
    Agent,
    AgentType,
    Event,
    EventOutcome,
    EventType,
    FileRecord,
    Link,
    ObjectRole,
    intellectual_entity_id,
    new_event,
    person_agent,
    software_agent,
)

BEIJING = timezone(timedelta(hours=8))
CREATED = datetime(2024, 5, 1, 9, 30, 15, 123456, tzinfo=BEIJING)
PACKAGE_ID = "urn:uuid:0b7e5a52-3c1f-4d7e-9a55-1f0c2d3e4f50"
NS = {"mets": METS_NS, "premis": PREMIS_NS, "dat46": DAT46_NS}


def digests(data: bytes) -> dict[str, str]:
    return {
        "sha512": hashlib.sha512(data).hexdigest(),
        "sha256": hashlib.sha256(data).hexdigest(),
        "sm3": hashlib.new("sm3", data).hexdigest(),
    }


def full_description() -> Description:
    return Description(
        unit_uuid="5d0f2c1e-8a3b-4c5d-9e6f-0a1b2c3d4e5f",
        title="关于<2011年>扶贫开发 & \"整村推进\"工作的'通知'",
        reference_code="Z109-WS·2011-Y-BGS-0001",
        fonds_code="Z109",
        fonds_name="贵州省扶贫开发办公室",
        fonds_creator="贵州省扶贫开发办公室",
        archive_code="GZSDAG",
        archive_name="贵州省档案馆",
        category="WS",
        category_name="文书",
        level="item",
        responsible="貴州省扶貧開發辦公室；省財政廳",  # traditional characters
        document_number="黔扶办发〔2011〕12号",
        date=date(2011, 3, 5),
        date_precision="day",
        year=2011,
        retention="Y",
        organization="BGS",
        item_number=1,
        classification="internal",
        openness="controlled",
        page_count=12,
        extent="1件 12页",
        subjects=["扶贫", "整村推进", "檔案"],
        notes="  首行缩进\n第二行 <b>不是标签</b>\r\n结尾有空格  ",
        remarks="原件有红头、印章 ✔ 𠀀",  # a character outside the BMP
        physical_location="3号库房 A-12-03",
        former_reference_codes=["Z109-WS·2011-Y-BGS-0100", "旧-0001"],
        parent_uuid="9a8b7c6d-5e4f-4a3b-8c2d-1e0f9a8b7c6d",
        position=7,
    )


def file_record(index: int, data: bytes, **fields: str) -> FileRecord:
    values = {
        "path": f"content/{index:04d}.pdf",
        "size": len(data),
        **digests(data),
        "mime_type": "application/pdf",
        "puid": "fmt/354",
        "format_name": "Acrobat PDF/A - Portable Document Format",
        "format_version": "1b",
        "original_name": f"第{index}件.pdf",
    }
    values.update(fields)
    return FileRecord(**values)  # type: ignore[arg-type]


def full_record(files: int = 3) -> PackageRecord:
    software = software_agent("0.1.0")
    person = person_agent("archivist", "张 三")
    record = PackageRecord(
        package_id=PACKAGE_ID,
        description=full_description(),
        created=CREATED,
        files=[file_record(i, f"page {i}".encode()) for i in range(1, files + 1)],
    )
    record.files.append(
        FileRecord(
            path="content/附件 一&二.ofd",
            size=5,
            **digests(b"hello"),
            mime_type="application/ofd",
            puid="dangan-fmt/ofd",
            format_name="Open Fixed-layout Document (OFD)",
            format_version="1.0",
            format_note="扩展名 .ofd 正常",
            use="preservation",
        )
    )
    every_file = [f.link(ObjectRole.SOURCE) for f in record.files]
    record.add_events(
        [
            Event(
                identifier="11111111-1111-4111-8111-111111111111",
                type=EventType.MESSAGE_DIGEST_CALCULATION,
                date_time=CREATED,
                detail="计算 SHA-512、SHA-256、SM3 摘要值",
                outcome=EventOutcome.SUCCESS,
                agents=[software.link()],
                objects=every_file,
            ),
            Event(
                identifier="22222222-2222-4222-8222-222222222222",
                type=EventType.FORMAT_IDENTIFICATION,
                date_time=CREATED + timedelta(seconds=1),
                detail="按内容识别格式（PRONOM）",
                outcome=EventOutcome.WARNING,
                outcome_detail="content/附件 一&二.ofd：无 PUID，使用 dangan-fmt/ofd",
                agents=[software.link()],
                objects=every_file,
            ),
            Event(
                identifier="33333333-3333-4333-8333-333333333333",
                type=EventType.INGESTION,
                date_time=CREATED + timedelta(seconds=2),
                detail="入库：接收批次 2024-001",
                outcome=EventOutcome.SUCCESS,
                agents=[software.link(), person.link()],
                objects=[intellectual_entity_id(PACKAGE_ID)],
            ),
        ],
        agents=[software, person],
    )
    return record


def assert_round_trip(record: PackageRecord) -> bytes:
    data = build_mets(record)
    assert validate_mets(data) == []
    parsed = parse_mets(data)
    assert parsed == record
    assert build_mets(parsed) == data
    return data


# --- round trips -----------------------------------------------------------------------------------


def test_full_record_round_trip() -> None:
    record = full_record()
    data = assert_round_trip(record)
    assert data.startswith(b"<?xml version='1.0' encoding='UTF-8'?>\n")
    assert "黔扶办发〔2011〕12号".encode() in data  # UTF-8, not character references
    assert b"\n  <mets:metsHdr" in data  # pretty-printed


def test_output_is_deterministic() -> None:
    assert build_mets(full_record()) == build_mets(full_record())


def test_every_description_field_comes_back() -> None:
    parsed = parse_mets(build_mets(full_record())).description
    assert parsed.title == "关于<2011年>扶贫开发 & \"整村推进\"工作的'通知'"
    assert parsed.notes == "  首行缩进\n第二行 <b>不是标签</b>\r\n结尾有空格  "
    assert parsed.remarks.endswith("𠀀")
    assert parsed.date == date(2011, 3, 5)
    assert parsed.subjects == ["扶贫", "整村推进", "檔案"]
    assert parsed.former_reference_codes == ["Z109-WS·2011-Y-BGS-0100", "旧-0001"]
    assert (parsed.year, parsed.item_number, parsed.page_count, parsed.position) == (2011, 1, 12, 7)
    assert parsed == full_description()


def test_dat46_element_names() -> None:
    root = etree.fromstring(build_mets(full_record()))
    dmd = root.find("mets:dmdSec/mets:mdWrap", NS)
    assert (dmd.get("MDTYPE"), dmd.get("OTHERMDTYPE")) == ("OTHER", "DA/T 46-2009")
    description = dmd.find("mets:xmlData/dat46:电子文件元数据", NS)
    assert description.findtext("dat46:档号", namespaces=NS) == "Z109-WS·2011-Y-BGS-0001"
    assert description.findtext("dat46:内容描述/dat46:题名", namespaces=NS).startswith("关于<2011年>")
    assert description.findtext("dat46:内容描述/dat46:责任者", namespaces=NS) == "貴州省扶貧開發辦公室；省財政廳"
    assert description.findtext("dat46:内容描述/dat46:文件编号", namespaces=NS) == "黔扶办发〔2011〕12号"
    assert description.findtext("dat46:内容描述/dat46:日期", namespaces=NS) == "20110305"
    retention = description.find("dat46:保管期限", NS)
    assert (retention.get("代码"), retention.text) == ("Y", "永久")
    classification = description.find("dat46:内容描述/dat46:密级", NS)
    assert (classification.get("代码"), classification.text) == ("internal", "内部")
    assert description.find("dat46:权限管理/dat46:控制标识", NS).text == "控制"
    assert description.findtext("dat46:来源/dat46:全宗名称", namespaces=NS) == "贵州省扶贫开发办公室"


def test_minimal_record_with_only_the_required_fields() -> None:
    record = PackageRecord(
        package_id="urn:uuid:00000000-0000-4000-8000-000000000000",
        description=Description(unit_uuid="00000000-0000-4000-8000-000000000001", title="无题"),
        created=datetime(2020, 1, 1, tzinfo=UTC),
    )
    data = assert_round_trip(record)
    assert b"fileSec" not in data
    assert parse_mets(data).modified is None


def test_missing_optional_fields_stay_missing() -> None:
    description = Description(unit_uuid="u-1", title="题名", date=None, year=None, subjects=[], retention="")
    record = PackageRecord("urn:uuid:x", description, CREATED, files=[file_record(1, b"x", sha256="", sm3="")])
    parsed = parse_mets(build_mets(record))
    assert parsed.description.date is None and parsed.description.year is None
    assert parsed.files[0].sha256 == "" and parsed.files[0].digests == {"SHA-512": hashlib.sha512(b"x").hexdigest()}
    assert parsed == record


@pytest.mark.parametrize(
    ("value", "precision"),
    [("民国二十年三月", ""), ("2011-03-05", ""), (date(2011, 3, 1), "month"), (date(1949, 1, 1), "year")],
)
def test_dates_free_text_or_with_precision(value: date | str, precision: str) -> None:
    record = full_record(1)
    record.description.date = value
    record.description.date_precision = precision
    parsed = assert_round_trip(record)
    assert parse_mets(parsed).description.date == value


def test_unknown_codes_pass_through() -> None:
    record = full_record(1)
    record.description.retention = "D50"
    record.description.level = "volume"
    assert_round_trip(record)


def test_many_files() -> None:
    record = full_record(files=600)
    record.add_events(
        [
            new_event(
                EventType.FIXITY_CHECK,
                detail="季度抽检 5%",
                objects=[f.link() for f in record.files[::20]],
                agents=[software_agent("0.1.0")],
                date_time=CREATED + timedelta(days=90),
            )
        ]
    )
    data = assert_round_trip(record)
    root = etree.fromstring(data)
    assert len(root.findall("mets:fileSec/mets:fileGrp/mets:file", NS)) == 601
    assert len(root.findall("mets:structMap/mets:div/mets:div", NS)) == 601


def test_files_keep_format_digests_size_and_group() -> None:
    parsed = parse_mets(build_mets(full_record()))
    ofd = parsed.file("content/附件 一&二.ofd")
    assert ofd is not None
    assert (ofd.puid, ofd.mime_type, ofd.format_version, ofd.use) == (
        "dangan-fmt/ofd",
        "application/ofd",
        "1.0",
        "preservation",
    )
    assert ofd.sm3 == hashlib.new("sm3", b"hello").hexdigest()
    pdf = parsed.files[0]
    assert (pdf.size, pdf.original_name, pdf.use) == (len(b"page 1"), "第1件.pdf", "original")


def test_premis_sections() -> None:
    root = etree.fromstring(build_mets(full_record()))
    objects = root.findall("mets:amdSec/mets:techMD/mets:mdWrap/mets:xmlData/premis:object", NS)
    types = [o.get("{http://www.w3.org/2001/XMLSchema-instance}type") for o in objects]
    assert types == ["premis:intellectualEntity"] + ["premis:file"] * 4
    fixity = objects[1].findall("premis:objectCharacteristics/premis:fixity/premis:messageDigestAlgorithm", NS)
    assert [f.text for f in fixity] == ["SHA-512", "SHA-256", "SM3"]
    registry = objects[1].find("premis:objectCharacteristics/premis:format/premis:formatRegistry", NS)
    assert registry.findtext("premis:formatRegistryName", namespaces=NS) == "PRONOM"
    assert registry.findtext("premis:formatRegistryKey", namespaces=NS) == "fmt/354"
    assert objects[4].findtext(".//premis:formatRegistryName", namespaces=NS) == "dangan"
    event_type = root.find(".//premis:event/premis:eventType", NS)
    assert event_type.get("valueURI") == "http://id.loc.gov/vocabulary/preservation/eventType/mes"
    agents = root.findall(".//premis:agent", NS)
    assert [a.findtext("premis:agentName", namespaces=NS) for a in agents] == ["dangan 0.1.0", "张 三"]
    assert [a.findtext("premis:agentType", namespaces=NS) for a in agents] == ["software", "person"]
    location = root.find(".//mets:file/mets:FLocat", NS)
    assert location.get("{http://www.w3.org/1999/xlink}href") == "content/0001.pdf"
    assert root.find(".//mets:file", NS).get("CHECKSUMTYPE") == "SHA-512"


def test_admid_links_files_to_their_events() -> None:
    root = etree.fromstring(build_mets(full_record(1)))
    file_admid = root.find(".//mets:file", NS).get("ADMID").split()
    assert file_admid == ["tech-file-0001", "event-0001", "event-0002"]
    package_div = root.find("mets:structMap/mets:div", NS)
    assert package_div.get("ADMID").split() == ["tech-package", "event-0003"]
    assert package_div.get("DMDID") == "dmd-dat46"


# --- the next version: events appended ------------------------------------------------------------


def test_appending_events_for_the_next_version() -> None:
    first = build_mets(full_record())
    record = parse_mets(first)
    archivist = person_agent("auditor", "李四")
    check = new_event(
        EventType.FIXITY_CHECK,
        detail="固定性检查：SHA-512 与 SM3 一致",
        outcome=EventOutcome.SUCCESS,
        objects=[f.link() for f in record.files],
        agents=[software_agent("0.2.0"), archivist],
        date_time=datetime(2026, 1, 1, 8, 0, tzinfo=BEIJING),
    )
    record.add_events([check], agents=[software_agent("0.2.0"), archivist])
    record.add_events([check], agents=[archivist])  # a rerun job adds nothing twice
    second = assert_round_trip(record)
    parsed = parse_mets(second)
    assert [e.type for e in parsed.events][-1] == "fixity check"
    assert len(parsed.events) == 4
    assert [a.identifier_value for a in parsed.agents] == ["dangan-0.1.0", "archivist", "dangan-0.2.0", "auditor"]
    assert parsed.modified == datetime(2026, 1, 1, 8, 0, tzinfo=BEIJING)
    assert parsed.created == CREATED


def test_metadata_modification_replaces_the_description() -> None:
    record = parse_mets(build_mets(full_record(1)))
    record.description.reference_code = "Z109-WS·2011-Y-BGS-0002"
    record.description.former_reference_codes.append("Z109-WS·2011-Y-BGS-0001")
    record.add_events(
        [
            new_event(
                EventType.METADATA_MODIFICATION,
                detail="更正档号：Z109-WS·2011-Y-BGS-0001 → Z109-WS·2011-Y-BGS-0002",
                agents=[person_agent("archivist")],
                objects=[intellectual_entity_id(record.package_id)],
            )
        ],
        agents=[person_agent("archivist")],
    )
    parsed = parse_mets(assert_round_trip(record))
    assert parsed.description.reference_code == "Z109-WS·2011-Y-BGS-0002"
    assert parsed.events[-1].type == EventType.METADATA_MODIFICATION


# --- with real files ------------------------------------------------------------------------------


def test_a_package_from_identified_files(tmp_path: Path) -> None:
    from tests.preservation.test_formats import image_bytes, make_pdf, ofd_bytes, xmp_packet

    files = {
        "content/0001.pdf": make_pdf("1.4", xmp_packet("1", "B")),
        "content/0002.ofd": ofd_bytes("1.1"),
        "content/扫描件/0003.tif": image_bytes("TIFF"),
    }
    software = software_agent()
    records = []
    for path, data in files.items():
        target = tmp_path / path
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_bytes(data)
        found = identify(target)
        records.append(
            FileRecord(
                path=path,
                size=target.stat().st_size,
                **digests(data),
                mime_type=found.mime_type,
                puid=found.puid,
                format_name=found.format_name,
                format_version=found.format_version,
                format_note=found.warning,
            )
        )
    record = PackageRecord(PACKAGE_ID, full_description(), CREATED, files=records)
    record.add_events(
        [new_event(EventType.FORMAT_IDENTIFICATION, agents=[software], objects=[f.link() for f in records])],
        agents=[software],
    )
    parsed = parse_mets(assert_round_trip(record))
    assert [(f.puid, f.format_version) for f in parsed.files] == [
        ("fmt/354", "1b"),
        ("dangan-fmt/ofd", "1.1"),
        ("fmt/353", ""),
    ]


# --- what cannot be written or read --------------------------------------------------------------


def test_control_characters_are_refused_with_the_field_named() -> None:
    record = full_record(1)
    record.description.notes = "表格导入的\x0b垂直制表符"
    with pytest.raises(ValueError, match="附注"):
        build_mets(record)


def test_naive_times_are_refused() -> None:
    with pytest.raises(ValueError, match="时区"):
        Event("e", EventType.INGESTION, datetime(2024, 1, 1))
    record = full_record(1)
    record.created = datetime(2024, 1, 1)
    with pytest.raises(MetsError, match="时区"):
        build_mets(record)


def test_duplicate_paths_and_missing_digests_are_refused() -> None:
    record = full_record(1)
    record.files.append(copy.deepcopy(record.files[0]))
    with pytest.raises(MetsError, match="重复"):
        build_mets(record)
    record = full_record(1)
    record.files[0].sha512 = ""
    with pytest.raises(MetsError, match="SHA-512"):
        build_mets(record)


def test_parse_refuses_what_is_not_a_package_document() -> None:
    with pytest.raises(MetsError, match="XML"):
        parse_mets(b"<mets:mets")
    with pytest.raises(MetsError, match="mets:mets"):
        parse_mets(b"<root/>")
    root = etree.fromstring(build_mets(full_record(1)))
    root.remove(root.find("mets:dmdSec", NS))
    with pytest.raises(MetsError, match="DA/T 46"):
        parse_mets(etree.tostring(root, encoding="UTF-8"))


def test_parse_does_not_expand_entities() -> None:
    data = build_mets(full_record(1)).replace(
        b"<?xml version='1.0' encoding='UTF-8'?>",
        b"<?xml version='1.0' encoding='UTF-8'?>\n<!DOCTYPE m [<!ENTITY x SYSTEM \"file:///etc/passwd\">]>",
    )
    data = data.replace(b"<dat46:\xe6\xa1\xa3\xe5\x8f\xb7>Z109", b"<dat46:\xe6\xa1\xa3\xe5\x8f\xb7>&x;Z109")
    assert "root:" not in parse_mets(data).description.reference_code


def test_a_file_listed_only_in_the_filesec_is_still_recovered() -> None:
    root = etree.fromstring(build_mets(full_record(1)))
    amd = root.find("mets:amdSec", NS)
    amd.remove(amd.find("mets:techMD[@ID='tech-file-0001']", NS))
    for element in root.iter():
        if element.get("ADMID"):
            element.set("ADMID", " ".join(i for i in element.get("ADMID").split() if i != "tech-file-0001"))
    data = etree.tostring(root, encoding="UTF-8")
    parsed = parse_mets(data)
    assert parsed.files[-1].path == "content/0001.pdf"
    assert parsed.files[-1].sha512 == hashlib.sha512(b"page 1").hexdigest()
    assert any("没有 PREMIS 对象" in problem for problem in validate_mets(data))


def test_premis_helpers() -> None:
    agent = person_agent("zhangsan")
    assert agent.link() == Link("user name", "zhangsan", "implementer")
    assert software_agent("1.2").link().role == "executing program"
    assert Agent("x", "x", type=AgentType.ORGANIZATION).link().role == "implementer"
    event = new_event(EventType.VIRUS_CHECK, objects=[Link(FILE_ID_TYPE, "content/a.pdf")])
    assert event.date_time.tzinfo is not None and len(event.identifier) == 36
    assert EventType.INGESTION.code == "ing" and EventType.FIXITY_CHECK.label_zh == "固定性检查"
