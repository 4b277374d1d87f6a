"""Part ead: the EAD3 of a fonds (streamed, valid, limited to what the viewer may see) and its OAI-PMH format."""

from __future__ import annotations

import io
import tracemalloc
from pathlib import Path
from typing import Any

import pytest
from django.contrib.auth.models import AnonymousUser
from lxml import etree

from dangan.catalog.choices import Openness, SecurityClassification, UnitLevel
from dangan.catalog.models import ArchivalUnit
from dangan.core.actors import CONSOLE
from dangan.core.choices import Role
from dangan.outreach.interchange import registry
from dangan.outreach.interchange.ead3 import EAD_NAMESPACE, FondsNotFound, export_fonds, fonds_for, write_fonds
from tests.helpers import account

pytestmark = pytest.mark.django_db

SCHEMAS = Path(__file__).resolve().parents[1] / "conformance" / "data" / "schemas"
NS = {"e": EAD_NAMESPACE}
PUBLIC, SECRET = SecurityClassification.PUBLIC, SecurityClassification.SECRET
OPEN, CONTROLLED = Openness.OPEN, Openness.CONTROLLED


def ead_schema() -> etree.XMLSchema:
    return etree.XMLSchema(etree.parse(str(SCHEMAS / "ead3" / "ead3.xsd")))


def validated(data: bytes) -> etree._Element:
    document = etree.fromstring(data)
    schema = ead_schema()
    assert schema.validate(document), "\n".join(str(e) for e in schema.error_log)
    return document


def make_unit(fonds: Any, title: str, *, parent: Any = None, **fields: Any) -> Any:
    from dangan.catalog.actions.units import do_create_unit

    data: dict[str, Any] = {"title": title, "classification": PUBLIC, "openness": OPEN, **fields}
    return do_create_unit(CONSOLE, fonds, data, parent=parent)


@pytest.fixture
def holdings(fonds: Any) -> dict[str, Any]:
    """A fonds with series → file → items, Chinese text, authorities and subjects; a 秘密 file with a 公开 item in
    it, a 控制 item, and a 公开 file whose item is 秘密."""
    import datetime as dt

    from dangan.catalog.actions.authorities import do_create_authority, do_link_authority
    from dangan.catalog.models import RecordCategory

    category = RecordCategory.objects.get(code="WS")
    item = {"category": category, "year": 1935, "retention": "Y", "organization": "BGS", "page_count": 3}
    u: dict[str, Any] = {}
    u["series"] = make_unit(fonds, "红军长征过贵州", level=UnitLevel.SERIES, year=1935)
    u["file"] = make_unit(fonds, "遵义会议文件", parent=u["series"], level=UnitLevel.FILE)
    u["item"] = make_unit(
        fonds,
        "关于红军过境的报告",
        parent=u["file"],
        level=UnitLevel.ITEM,
        responsible="贵州省政府",
        document_number="黔府字〔1935〕12号",
        date=dt.date(1935, 1, 15),
        date_precision="day",
        **item,
    )
    u["item2"] = make_unit(fonds, "红军标语抄件", parent=u["file"], level=UnitLevel.ITEM, **item)
    u["controlled"] = make_unit(fonds, "控制使用的电报", parent=u["file"], openness=CONTROLLED, **item)
    u["secret_file"] = make_unit(
        fonds, "绝不外传的案卷", parent=u["series"], level=UnitLevel.FILE, classification=SECRET
    )
    u["under_secret"] = make_unit(fonds, "秘密案卷里的公开布告", parent=u["secret_file"], **item)
    u["secret_item"] = make_unit(fonds, "秘密的名单", parent=u["file"], classification=SECRET, **item)
    person = do_create_authority(CONSOLE, {"kind": "person", "name": "周恩来", "dates": "1898—1976"})
    place = do_create_authority(CONSOLE, {"kind": "place", "name": "遵义"})
    event = do_create_authority(CONSOLE, {"kind": "event", "name": "遵义会议"})
    hidden_person = do_create_authority(CONSOLE, {"kind": "person", "name": "只在秘密件里的人"})
    do_link_authority(CONSOLE, u["item"], person, "mentioned")
    do_link_authority(CONSOLE, u["item"], place, "place")
    do_link_authority(CONSOLE, u["item"], event, "subject")
    do_link_authority(CONSOLE, u["secret_item"], hidden_person, "mentioned")
    u["person"], u["hidden_person"] = person, hidden_person
    return u


HIDDEN_TO_PUBLIC = ("controlled", "secret_file", "secret_item")


def export_bytes(fonds: Any, viewer: Any) -> bytes:
    out = io.BytesIO()
    export_fonds(fonds, out, viewer)
    return out.getvalue()


