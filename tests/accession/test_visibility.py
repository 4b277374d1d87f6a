"""What a check report shows goes through catalog.policy: a reader sees the evidence of the catalog rows up to their
clearance (the rest is counted, never shown) on the page, in the PDF and in the JSON of the page and the API; only
a person who may see every row acts on the transfer (sign, check again, accept, reject, return); and no answer
names a folder of the server."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from django.core.exceptions import PermissionDenied
from django.test import Client
from django.urls import reverse

from dangan.accession.actions.checking import do_check, do_sign_item
from dangan.accession.actions.receiving import do_receive
from dangan.accession.choices import CheckResult
from dangan.accession.samples import SampleItem, image_bytes, pdf_bytes
from tests.accession.pdftools import pdf_text
from tests.conftest import PASSWORD

PUBLIC_TITLE = "关于公开事项\x07的通知"  # a control character: YJ-1-6 quotes the title as its evidence
SECRET_TITLE = "红星计划\x07实施方案"
SECRET_FILE = "content/0002/红星计划.jpg"


def login(user: Any) -> Client:
    client = Client()
    assert client.login(username=user.username, password=PASSWORD)
    return client


def mixed_package(make_sip: Any) -> Path:
    """A 公开 row and a 机密 row, each with a title that fails YJ-1-6 and a file that cannot be decoded (YJ-3-4)."""
    broken = image_bytes()[:200]  # a JPEG cut short: Pillow's own message names the file's path
    return make_sip(
        [
            SampleItem(PUBLIC_TITLE, {"content/0001/公开照片.jpg": broken}, 1, 1),
            SampleItem(
                SECRET_TITLE, {SECRET_FILE: broken, "content/0002/正文.pdf": pdf_bytes(1)}, 2, 2, classification="机密"
            ),
        ],
        sheet="目录.csv",  # a sheet may hold a control character where .xlsx cannot
    )


@pytest.fixture
def checked(
    accession_env: dict[str, Path], no_signatures: Path, make_sip: Any, fonds: Any, junior_archivist: Any
) -> Any:
    """The package received and checked by an archivist cleared for 公开 only (the first check is anyone's: nothing
    of the rows is known before it)."""
    transfer = do_receive(junior_archivist, mixed_package(make_sip))
    report = do_check(junior_archivist, transfer)
    transfer.refresh_from_db()
    assert transfer.classification == "confidential"
    return report


def answers(client: Client, report: Any) -> dict[str, str]:
    transfer = report.transfer
    return {
        "page": client.get(reverse("accession:report_detail", args=[report.uuid])).content.decode(),
        "json": client.get(reverse("accession:report_json", args=[report.uuid])).content.decode(),
        "api": json.dumps(client.get(f"/api/accession/reports/{report.uuid}").json(), ensure_ascii=False),
        "pdf": pdf_text(client.get(reverse("accession:report_pdf", args=[report.uuid])).content),
        "api-pdf": pdf_text(client.get(f"/api/accession/reports/{report.uuid}/pdf").content),
        "transfer": client.get(reverse("accession:transfer_detail", args=[transfer.uuid])).content.decode(),
        "transfer-api": json.dumps(client.get(f"/api/accession/transfers/{transfer.uuid}").json(), ensure_ascii=False),
    }


def test_rows_above_a_readers_clearance_are_counted_not_shown(
    checked: Any, junior_archivist: Any, archivist: Any
) -> None:
    report = checked
    junior = answers(login(junior_archivist), report)
    for where in ("page", "json", "api", "pdf", "api-pdf"):
        assert "红星计划" not in junior[where], where
        assert "关于公开事项" in junior[where], where  # the 公开 row's evidence is there
    api = login(junior_archivist).get(f"/api/accession/reports/{report.uuid}").json()
    special = next(i for i in api["items"] if i["code"] == "YJ-1-6")
    assert special["result"] == CheckResult.FAIL and special["evidence_withheld"] == 1
    assert [e["row"] for e in special["evidence"]] == [2]  # the sheet's second line: the 公开 row
    readable = next(i for i in api["items"] if i["code"] == "YJ-3-4")
    assert readable["evidence_withheld"] == 1 and readable["evidence_count"] == 2
    assert "超出您可查看范围的密级" in junior["page"] and "超出您可查看范围的密级" in junior["pdf"]

    cleared = answers(login(archivist), report)  # cleared for 机密: sees every row
    for where in ("page", "json", "api", "pdf", "api-pdf"):
        assert "红星计划" in cleared[where], where
    assert login(archivist).get(f"/api/accession/reports/{report.uuid}").json()["items"][5]["evidence_withheld"] == 0


def test_only_a_person_who_may_see_every_row_acts_on_the_transfer(
    checked: Any, junior_archivist: Any, archivist: Any
) -> None:
    report = checked
    transfer = report.transfer
    manual = report.items.get(code="YJ-4-5")
    with pytest.raises(PermissionDenied):
        do_sign_item(junior_archivist, manual, CheckResult.PASS)
    junior = login(junior_archivist)
    base = f"/api/accession/transfers/{transfer.uuid}"
    for path, body in (
        (f"/api/accession/reports/{report.uuid}/items/YJ-4-5/sign", {"result": "pass"}),
        (f"{base}/check", {}),
        (f"{base}/accept", {"override_reason": "测试"}),
        (f"{base}/reject", {"reason": "测试"}),
        (f"{base}/return", {"reason": "测试"}),
    ):
        answer = junior.post(path, body, content_type="application/json")
        assert answer.status_code == 403 and "超出您可查看的范围" in answer.json()["detail"], path
    assert junior.get(f"{base}").json()["may_act"] is False
    page = junior.get(reverse("accession:transfer_detail", args=[transfer.uuid])).content.decode()
    assert "须由有相应权限的人员进行" in page
    for action in ("accept", "check", "return", "reject"):
        assert reverse("accession:transfer_action", args=[transfer.uuid, action]) not in page
    response = junior.post(reverse("accession:transfer_action", args=[transfer.uuid, "return"]), {"reason": "测试"})
    assert response.status_code == 302
    report_page = junior.get(reverse("accession:report_detail", args=[report.uuid])).content.decode()
    assert reverse("accession:item_sign", args=[report.uuid, "YJ-4-5"]) not in report_page
    transfer.refresh_from_db()
    assert transfer.status == "checking" and not manual.signed_result

    cleared = login(archivist)  # cleared for 机密: may
    assert cleared.get(f"{base}").json()["may_act"] is True
    page = cleared.get(reverse("accession:report_detail", args=[report.uuid])).content.decode()
    assert reverse("accession:item_sign", args=[report.uuid, "YJ-4-5"]) in page
    answer = cleared.post(f"{base}/return", {"reason": "题名含控制字符"}, content_type="application/json")
    assert answer.status_code == 200 and answer.json()["status"] == "returned"


def test_no_answer_names_a_folder_of_the_server(
    checked: Any, junior_archivist: Any, archivist: Any, tmp_path: Path, settings: Any
) -> None:
    """The package, the work area, the storage and the virus database all lie under tmp_path here: the reports
    name files inside the package, and the reasons (no virus database, an undecodable image) in Chinese."""
    report = checked
    for user in (junior_archivist, archivist):
        for where, text in answers(login(user), report).items():
            assert str(tmp_path) not in text, (where, user)
            assert "cannot identify" not in text and "truncated" not in text, where
    data = login(archivist).get(f"/api/accession/reports/{report.uuid}").json()
    assert "bag" not in data["facts"] and "database" not in data["facts"]["clamav"]
    readable = next(i for i in data["items"] if i["code"] == "YJ-3-4")
    assert {e["file"] for e in readable["evidence"]} == {"data/content/0001/公开照片.jpg", f"data/{SECRET_FILE}"}
    assert all(e["message"] == "图像数据不完整（文件可能被截断）" for e in readable["evidence"]), readable


def test_an_old_report_without_levels_shows_no_row_to_an_uncleared_reader(checked: Any, junior_archivist: Any) -> None:
    """Findings stored before they carried their 密级: one naming a row counts as the highest level."""
    item = checked.items.get(code="YJ-1-6")
    item.evidence = [{k: v for k, v in e.items() if k != "classification"} for e in item.evidence]
    item.save()
    data = login(junior_archivist).get(f"/api/accession/reports/{checked.uuid}").json()
    special = next(i for i in data["items"] if i["code"] == "YJ-1-6")
    assert special["evidence"] == [] and special["evidence_withheld"] == 2
