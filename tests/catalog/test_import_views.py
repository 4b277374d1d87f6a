"""The catalog import pages: who may import, upload checks, live progress, and the result with its error table."""

from __future__ import annotations

import io
from typing import Any

import openpyxl
import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from dangan.catalog.forms import ImportForm
from dangan.catalog.models import ArchivalUnit, ImportBatch
from tests.helpers import client_for

pytestmark = pytest.mark.django_db

HEADERS = ["档号", "题名", "责任者", "日期", "密级", "保管期限", "页数"]
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def xlsx(rows: list[list[Any]], name: str = "目录.xlsx") -> SimpleUploadedFile:
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.append(HEADERS)
    for row in rows:
        sheet.append(row)
    buffer = io.BytesIO()
    book.save(buffer)
    return SimpleUploadedFile(name, buffer.getvalue(), content_type=XLSX)


GOOD_ROWS = [
    ["Z109-WS·2011-Y-BGS-0001", "关于开展脱贫攻坚工作的通知", "省扶贫办", "20110305", "", "永久", 3],
    ["Z109-WS·2011-Y-BGS-0002", "关于印发扶贫资金管理办法的通知", "省财政厅", "20110412", "", "永久", 8],
]


@pytest.mark.parametrize("fixture", ["system_admin", "security_admin", "security_auditor"])
def test_only_archivists_import(request, fonds, fixture):
    client = client_for(request.getfixturevalue(fixture))
    assert client.get(reverse("catalog:import_list")).status_code == 403
    assert client.get(reverse("catalog:import_new")).status_code == 403
    response = client.post(reverse("catalog:import_new"), {"fonds": fonds.pk, "file": xlsx(GOOD_ROWS)})
    assert response.status_code == 403
    assert not ImportBatch.objects.exists()


def test_the_import_form_is_labelled_and_preselects_the_fonds(fonds, archivist):
    text = client_for(archivist).get(reverse("catalog:import_new"), {"fonds": "z109"}).content.decode()
    assert '<label for="id_file">目录文件' in text
    assert '<label for="id_dry_run">仅校验（试导入）' in text
    assert f'<option value="{fonds.pk}" selected>' in text


def test_bad_uploads_get_a_chinese_form_error(fonds, archivist):
    client = client_for(archivist)
    url = reverse("catalog:import_new")
    response = client.post(url, {"fonds": fonds.pk})
    assert response.status_code == 400 and "请选择要导入的文件" in response.content.decode()
    wrong = SimpleUploadedFile("目录.pdf", b"%PDF-1.4", content_type="application/pdf")
    response = client.post(url, {"fonds": fonds.pk, "file": wrong})
    assert "不支持的文件类型“.pdf”" in response.content.decode()
    response = client.post(url, {"file": xlsx(GOOD_ROWS)})
    assert "请选择全宗" in response.content.decode()
    assert not ImportBatch.objects.exists()


def test_a_file_over_200_mb_is_refused(fonds):
    upload = SimpleUploadedFile("大文件.xlsx", b"PK", content_type=XLSX)
    upload.size = 201 * 1024 * 1024
    form = ImportForm({"fonds": fonds.pk}, {"file": upload})
    assert not form.is_valid()
    assert "文件过大（201 MB），上限为 200 MB" in form.errors["file"][0]


def test_an_import_runs_and_shows_its_result(fonds, archivist, django_capture_on_commit_callbacks):
    client = client_for(archivist)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("catalog:import_new"), {"fonds": fonds.pk, "file": xlsx(GOOD_ROWS)})
    batch = ImportBatch.objects.get()
    assert response["Location"] == reverse("catalog:import_detail", args=[batch.uuid])
    batch.refresh_from_db()
    assert batch.status == ImportBatch.Status.DONE and batch.created_count == 2
    text = client.get(response["Location"]).content.decode()
    assert "已导入" in text and "关于开展脱贫攻坚工作的通知" in text
    assert "hx-trigger" not in text  # finished: no more polling
    unit = ArchivalUnit.objects.get(reference_code="Z109-WS·2011-Y-BGS-0001")
    assert reverse("catalog:unit_detail", args=[unit.uuid]) in text
    listing = client.get(reverse("catalog:import_list")).content.decode()
    assert "目录.xlsx" in listing and "badge--import-done" in listing


