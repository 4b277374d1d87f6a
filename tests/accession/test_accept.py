"""Accession end to end with real bags: a valid transfer is accepted (catalog rows with 档号, packages in storage,
found by search); a failing one is rejected and writes nothing; the same bag twice is a duplicate; an acceptance
interrupted half-way resumes without duplicates; an unperformed virus scan needs an override in the audit log."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from dangan.accession.actions.accepting import do_accept, do_reject
from dangan.accession.actions.checking import do_check, do_sign_item
from dangan.accession.actions.ingest import ingest
from dangan.accession.actions.receiving import DuplicateBag, do_receive
from dangan.accession.actions.reports import report_to_dict
from dangan.accession.choices import CheckResult, TransferStatus, Verdict
from dangan.accession.models import TransferItem
from dangan.accession.samples import SampleItem, default_items, pdf_bytes
from dangan.catalog.models import ArchivalUnit, ImportBatch
from dangan.core.actors import CONSOLE
from dangan.core.models import AuditEntry
from dangan.preservation.models import PreservedPackage


def storage_objects(root: Path) -> list[Path]:
    return [p.parent for p in root.rglob("0=ocfl_object_1.1")]


def test_a_valid_transfer_is_accepted_into_the_catalog_storage_and_search(
    accession_env: dict[str, Path], make_sip: Any, fonds: Any, archivist: Any
) -> None:
    bag = make_sip(default_items(4))
    transfer = do_receive(archivist, bag)
    assert transfer.status == TransferStatus.RECEIVED and transfer.fonds == fonds
    assert transfer.transferring_unit == "贵州省扶贫开发办公室" and transfer.declared_items == 4
    report = do_check(archivist, transfer)
    data = report_to_dict(report, archivist)
    failed = [(i["code"], i["evidence"][:2]) for i in data["items"] if i["result"] == "fail"]
    assert report.verdict == Verdict.PASS, failed
    assert {i["code"] for i in data["items"] if i["result"] == CheckResult.MANUAL} == {"YJ-3-6", "YJ-4-5", "YJ-4-7"}
    assert next(i for i in data["items"] if i["code"] == "YJ-4-2")["result"] == CheckResult.PASS
    assert len(data["items"]) == 35

    with pytest.raises(ValidationError, match="人工检测项尚未签署"):
        do_accept(archivist, transfer)
    for item in report.items.filter(result=CheckResult.MANUAL):
        do_sign_item(archivist, item, CheckResult.PASS, "载体完好")
    do_accept(archivist, transfer)
    transfer.refresh_from_db()
    assert transfer.status == TransferStatus.ACCEPTED
    assert [s.status for s in transfer.steps.all()] == ["received", "checking", "accepting", "accepted"]
    assert all(s.username == "archivist" for s in transfer.steps.all())

    units = ArchivalUnit.objects.filter(fonds=fonds).order_by("reference_code")
    assert [u.reference_code for u in units] == [f"Z109-WS·2011-Y-BGS-{n:04d}" for n in range(1, 5)]
    assert units[0].page_count == 3 and units[0].import_batch == transfer.import_batch
    assert TransferItem.objects.filter(transfer=transfer, preserved=True).count() == 4
    packages = PreservedPackage.objects.filter(unit__in=units)
    assert packages.count() == 4
    assert len(storage_objects(accession_env["storage"])) == 4
    first = packages.get(unit=units[0])
    paths = set(first.versions.get().files.values_list("logical_path", flat=True))
    assert {"content/正文.pdf", "content/附件.jpg"} <= paths

    from dangan.search.service import SearchRequest, search

    result = search(archivist, SearchRequest(q="脱贫攻坚"))
    assert result.total == 4
    actions = set(AuditEntry.objects.values_list("action", flat=True))
    assert {"accession.transfer.receive", "accession.transfer.check", "accession.check.sign"} <= actions
    assert {"accession.transfer.accept", "catalog.import", "preservation.package.preserve"} <= actions


def test_a_rejected_transfer_writes_nothing_to_the_catalog_or_the_storage(
    accession_env: dict[str, Path], make_sip: Any, fonds: Any
) -> None:
    items = default_items(2)
    items[1].pages = 9  # the OFD has one page: 1-10 fails
    result = ingest(make_sip(items), override_reason="")
    assert result.status == "rejected" and not result.ok
    transfer = result.transfer
    assert transfer.status == TransferStatus.REJECTED
    assert "YJ-1-10" in transfer.message
    assert not ArchivalUnit.objects.exists()
    assert not ImportBatch.objects.exists()
    assert not PreservedPackage.objects.exists()
    assert storage_objects(accession_env["storage"]) == []
    with pytest.raises(ValidationError):
        do_accept(CONSOLE, transfer)


def test_the_same_bag_twice_is_a_duplicate(accession_env: dict[str, Path], make_sip: Any, fonds: Any) -> None:
    bag = make_sip(default_items(1))
    first = ingest(bag)
    assert first.status == "accepted", first.message
    again = ingest(bag)
    assert again.status == "duplicate" and again.transfer == first.transfer
    with pytest.raises(DuplicateBag):
        do_receive(CONSOLE, bag)
    assert ArchivalUnit.objects.count() == 1


def test_a_zip_and_a_plain_folder_are_bagged_on_arrival(
    accession_env: dict[str, Path], make_sip: Any, fonds: Any, tmp_path: Path
) -> None:
    import shutil

    folder = make_sip(default_items(2), bag=False)
    archive = Path(shutil.make_archive(str(tmp_path / "transfer"), "zip", folder))
    transfer = do_receive(CONSOLE, archive)
    assert transfer.bag_owned and (Path(transfer.bag_path) / "bagit.txt").is_file()
    report = do_check(CONSOLE, transfer)
    # A folder has no bag-info labels of its own: no Source-Organization (2-5); the rest passes.
    failed = {i.code for i in report.items.all() if i.result == CheckResult.FAIL}
    assert failed == {"YJ-2-5"}
    do_reject(CONSOLE, transfer, "缺少移交单位")
    assert not Path(transfer.bag_path).exists()  # dangan's own copy is removed
    second = do_receive(CONSOLE, folder, transferring_unit="贵州省扶贫开发办公室")
    assert second.bag_owned and folder.is_dir() and not (folder / "bagit.txt").exists()


def test_an_unperformed_virus_scan_needs_an_override_in_the_audit_log(
    accession_env: dict[str, Path], no_signatures: Path, make_sip: Any, fonds: Any
) -> None:
    transfer = do_receive(CONSOLE, make_sip(default_items(1)))
    report = do_check(CONSOLE, transfer)
    results = {i.code: i for i in report.items.all()}
    assert results["YJ-4-1"].result == CheckResult.NOT_PERFORMED
    assert results["YJ-4-2"].result == CheckResult.NOT_PERFORMED
    assert "没有特征库文件" in results["YJ-4-2"].summary
    assert report.verdict == Verdict.PASS
    with pytest.raises(ValidationError, match="病毒扫描未进行"):
        do_accept(CONSOLE, transfer)
    result = ingest(Path(transfer.bag_path))  # the CLI path waits for an override
    assert result.status == "waiting" and result.transfer == transfer
    do_accept(CONSOLE, transfer, override_reason="隔离网内病毒库待更新，已人工查验介质")
    transfer.refresh_from_db()
    assert transfer.status == TransferStatus.ACCEPTED
    entry = AuditEntry.objects.get(action="accession.transfer.virus_override")
    assert entry.data["reason"] == "隔离网内病毒库待更新，已人工查验介质" and entry.object_id == str(transfer.uuid)


def test_an_interrupted_acceptance_resumes_without_duplicates(
    accession_env: dict[str, Path], make_sip: Any, fonds: Any, monkeypatch: pytest.MonkeyPatch, settings: Any
) -> None:
    from dangan.accession.actions import accepting

    transfer = do_receive(CONSOLE, make_sip(default_items(3)))
    do_check(CONSOLE, transfer)
    settings.ACCESSION_BATCH = 1  # a batch per item: the second one fails
    real = accepting.do_preserve_many
    calls = {"n": 0}

    def crash_on_second(*args: Any, **kwargs: Any) -> Any:
        calls["n"] += 1
        if calls["n"] == 2:
            raise OSError("disk went away")
        return real(*args, **kwargs)

    monkeypatch.setattr(accepting, "do_preserve_many", crash_on_second)
    with pytest.raises(OSError):
        do_accept(CONSOLE, transfer)
    transfer.refresh_from_db()
    assert transfer.status == TransferStatus.ACCEPTING
    assert ArchivalUnit.objects.count() == 3  # the catalog went in whole
    assert PreservedPackage.objects.count() == 1
    monkeypatch.setattr(accepting, "do_preserve_many", real)
    do_accept(CONSOLE, transfer)
    transfer.refresh_from_db()
    assert transfer.status == TransferStatus.ACCEPTED
    assert ArchivalUnit.objects.count() == 3 and ImportBatch.objects.count() == 1
    assert PreservedPackage.objects.count() == 3
    assert all(p.versions.count() == 1 for p in PreservedPackage.objects.all())


def test_permissions_per_role(
    accession_env: dict[str, Path],
    make_sip: Any,
    fonds: Any,
    system_admin: Any,
    security_admin: Any,
    security_auditor: Any,
    junior_archivist: Any,
    archivist: Any,
) -> None:
    bag = make_sip(
        [*default_items(1), SampleItem("机密文件", {"content/9/a.pdf": pdf_bytes(1)}, 2, 1, classification="机密")]
    )
    for user in (system_admin, security_admin, security_auditor):
        with pytest.raises(PermissionDenied):
            do_receive(user, bag)
    transfer = do_receive(junior_archivist, bag)
    report = do_check(junior_archivist, transfer)  # the first check: nothing of the rows was known before it
    assert report.verdict == Verdict.PASS
    transfer.refresh_from_db()
    assert transfer.classification == "confidential"
    # Cleared for 公开 only: may neither sign, nor accept (bring a 机密 item into the catalog); nothing is written.
    manual = list(report.items.filter(result=CheckResult.MANUAL))
    with pytest.raises(PermissionDenied, match="超出您可查看的范围"):
        do_sign_item(junior_archivist, manual[0], CheckResult.PASS)
    for item in manual:
        do_sign_item(archivist, item, CheckResult.PASS)
    with pytest.raises(PermissionDenied, match="超出您可查看的范围"):
        do_accept(junior_archivist, transfer)
    transfer.refresh_from_db()
    assert transfer.status == TransferStatus.CHECKING and not ArchivalUnit.objects.exists()
    do_accept(archivist, transfer)
    transfer.refresh_from_db()
    assert transfer.status == TransferStatus.ACCEPTED


def test_a_dat46_xml_catalog(accession_env: dict[str, Path], tmp_path: Path, fonds: Any) -> None:
    from dangan.accession.bagit import make_bag

    folder = tmp_path / "xml-sip"
    (folder / "metadata").mkdir(parents=True)
    (folder / "content").mkdir()
    pdf = pdf_bytes(2)
    (folder / "content" / "a.pdf").write_bytes(pdf)
    (folder / "metadata" / "Z109-WS·2011-Y-BGS-0001.xml").write_text(
        f"""<?xml version="1.0" encoding="UTF-8"?>
