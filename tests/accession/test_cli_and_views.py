"""`dangan ingest` through a real child process (exit codes 0/1/2, Chinese first, JSON), and the workspace pages
and API: register, report page, PDF and JSON, signing, accepting, rejecting, resumable uploads, roles."""

from __future__ import annotations

import io
import json
import shutil
import subprocess
import sys
import zipfile
from pathlib import Path
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse

from dangan.accession.samples import default_items
from tests.conftest import PASSWORD
from tests.preservation.conftest import child_env


def run_ingest(args: list[str], storage: Path, clamav: Path, work: Path) -> subprocess.CompletedProcess[str]:
    env = child_env(storage)
    env.update(DANGAN_CLAMAV_DB=str(clamav), DANGAN_ACCESSION_ROOT=str(work), DANGAN_ACCESSION_WORKERS="1")
    command = [sys.executable, "-c", "import sys; from dangan.cli import main; sys.exit(main())", "ingest", *args]
    return subprocess.run(command, env=env, capture_output=True, text=True, timeout=300, check=False)


@pytest.mark.django_db(transaction=True)
def test_dangan_ingest_exit_codes(accession_env: dict[str, Path], make_sip: Any, fonds: Any) -> None:
    storage, clamav, work = accession_env["storage"], accession_env["clamav"], accession_env["work"]
    bag = make_sip(default_items(2))
    checked = run_ingest([str(bag), "--check-only", "--json"], storage, clamav, work)
    assert checked.returncode == 0, checked.stderr
    data = json.loads(checked.stdout)
    assert data["status"] == "checked" and data["report"]["verdict"] == "pass" and data["transfer"] is None

    accepted = run_ingest([str(bag), "--fonds", "Z109"], storage, clamav, work)
    assert accepted.returncode == 0, accepted.stdout + accepted.stderr
    assert "已接收：2 件" in accepted.stdout and "四性检测 通过" in accepted.stdout

    duplicate = run_ingest([str(bag)], storage, clamav, work)
    assert duplicate.returncode == 1 and "重复移交" in duplicate.stdout

    broken = make_sip(default_items(2), info={"Item-Count": "9"})
    rejected = run_ingest([str(broken), "--json"], storage, clamav, work)
    assert rejected.returncode == 1
    result = json.loads(rejected.stdout)
    assert result["status"] == "rejected" and result["transfer"]["status"] == "rejected"
    item = next(i for i in result["report"]["items"] if i["code"] == "YJ-2-1")
    assert item["result"] == "fail" and item["evidence"][0]["value"] == "9"
    text = run_ingest([str(make_sip(default_items(1), info={"Item-Count": "9"}))], storage, clamav, work)
    assert text.returncode == 1 and "YJ-2-1" in text.stderr and "声明 9 件" in text.stderr

    assert run_ingest(["/no/such/bag"], storage, clamav, work).returncode == 2
    missing_fonds = run_ingest([str(bag), "--fonds", "NOPE"], storage, clamav, work)
    assert missing_fonds.returncode == 2 and "全宗 NOPE 不存在" in missing_fonds.stderr


def login(client: Client, user: Any) -> Client:
    assert client.login(username=user.username, password=PASSWORD)
    return client


def zipped(folder: Path) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        for path in sorted(folder.rglob("*")):
            if path.is_file():
                archive.write(path, path.relative_to(folder).as_posix())
    return buffer.getvalue()