def test_a_dry_run_writes_nothing(fonds, archivist, django_capture_on_commit_callbacks):
    client = client_for(archivist)
    with django_capture_on_commit_callbacks(execute=True):
        client.post(reverse("catalog:import_new"), {"fonds": fonds.pk, "file": xlsx(GOOD_ROWS), "dry_run": "on"})
    batch = ImportBatch.objects.get()
    assert batch.dry_run and batch.status == ImportBatch.Status.CHECKED
    assert not ArchivalUnit.objects.exists()
    assert "校验通过（试导入）" in client.get(reverse("catalog:import_detail", args=[batch.uuid])).content.decode()


def test_an_invalid_file_shows_the_row_by_row_errors(fonds, archivist, django_capture_on_commit_callbacks):
    rows = [*GOOD_ROWS, ["Z109-WS·2011-Y-BGS-0003", "", "省扶贫办", "20110501", "", "永久", 1]]
    client = client_for(archivist)
    with django_capture_on_commit_callbacks(execute=True):
        client.post(reverse("catalog:import_new"), {"fonds": fonds.pk, "file": xlsx(rows)})
    batch = ImportBatch.objects.get()
    assert batch.status == ImportBatch.Status.INVALID
    text = client.get(reverse("catalog:import_detail", args=[batch.uuid])).content.decode()
    assert "校验未通过" in text and "逐行问题" in text and "题名不能为空" in text
    table = text.split("逐行问题", 1)[1]
    assert '<td class="num">4</td>' in table  # the 4th line of the sheet (header on line 1)
    assert not ArchivalUnit.objects.exists()


def test_progress_is_polled_while_the_import_runs(fonds, archivist):
    batch = ImportBatch.objects.create(
        fonds=fonds,
        user=archivist,
        file_name="大目录.xlsx",
        sha256="0" * 64,
        status="running",
        total_rows=200,
        processed_rows=50,
    )
    client = client_for(archivist)
    page = client.get(reverse("catalog:import_detail", args=[batch.uuid])).content.decode()
    progress_url = reverse("catalog:import_progress", args=[batch.uuid])
    assert f'hx-get="{progress_url}"' in page and 'hx-trigger="every 1s"' in page
    assert 'aria-valuenow="25"' in page and "已处理 50 / 200 行" in page

    fragment = client.get(progress_url, HTTP_HX_REQUEST="true")
    assert "<html" not in fragment.content.decode() and "HX-Refresh" not in fragment
    batch.status, batch.processed_rows = ImportBatch.Status.DONE, 200
    batch.save()
    finished = client.get(progress_url, HTTP_HX_REQUEST="true")
    assert finished["HX-Refresh"] == "true"
    assert "every 1s" not in finished.content.decode()


def test_cell_values_in_the_report_are_shown_only_to_the_importer(fonds, archivist, junior_archivist):
    batch = ImportBatch.objects.create(
        fonds=fonds,
        user=archivist,
        file_name="机密目录.xlsx",
        sha256="2" * 64,
        status="invalid",
        errors=[{"row": 2, "column": "日期", "value": "某机密文件的日期", "reason": "无法识别的日期", "code": "1-5"}],
    )
    url = reverse("catalog:import_detail", args=[batch.uuid])
    assert "某机密文件的日期" in client_for(archivist).get(url).content.decode()
    other = client_for(junior_archivist).get(url).content.decode()
    assert "无法识别的日期" in other and "某机密文件的日期" not in other and "仅导入人可见" in other
