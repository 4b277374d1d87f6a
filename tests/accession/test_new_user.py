"""What a new archivist stumbled on in accession, each with the behaviour they expected: a bag made by bagit-python
(BagIt 0.97) is accepted with a note; a 16-bit grayscale LZW TIFF with an alpha sample is readable; the check's
summary follows the signatures (no "待人工 3 项" once all three are signed); each accepted package's METS records the
four-property check and the virus check (or its override) as PREMIS events; a unit received by transfer names the
transfer as its source; and, when the archives asks for it, a second person accepts."""

from __future__ import annotations

import io
from pathlib import Path
from typing import Any

import pytest
from django.core.exceptions import ValidationError
from django.test import Client
from django.urls import reverse

from dangan.accession.actions.accepting import do_accept
from dangan.accession.actions.checking import do_check, do_sign_item
from dangan.accession.actions.ingest import ingest
from dangan.accession.actions.receiving import do_receive
from dangan.accession.choices import CheckResult, TransferStatus, Verdict
from dangan.accession.models import TransferItem
from dangan.accession.samples import SampleItem, default_items, make_sample_sip
from dangan.core.actors import CONSOLE
from tests.conftest import PASSWORD, _make_user


def login(user: Any) -> Client:
    client = Client()
    assert client.login(username=user.username, password=PASSWORD)
    return client


def sign_all(user: Any, report: Any) -> None:
    for item in report.items.filter(result=CheckResult.MANUAL):
        do_sign_item(user, item, CheckResult.PASS, "已人工查验")


# ------------------------------------------------------------------------------------------ BagIt 0.97


def test_a_bag_made_by_bagit_python_is_accepted_with_a_note(
    accession_env: dict[str, Path], tmp_path: Path, fonds: Any
) -> None:
    import bagit

    folder = make_sample_sip(tmp_path / "lc-bag", default_items(2), bag=False)
    bagit.make_bag(
        str(folder),
        {"Source-Organization": "贵州省扶贫开发办公室", "External-Identifier": "2024-移交-002", "Fonds-Code": "Z109"},
        checksums=["sha256"],
    )
    assert "BagIt-Version: 0.97" in (folder / "bagit.txt").read_text()
    result = ingest(folder)
    assert result.status == "accepted", [
        (i["code"], i["evidence"]) for i in result.report["items"] if i["result"] == "fail"
    ]
    structure = next(i for i in result.report["items"] if i["code"] == "YJ-1-13")
    assert structure["result"] == CheckResult.PASS and "建议使用 BagIt 1.0" in structure["summary"]
    (note,) = structure["evidence"]
    assert note["value"] == "0.97" and note["file"] == "bagit.txt" and note["message"].startswith("提示")


# ----------------------------------------------------------------------------------------------- TIFF


def gray16_lzw_tiff(*, alpha: bool) -> bytes:
    """A 16-bit grayscale scan, LZW with a horizontal predictor, as scanners write them (with a transparency
    sample, the file Pillow cannot open)."""
    import numpy as np
    import tifffile

    gray = (np.arange(300 * 200, dtype=np.uint16).reshape(200, 300) * 21).astype(np.uint16)
    data = np.stack([gray, np.full_like(gray, 65535)], axis=-1) if alpha else gray
    buffer = io.BytesIO()
    tifffile.imwrite(
        buffer,
        data,
        photometric="minisblack",
        extrasamples=["unassalpha"] if alpha else None,
        compression="lzw",
        predictor=True,
        rowsperstrip=32,
    )
    return buffer.getvalue()