def test_upload_check_sign_accept_through_the_workspace_and_api(
    accession_env: dict[str, Path], make_sip: Any, fonds: Any, archivist: Any, django_capture_on_commit_callbacks: Any
) -> None:
    client = login(Client(), archivist)
    data = zipped(make_sip(default_items(2)))
    started = client.post(
        "/api/accession/uploads", {"file_name": "移交.zip", "size": len(data)}, content_type="application/json"
    )
    assert started.status_code == 201, started.content
    upload = started.json()["uuid"]
    url = f"/api/accession/uploads/{upload}"
    half = len(data) // 2
    first = client.put(
        url, data[:half], content_type="application/octet-stream", HTTP_CONTENT_RANGE=f"bytes 0-{half - 1}/{len(data)}"
    )
    assert first.status_code == 200 and first.json()["offset"] == half
    wrong = client.put(
        url, data[:10], content_type="application/octet-stream", HTTP_CONTENT_RANGE=f"bytes 0-9/{len(data)}"
    )
    assert wrong.status_code == 409 and wrong.json()["offset"] == half  # resume from where the server stands
    assert client.get(url).json()["offset"] == half
    rest = client.put(
        url,
        data[half:],
        content_type="application/octet-stream",
        HTTP_CONTENT_RANGE=f"bytes {half}-{len(data) - 1}/{len(data)}",
    )
    assert rest.json()["status"] == "complete"

    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            reverse("accession:transfer_new"), {"upload": upload, "kind": "transfer", "fonds": "Z109"}
        )
    assert response.status_code == 302
    from dangan.accession.models import Transfer

    transfer = Transfer.objects.get()
    assert transfer.status == "checking" and transfer.verdict == "pass"
    page = client.get(reverse("accession:transfer_detail", args=[transfer.uuid]))
    assert page.status_code == 200 and "四性检测" in page.content.decode()
    report = transfer.latest_report()
    page = client.get(reverse("accession:report_detail", args=[report.uuid])).content.decode()
    assert "YJ-1-7" in page and "档号规范性" in page and "载体外观" in page
    pdf = client.get(reverse("accession:report_pdf", args=[report.uuid]))
    assert pdf.status_code == 200 and pdf.content.startswith(b"%PDF")
    assert client.get(f"/api/accession/reports/{report.uuid}").json()["verdict"] == "pass"

    refused = client.post(f"/api/accession/transfers/{transfer.uuid}/accept", {}, content_type="application/json")
    assert refused.status_code == 422 and "人工检测项尚未签署" in refused.json()["detail"]
    client.post(reverse("accession:item_sign", args=[report.uuid, "YJ-4-5"]), {"result": "pass", "note": "光盘完好"})
    signed = client.post(
        f"/api/accession/reports/{report.uuid}/items/YJ-3-6/sign", {"result": "pass"}, content_type="application/json"
    )
    assert signed.status_code == 200
    client.post(
        f"/api/accession/reports/{report.uuid}/items/YJ-4-7/sign", {"result": "pass"}, content_type="application/json"
    )
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("accession:transfer_action", args=[transfer.uuid, "accept"]))
    assert response.status_code == 302
    transfer.refresh_from_db()
    assert transfer.status == "accepted", transfer.message
    api = client.get(f"/api/accession/transfers/{transfer.uuid}").json()
    assert [s["status"] for s in api["steps"]] == ["received", "checking", "accepting", "accepted"]
    assert client.get(reverse("accession:transfer_list")).status_code == 200


def test_reject_and_return_and_the_register_of_collected_material(
    accession_env: dict[str, Path], make_sip: Any, fonds: Any, archivist: Any
) -> None:
    from dangan.accession.actions.receiving import do_receive
    from dangan.accession.models import Acquisition

    client = login(Client(), archivist)
    transfer = do_receive(archivist, make_sip(default_items(1)))
    response = client.post(reverse("accession:transfer_action", args=[transfer.uuid, "reject"]), {"reason": "载体损坏"})
    assert response.status_code == 302
    transfer.refresh_from_db()
    assert transfer.status == "rejected" and transfer.message == "载体损坏"
    other = do_receive(archivist, make_sip(default_items(2)))
    returned = client.post(
        f"/api/accession/transfers/{other.uuid}/return", {"reason": "件号不连续"}, content_type="application/json"
    )
    assert returned.status_code == 200 and returned.json()["status"] == "returned"
    response = client.post(
        reverse("accession:acquisition_new"),
        {
            "source": "王某某",
            "source_kind": "person",
            "description": "红军标语照片 12 张",
            "quantity": "12 张",
            "condition": "轻度霉斑",
        },
    )
    assert response.status_code == 302
    assert Acquisition.objects.get().registered_by_name == "archivist"
    assert "红军标语" in client.get(reverse("accession:acquisition_list")).content.decode()


@pytest.mark.parametrize("role", ["system_admin", "security_admin", "security_auditor"])
def test_other_roles_may_not_use_accession(
    role: str, request: pytest.FixtureRequest, accession_env: dict[str, Path]
) -> None:
    user = request.getfixturevalue(role)
    client = login(Client(), user)
    assert client.get(reverse("accession:transfer_list")).status_code == 403
    assert client.get("/api/accession/transfers").status_code == 403
    assert (
        client.post(
            "/api/accession/uploads", {"file_name": "a.zip", "size": 10}, content_type="application/json"
        ).status_code
        == 403
    )


def test_anonymous_goes_to_login(accession_env: dict[str, Path]) -> None:
    response = Client().get(reverse("accession:transfer_list"))
    assert response.status_code == 302 and "login" in response["Location"]
    assert shutil.which("clamscan") is None or Client().get("/api/accession/transfers").status_code == 401