def test_the_public_ead_is_valid_and_nested_series_file_item(fonds: Any, holdings: dict[str, Any]) -> None:
    data = export_bytes(fonds, AnonymousUser())
    document = validated(data)
    assert document.findtext("e:control/e:recordid", namespaces=NS) == "Z109"
    assert document.findtext("e:archdesc/e:did/e:unitid", namespaces=NS) == "Z109"
    series = document.find("e:archdesc/e:dsc/e:c[@level='series']", NS)
    assert series is not None and series.findtext("e:did/e:unittitle", namespaces=NS) == "红军长征过贵州"
    file = series.find("e:c[@level='file']", NS)
    assert file is not None and file.findtext("e:did/e:unittitle", namespaces=NS) == "遵义会议文件"
    items = file.findall("e:c[@level='item']", NS)
    assert [i.findtext("e:did/e:unittitle", namespaces=NS) for i in items] == ["关于红军过境的报告", "红军标语抄件"]
    first = items[0]
    assert first.findtext("e:did/e:unitid", namespaces=NS) == holdings["item"].reference_code
    date = first.find("e:did/e:unitdate", NS)
    assert date is not None and date.get("normal") == "1935-01-15" and date.text == "1935年1月15日"
    assert first.findtext("e:did/e:origination/e:name/e:part", namespaces=NS) == "贵州省政府"
    assert first.findtext("e:did/e:didnote", namespaces=NS) == "黔府字〔1935〕12号"
    assert first.findtext("e:did/e:physdesc", namespaces=NS) == "3 页"
    person = first.find("e:controlaccess/e:persname", NS)
    assert person is not None and person.get("identifier") == str(holdings["person"].uuid)
    assert first.findtext("e:controlaccess/e:geogname/e:part", namespaces=NS) == "遵义"
    assert first.find("e:controlaccess/e:subject[@localtype='event']", NS) is not None
    assert "开放" in (first.findtext("e:accessrestrict/e:p", namespaces=NS) or "")


def test_a_hidden_unit_never_goes_out_nor_its_number_nor_what_hangs_from_it(
    fonds: Any, holdings: dict[str, Any]
) -> None:
    text = export_bytes(fonds, AnonymousUser()).decode()
    for name in HIDDEN_TO_PUBLIC:
        unit = holdings[name]
        assert unit.title not in text
        assert unit.uuid.hex not in text and str(unit.uuid) not in text
        if unit.reference_code:
            assert unit.reference_code not in text
    assert "只在秘密件里的人" not in text and str(holdings["hidden_person"].uuid) not in text
    # The 公开 item in the 秘密 file goes out at the top of <dsc>, with nothing above it.
    document = validated(text.encode())
    top = document.findall("e:archdesc/e:dsc/e:c", NS)
    assert [c.findtext("e:did/e:unittitle", namespaces=NS) for c in top] == ["红军长征过贵州", "秘密案卷里的公开布告"]
    count = document.findtext("e:archdesc/e:did/e:physdesc", namespaces=NS) or ""
    assert count.startswith("5 ")


def test_a_cleared_archivist_sees_the_secret_units_in_their_place(fonds: Any, holdings: dict[str, Any]) -> None:
    secret = account(Role.ARCHIVIST, SECRET)
    document = validated(export_bytes(fonds, secret))
    titles = [t.text for t in document.iterfind(".//e:c/e:did/e:unittitle", NS)]
    assert "秘密的名单" in titles and "控制使用的电报" in titles
    secret_file = next(
        c for c in document.iterfind(".//e:c", NS) if c.findtext("e:did/e:unittitle", namespaces=NS) == "绝不外传的案卷"
    )
    assert secret_file.findtext("e:c/e:did/e:unittitle", namespaces=NS) == "秘密案卷里的公开布告"
    assert "密级：秘密" in (secret_file.findtext("e:accessrestrict/e:p", namespaces=NS) or "")
    public_archivist = account(Role.ARCHIVIST)
    assert "秘密的名单" not in export_bytes(fonds, public_archivist).decode()


def test_a_fonds_with_nothing_visible_answers_like_a_missing_one(fonds: Any, institution: Any) -> None:
    make_unit(fonds, "全都控制", openness=CONTROLLED)
    with pytest.raises(FondsNotFound):
        fonds_for("Z109", AnonymousUser())
    with pytest.raises(FondsNotFound):
        fonds_for("NOPE", AnonymousUser())
    assert fonds_for("z109", account(Role.ARCHIVIST)).code == "Z109"


def test_export_to_a_path_never_leaves_a_half_written_file(
    fonds: Any, holdings: dict[str, Any], tmp_path: Path
) -> None:
    target = tmp_path / "Z109.xml"
    target.write_bytes(b"old")
    summary = export_fonds(fonds, target, AnonymousUser())
    assert summary.units == 5 and summary.levels == {"series": 1, "file": 1, "item": 3}
    validated(target.read_bytes())

    def broken(done: int, total: int) -> None:
        if done:
            raise RuntimeError("disk full")

    target.write_bytes(b"old")
    with pytest.raises(RuntimeError):
        export_fonds(fonds, target, AnonymousUser(), progress=broken)
    assert target.read_bytes() == b"old"
    assert [p.name for p in tmp_path.iterdir()] == ["Z109.xml"]


