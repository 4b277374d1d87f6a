"""正式导入: after a passed dry run the same stored file is imported without uploading it again — checked again as it
runs, on the web page and through the API — by the person who uploaded it, once."""

from __future__ import annotations

import io

import openpyxl
import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse

from dangan.catalog.actions.units import do_create_unit
from dangan.catalog.models import ArchivalUnit, ImportBatch
from dangan.core.actors import CONSOLE
from dangan.core.models import AuditEntry

pytestmark = pytest.mark.django_db
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
ROWS = [
    ["Z109-WS·2011-Y-BGS-0001", "关于开展脱贫攻坚工作的通知", "省扶贫办"],
    ["Z109-WS·2011-Y-BGS-0002", "关于印发扶贫资金管理办法的通知", "省财政厅"],
]


@pytest.fixture(autouse=True)
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "uploads"


def upload() -> SimpleUploadedFile:
    book = openpyxl.Workbook()
    book.active.append(["档号", "题名", "责任者"])
    for row in ROWS:
        book.active.append(row)
    buffer = io.BytesIO()
    book.save(buffer)
    return SimpleUploadedFile("目录.xlsx", buffer.getvalue(), content_type=XLSX)


def client_for(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def dry_run(client: Client, fonds, django_capture_on_commit_callbacks) -> ImportBatch:
    with django_capture_on_commit_callbacks(execute=True):
        client.post(reverse("catalog:import_new"), {"fonds": fonds.pk, "file": upload(), "dry_run": "on"})
    batch = ImportBatch.objects.get(dry_run=True)
    assert batch.status == "checked"
    return batch


def test_the_page_imports_the_checked_file_without_a_second_upload(
    fonds, categories, archivist, django_capture_on_commit_callbacks
):
    client = client_for(archivist)
    checked = dry_run(client, fonds, django_capture_on_commit_callbacks)
    page_url = reverse("catalog:import_detail", args=[checked.uuid])
    action = reverse("catalog:import_checked", args=[checked.uuid])
    page = client.get(page_url).content.decode()
    assert f'action="{action}"' in page and "正式导入" in page
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(action)
    batch = ImportBatch.objects.get(dry_run=False)
    assert response["Location"] == reverse("catalog:import_detail", args=[batch.uuid])
    batch.refresh_from_db()
    assert (batch.status, batch.created_count, batch.dry_run_batch) == ("done", 2, checked)
    assert batch.file_path == checked.file_path and batch.sha256 == checked.sha256
    assert ArchivalUnit.objects.count() == 2
    entry = AuditEntry.objects.get(action="catalog.import")
    assert entry.data["dry_run_batch"] == str(checked.uuid) and entry.data["batch"] == str(batch.uuid)
    # Done: the dry run's page no longer offers it, and a second post is refused with a reason.
    page = client.get(page_url).content.decode()
    assert f'action="{action}"' not in page and "该文件已提交正式导入" in page
    again = client.post(action, follow=True).content.decode()
    assert "已正式导入" in again and ImportBatch.objects.count() == 2


def test_the_file_is_checked_again_when_imported(fonds, categories, archivist, django_capture_on_commit_callbacks):
    client = client_for(archivist)
    checked = dry_run(client, fonds, django_capture_on_commit_callbacks)
    # Since the dry run someone created a unit with one of the file's 档号 and another 题名.
    do_create_unit(CONSOLE, fonds, {"title": "另一份文件", "reference_code": ROWS[1][0], "category": categories["WS"]})
    with django_capture_on_commit_callbacks(execute=True):
        client.post(reverse("catalog:import_checked", args=[checked.uuid]))
    batch = ImportBatch.objects.get(dry_run=False)
    assert batch.status == "invalid" and ArchivalUnit.objects.count() == 1
    assert "档号已存在且内容不同" in batch.errors[0]["reason"]


def test_a_file_changed_on_the_server_since_the_dry_run_is_not_imported(
    fonds, categories, archivist, django_capture_on_commit_callbacks
):
    from pathlib import Path

    client = client_for(archivist)
    checked = dry_run(client, fonds, django_capture_on_commit_callbacks)
    Path(checked.file_path).write_bytes(Path(checked.file_path).read_bytes() + b"\0")
    with django_capture_on_commit_callbacks(execute=True):
        client.post(reverse("catalog:import_checked", args=[checked.uuid]))
    batch = ImportBatch.objects.get(dry_run=False)
    assert batch.status == "failed" and "被改动" in batch.message and not ArchivalUnit.objects.exists()


def test_only_the_uploader_imports_a_passed_dry_run(
    fonds, categories, archivist, junior_archivist, django_capture_on_commit_callbacks
):
    checked = dry_run(client_for(archivist), fonds, django_capture_on_commit_callbacks)
    other = client_for(junior_archivist)
    page = other.get(reverse("catalog:import_detail", args=[checked.uuid])).content.decode()
    assert reverse("catalog:import_checked", args=[checked.uuid]) not in page
    response = other.post(reverse("catalog:import_checked", args=[checked.uuid]), follow=True)
    assert "只有上传该文件的人可以正式导入" in response.content.decode()
    assert ImportBatch.objects.count() == 1
    assert other.get(reverse("catalog:import_checked", args=[checked.uuid])).status_code == 405


def test_a_dry_run_that_failed_cannot_be_imported(fonds, categories, archivist, django_capture_on_commit_callbacks):
    client = client_for(archivist)
    checked = dry_run(client, fonds, django_capture_on_commit_callbacks)
    ImportBatch.objects.filter(pk=checked.pk).update(status="invalid")
    response = client.post(reverse("catalog:import_checked", args=[checked.uuid]), follow=True)
    assert "只有校验通过的试导入可以正式导入" in response.content.decode()


def test_the_api_imports_a_passed_dry_run(
    fonds, categories, archivist, junior_archivist, django_capture_on_commit_callbacks
):
    client = client_for(archivist)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post("/api/imports", {"fonds": "Z109", "file": upload(), "dry_run": "true"})
    checked = client.get(f"/api/imports/{response.json()['uuid']}").json()
    assert checked["status"] == "checked" and checked["dry_run_batch"] is None
    url = f"/api/imports/{checked['uuid']}/import"
    assert client_for(junior_archivist).post(url).status_code == 403
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(url)
    assert response.status_code == 201, response.json()
    done = client.get(f"/api/imports/{response.json()['uuid']}").json()
    assert (done["status"], done["created_count"], done["dry_run"]) == ("done", 2, False)
    assert done["dry_run_batch"] == checked["uuid"]
    assert client.get(f"/api/imports/{done['uuid']}").json()["dry_run_batch"] == checked["uuid"]
    again = client.post(url)
    assert again.status_code == 422 and "已正式导入" in again.json()["detail"]
    assert client.post("/api/imports/00000000-0000-0000-0000-000000000000/import").status_code == 404
    assert ArchivalUnit.objects.count() == 2


def test_the_api_refuses_while_the_same_import_runs(fonds, categories, archivist, django_capture_on_commit_callbacks):
    client = client_for(archivist)
    checked = dry_run(client, fonds, django_capture_on_commit_callbacks)
    url = f"/api/imports/{checked.uuid}/import"
    with django_capture_on_commit_callbacks(execute=False):
        first = client.post(url)
        assert first.status_code == 201 and first.json()["status"] == "pending"
        second = client.post(url)
    assert second.status_code == 409 and "已在进行中" in second.json()["detail"]
    assert second["Location"] == f"/api/imports/{first.json()['uuid']}"