<电子文件><聚合层次>件</聚合层次>
  <档号>Z109-WS·2011-Y-BGS-0001</档号><全宗号>Z109</全宗号><年度>2011</年度><保管期限>Y</保管期限><件号>1</件号>
  <内容描述><题名>关于印发扶贫规划的通知</题名><责任者>贵州省扶贫开发办公室</责任者><日期>20110305</日期></内容描述>
  <形式特征><页数>2</页数></形式特征>
  <文件数据><文档><文档数据><编码><电子属性><格式信息>PDF/A</格式信息><计算机文件名>content/a.pdf</计算机文件名>
  <计算机文件大小>{len(pdf)}</计算机文件大小></电子属性></编码></文档数据></文档></文件数据>
</电子文件>""",
        encoding="utf-8",
    )
    bag = make_bag(folder, info={"Source-Organization": "扶贫办", "Fonds-Code": "Z109"})
    result = ingest(bag)
    assert result.status == "accepted", result.report and [
        (i["code"], i["evidence"]) for i in result.report["items"] if i["result"] == "fail"
    ]
    unit = ArchivalUnit.objects.get()
    assert unit.reference_code == "Z109-WS·2011-Y-BGS-0001" and unit.title == "关于印发扶贫规划的通知"
    attributes = next(i for i in result.report["items"] if i["code"] == "YJ-1-10")
    assert attributes["result"] == "pass" and "3 项" in attributes["summary"]