def test_the_oai_pmh_format_ead3_writes_a_valid_ead_for_fonds_only(fonds: Any, holdings: dict[str, Any]) -> None:
    import dangan.outreach.hooks  # noqa: F401  (registered when Django is ready; imported for clarity)

    fmt = registry.metadata_format("ead3")
    assert fmt is not None and fmt.namespace == EAD_NAMESPACE and fmt.schema.endswith("ead3.xsd")
    assert fmt.applies is not None and fmt.applies(fonds) and not fmt.applies(holdings["item"])
    out = io.BytesIO()
    oai = "http://www.openarchives.org/OAI/2.0/"
    with etree.xmlfile(out, encoding="utf-8") as xf, xf.element(f"{{{oai}}}metadata", nsmap={None: oai}):
        fmt.write(xf, fonds, AnonymousUser())
    metadata = etree.fromstring(out.getvalue())
    (ead,) = list(metadata)
    assert ead.tag == f"{{{EAD_NAMESPACE}}}ead"
    schema = ead_schema()
    assert schema.validate(etree.ElementTree(ead)), schema.error_log
    assert "秘密的名单" not in out.getvalue().decode()


def _bulk_fonds(fonds: Any, files: int, items_per_file: int) -> None:
    """``files`` files of ``items_per_file`` items each under one series, written directly (fast)."""
    series = make_unit(fonds, "批量类别", level=UnitLevel.SERIES)
    common = {"fonds": fonds, "classification": PUBLIC, "openness": OPEN}
    parents = ArchivalUnit.objects.bulk_create(
        [
            ArchivalUnit(parent=series, level="file", position=i, depth=1, title=f"案卷{i}", **common)
            for i in range(files)
        ]
    )
    ArchivalUnit.objects.bulk_create(
        [
            ArchivalUnit(
                parent=p,
                level="item",
                position=j,
                depth=2,
                title=f"文件{p.position}-{j}",
                page_count=2,
                document_number=f"黔字〔2020〕{j}号",
                responsible="贵州省档案馆",
                **common,
            )
            for p in parents
            for j in range(items_per_file)
        ],
        batch_size=2000,
    )


def _peak_while_writing(fonds: Any) -> tuple[int, int]:
    from django.db import reset_queries

    reset_queries()
    sink = open("/dev/null", "wb")  # noqa: SIM115
    try:
        tracemalloc.start()
        with etree.xmlfile(sink, encoding="utf-8") as xf:
            summary = write_fonds(xf, fonds, AnonymousUser())
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
        sink.close()
    return summary.units, peak


def test_the_writer_s_memory_does_not_grow_with_the_fonds(institution: Any, categories: Any) -> None:
    from dangan.catalog.actions.configuration import do_create_fonds

    small = do_create_fonds(CONSOLE, "S1", "小全宗")
    large = do_create_fonds(CONSOLE, "L1", "大全宗")
    _bulk_fonds(small, 40, 50)  # 2,000 items
    _bulk_fonds(large, 400, 50)  # 20,000 items
    small_units, small_peak = _peak_while_writing(small)
    large_units, large_peak = _peak_while_writing(large)
    assert (small_units, large_units) == (2041, 20401)
    # Ten times the units, about the same memory (batches of 1,000 rows): far from ten times.
    assert large_peak < small_peak * 1.5 + 256 * 1024, (small_peak, large_peak)


def test_the_walk_is_a_few_queries_per_batch_not_one_per_unit(
    fonds: Any, holdings: dict[str, Any], django_assert_max_num_queries: Any
) -> None:
    from dangan.catalog.actions.configuration import do_create_fonds

    big = do_create_fonds(CONSOLE, "B1", "查询次数")
    _bulk_fonds(big, 30, 100)  # 3,031 units: four batches
    with django_assert_max_num_queries(20):
        units = export_fonds_count(big)
    assert units == 3031


def export_fonds_count(fonds: Any) -> int:
    return export_fonds(fonds, io.BytesIO(), AnonymousUser()).units


def test_a_digitized_unit_links_its_iiif_manifest_when_its_files_may_be_seen(
    fonds: Any, settings: Any, tmp_path: Path
) -> None:
    from tests.digitization.iiif.pages import draw_pages, preserve_masters

    settings.STORAGE_ROOT = tmp_path / "storage"
    settings.STORAGE_DURABLE = False
    settings.DERIVATIVES_ROOT = tmp_path / "derivatives"
    scanned = make_unit(fonds, "已数字化的布告", level=UnitLevel.ITEM)
    make_unit(fonds, "未数字化的布告", level=UnitLevel.ITEM)
    preserve_masters(scanned, draw_pages(tmp_path / "scans", [(300, 420)]))
    out = io.BytesIO()
    summary = export_fonds(fonds, out, AnonymousUser(), base_url="https://archives.example.cn/")
    document = validated(out.getvalue())
    daos = document.findall(".//e:c/e:did/e:dao", NS)
    assert summary.digitized == 1 and len(daos) == 1
    assert daos[0].get("href") == f"https://archives.example.cn/iiif/3/manifests/{scanned.uuid}"
    # An archivist sees the files of the units they may see: the same link.
    summary = export_fonds(fonds, io.BytesIO(), account(Role.ARCHIVIST))
    assert summary.digitized == 1