def test_a_16_bit_grayscale_lzw_tiff_is_readable(accession_env: dict[str, Path], make_sip: Any, fonds: Any) -> None:
    from PIL import Image, UnidentifiedImageError

    scan = gray16_lzw_tiff(alpha=True)
    with pytest.raises(UnidentifiedImageError):  # what the check used to rely on
        Image.open(io.BytesIO(scan)).load()
    broken = gray16_lzw_tiff(alpha=False)
    broken = broken[: len(broken) * 2 // 3]
    items = [
        SampleItem("扫描件（16 位灰度，带透明通道）", {"content/0001/p1.tif": scan}, 1, 1),
        SampleItem("扫描件（16 位灰度）", {"content/0002/p1.tif": gray16_lzw_tiff(alpha=False)}, 2, 1),
        SampleItem("扫描件（被截断）", {"content/0003/p1.tif": broken}, 3, 1),
    ]
    transfer = do_receive(CONSOLE, make_sip(items))
    report = do_check(CONSOLE, transfer)
    readable = report.items.get(code="YJ-3-4")
    assert readable.result == CheckResult.FAIL and readable.evidence_count == 1, readable.evidence
    (evidence,) = readable.evidence
    assert evidence["file"] == "data/content/0003/p1.tif"
    assert evidence["message"] == "TIFF 图像数据不完整或已损坏（文件可能被截断）" and evidence["field"] == "tifffile"
    assert str(accession_env["work"]) not in str(readable.evidence) and "reshape" not in str(readable.evidence)
    pages = report.items.get(code="YJ-1-10")  # the pages were counted from the TIFFs: 1 each, as described
    assert not any(e.get("row") in (2, 3) for e in pages.evidence), pages.evidence


# ----------------------------------------------------------------------------------------- signatures


def test_the_summary_follows_the_signatures(
    accession_env: dict[str, Path], make_sip: Any, fonds: Any, archivist: Any
) -> None:
    transfer = do_receive(archivist, make_sip(default_items(1)))
    report = do_check(archivist, transfer)
    transfer.refresh_from_db()
    assert "待人工 3 项" in transfer.message
    client = login(archivist)
    for code in ("YJ-3-6", "YJ-4-5", "YJ-4-7"):
        client.post(reverse("accession:item_sign", args=[report.uuid, code]), {"result": "pass", "note": "完好"})
    transfer.refresh_from_db()
    assert "待人工 0 项" in transfer.message and "已签署人工检测 3 项" in transfer.message
    page = client.get(reverse("accession:transfer_detail", args=[transfer.uuid])).content.decode()
    assert "待人工 3 项" not in page and "接收前须签署人工检测项" not in page
    counts = client.get(f"/api/accession/reports/{report.uuid}").json()["counts"]
    assert counts["unsigned"] == 0 and counts["manual"] == 3


# --------------------------------------------------------------------------------------------- PREMIS


def package_events(unit: Any) -> dict[str, Any]:
    from dangan.preservation.actions.indexing import read_mets
    from dangan.preservation.store import object_id_for, package_uuid_for_unit, storage_root

    found = read_mets(storage_root(), object_id_for(package_uuid_for_unit(unit.uuid)))
    assert found is not None
    data, record = found
    return {"xml": data.decode("utf-8"), "events": {e.type: e for e in record.events}}


def test_premis_records_the_check_and_the_virus_scan(
    accession_env: dict[str, Path], make_sip: Any, fonds: Any, archivist: Any
) -> None:
    transfer = do_receive(archivist, make_sip(default_items(2)))
    report = do_check(archivist, transfer)
    sign_all(archivist, report)
    do_accept(archivist, transfer)
    units = [item.unit for item in TransferItem.objects.filter(transfer=transfer).select_related("unit")]
    assert len(units) == 2
    for unit in units:
        found = package_events(unit)
        check, virus = found["events"]["validation"], found["events"]["virus check"]
        assert "四性检测" in check.detail and str(report.uuid) in check.detail
        assert check.outcome == "success" and "人工检测已签署 3 项" in check.outcome_detail
        assert {(link.value, link.role) for link in check.agents} >= {
            ("archivist", "implementer"),
            ("archivist", "validator"),
        }
        assert virus.outcome == "success" and "ClamAV" in virus.detail
        assert 'valueURI="http://id.loc.gov/vocabulary/preservation/eventType/val"' in found["xml"]
        assert 'valueURI="http://id.loc.gov/vocabulary/preservation/eventType/vir"' in found["xml"]
        # The database's index of the package knows them too (rebuilt from the METS).
        assert {"validation", "virus check"} <= set(
            unit.preserved_packages.get().events.values_list("event_type", flat=True)
        )


def test_premis_records_the_override_of_an_unperformed_virus_scan(
    accession_env: dict[str, Path], no_signatures: Path, make_sip: Any, fonds: Any, archivist: Any
) -> None:
    transfer = do_receive(archivist, make_sip(default_items(1)))
    report = do_check(archivist, transfer)
    sign_all(archivist, report)
    do_accept(archivist, transfer, override_reason="隔离网内病毒库待更新，已人工查验介质")
    (unit,) = [item.unit for item in TransferItem.objects.filter(transfer=transfer)]
    virus = package_events(unit)["events"]["virus check"]
    assert virus.outcome == "warning" and "病毒扫描未进行" in virus.detail
    assert "隔离网内病毒库待更新，已人工查验介质" in virus.outcome_detail
    assert ("archivist", "authorizer") in {(link.value, link.role) for link in virus.agents}
    check = package_events(unit)["events"]["validation"]
    assert check.outcome == "warning" and "YJ-4-2" in check.outcome_detail


# --------------------------------------------------------------------------------------------- source


def test_a_unit_received_by_transfer_names_the_transfer_as_its_source(
    accession_env: dict[str, Path], make_sip: Any, fonds: Any, archivist: Any
) -> None:
    result = ingest(make_sip(default_items(1)))
    assert result.status == "accepted"
    (item,) = TransferItem.objects.filter(transfer=result.transfer)
    page = login(archivist).get(reverse("catalog:unit_detail", args=[item.unit.uuid])).content.decode()
    source = page.split("来源</dt><dd>", 1)[1].split("</dd>", 1)[0]
    assert "移交" in source and "贵州省扶贫开发办公室" in source and "目录导入" not in source
    assert reverse("accession:transfer_detail", args=[result.transfer.uuid]) in source


# ------------------------------------------------------------------------------------- second acceptor


def test_a_second_person_accepts_when_the_archives_asks_for_it(
    accession_env: dict[str, Path], make_sip: Any, fonds: Any, archivist: Any, settings: Any
) -> None:
    settings.ACCESSION_SECOND_ACCEPTOR = True
    checker = _make_user("checker", "archivist", "confidential")
    acceptor = _make_user("acceptor", "archivist", "confidential")
    transfer = do_receive(archivist, make_sip(default_items(1)))  # registered by one person …
    report = do_check(checker, transfer)  # … checked by another, who signs one manual item
    do_sign_item(checker, report.items.get(code="YJ-4-5"), CheckResult.PASS, "完好")
    do_sign_item(archivist, report.items.get(code="YJ-3-6"), CheckResult.PASS, "")
    do_sign_item(archivist, report.items.get(code="YJ-4-7"), CheckResult.PASS, "")
    for person in (archivist, checker):
        with pytest.raises(ValidationError, match="本馆要求由第二人接收入库"):
            do_accept(person, transfer)
        page = login(person).get(reverse("accession:transfer_detail", args=[transfer.uuid])).content.decode()
        assert reverse("accession:transfer_action", args=[transfer.uuid, "accept"]) not in page
        assert "本馆要求由第二人接收入库" in page
    answer = login(checker).post(
        f"/api/accession/transfers/{transfer.uuid}/accept", {}, content_type="application/json"
    )
    assert answer.status_code == 422 and "第二人" in answer.json()["detail"]
    page = login(acceptor).get(reverse("accession:transfer_detail", args=[transfer.uuid])).content.decode()
    assert reverse("accession:transfer_action", args=[transfer.uuid, "accept"]) in page
    do_accept(acceptor, transfer)
    transfer.refresh_from_db()
    assert transfer.status == TransferStatus.ACCEPTED and report.verdict == Verdict.PASS

    settings.ACCESSION_SECOND_ACCEPTOR = False  # by default the person who checked may accept
    later = default_items(2)
    for item in later:
        item.number += 10  # other 档号 than the first transfer's
    other = do_receive(archivist, make_sip(later))
    sign_all(archivist, do_check(archivist, other))
    do_accept(archivist, other)
