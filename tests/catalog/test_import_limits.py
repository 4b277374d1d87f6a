"""What a catalog file may make the server read: the used range of every sheet, rows, columns, cells and bytes,
checked before a reader allocates anything; the same upload limit on the web form and the API; and one import of
the same file at a time."""

from __future__ import annotations

import functools
import io
import os
import resource
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse
from openpyxl import Workbook
from openpyxl.styles import Font

from dangan.catalog.actions.importing import ImportAlreadyActive, do_start_import, import_catalog, settle_if_stale
from dangan.catalog.models import ArchivalUnit, ImportBatch
from dangan.catalog.tabular import TableError, read_table
from dangan.core.actors import CONSOLE

pytestmark = pytest.mark.django_db
REPOSITORY = Path(__file__).resolve().parents[2]
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def far_cell_xlsx(path: Path, far: str = "XFD1048576") -> Path:
    """The 5 KB attack: a catalog header at A1 and one value at the far corner of the sheet."""
    book = Workbook()
    sheet = book.active
    sheet.append(["档号", "题名"])
    sheet.append(["Z109-WS·2021-Y-BGS-0001", "关于做好易地扶贫搬迁工作的通知"])
    sheet[far] = "x"
    book.save(path)
    return path


def replace_sheet(path: Path, xml: str) -> Path:
    """``path`` with its first sheet's XML replaced (for sheets openpyxl would not write)."""
    source = zipfile.ZipFile(path)
    out = path.with_name("hand-" + path.name)
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as target:
        for info in source.infolist():
            data = xml.encode() if info.filename == "xl/worksheets/sheet1.xml" else source.read(info)
            target.writestr(info, data)
    return out


SHEET = '<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"{ns}><sheetData>{rows}</sheetData></worksheet>'
HEADER_ROW = '<row r="1"><c r="A1" t="inlineStr"><is><t>题名</t></is></c></row>'


# ---------------------------------------------------------------- the used range of .xlsx sheets


def test_a_5_kb_sheet_with_a_far_cell_no_longer_kills_the_process(tmp_path):
    """Before the fix calamine asked for 512 GiB and the process aborted: run the reader in a child process,
    with its address space capped so a regression cannot take the machine with it."""
    path = far_cell_xlsx(tmp_path / "目录.xlsx")
    assert path.stat().st_size < 10_000
    script = (
        "import django; django.setup()\n"
        "from pathlib import Path\n"
        "from dangan.catalog.tabular import TableError, read_table\n"
        "try:\n"
        f"    read_table(Path({str(path)!r}))\n"
        "except TableError as exc:\n"
        "    print('REFUSED', exc)\n"
    )

    def cap_memory() -> None:
        resource.setrlimit(resource.RLIMIT_AS, (3 << 30, 3 << 30))

    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "tests.settings", "PYTHONPATH": str(REPOSITORY)}
    child = subprocess.run(
        [sys.executable, "-c", script],
        capture_output=True,
        text=True,
        env=env,
        cwd=REPOSITORY,
        preexec_fn=cap_memory,
        timeout=120,
    )
    assert child.returncode == 0, child.stderr[-2000:]
    assert "REFUSED" in child.stdout
    assert "1,048,576 行" in child.stdout and "XFD1048576" in child.stdout and "行数上限 1,000,000 行" in child.stdout


def test_far_rows_and_columns_are_refused_naming_the_limit(tmp_path):
    with pytest.raises(TableError) as caught:
        read_table(far_cell_xlsx(tmp_path / "行.xlsx", "A1000001"))
    assert "行数上限 1,000,000 行" in str(caught.value) and "B1000001" in str(caught.value)  # the corner
    with pytest.raises(TableError) as caught:
        read_table(far_cell_xlsx(tmp_path / "列.xlsx", "GS2"))  # column 201
    message = str(caught.value)
    assert "第 201 列" in message and "列数上限 200 列" in message and "GS2" in message
    assert "请删除表格以外多余的内容" in message
    assert read_table(far_cell_xlsx(tmp_path / "好.xlsx", "GR2")).rows  # column 200: within the limit


def test_the_limits_are_settings(tmp_path, settings):
    settings.IMPORT_MAX_CELLS = 30
    path = far_cell_xlsx(tmp_path / "目录.xlsx", "J3")  # 3 rows × 10 columns = 30 cells
    assert read_table(path).rows
    settings.IMPORT_MAX_CELLS = 29
    with pytest.raises(TableError, match=r"3 行 × 10 列.*单元格数上限 29 个"):
        read_table(path)
    settings.IMPORT_MAX_ROWS, settings.IMPORT_MAX_CELLS = 2, 10**6
    with pytest.raises(TableError, match="行数上限 2 行"):
        read_table(path)


def test_an_empty_formatted_cell_far_away_is_not_part_of_the_used_range(tmp_path):
    book = Workbook()
    book.active.append(["题名"])
    book.active.append(["关于做好易地扶贫搬迁工作的通知"])
    book.active["XFD1048576"].font = Font(bold=True)  # formatted, no value: calamine ignores it, so do we
    book.save(tmp_path / "目录.xlsx")
    assert [row[0] for row in read_table(tmp_path / "目录.xlsx").rows] == ["关于做好易地扶贫搬迁工作的通知"]


def test_cells_written_without_their_position_are_followed_exactly(tmp_path):
    base = far_cell_xlsx(tmp_path / "base.xlsx", "B3")
    wide = "".join('<c t="inlineStr"><is><t>x</t></is></c>' for _ in range(250))  # columns 1…250, no r
    with pytest.raises(TableError, match="第 250 列"):
        read_table(replace_sheet(base, SHEET.format(ns="", rows=HEADER_ROW + f'<row r="2">{wide}</row>')))
    # A namespace prefix must not hide the far cell either.
    prefixed = SHEET.format(
        ns=' xmlns:x="http://schemas.openxmlformats.org/spreadsheetml/2006/main"',
        rows=HEADER_ROW + '<row r="2"><x:c r="XFD1048576" t="inlineStr"><x:is><x:t>x</x:t></x:is></x:c></row>',
    )
    with pytest.raises(TableError, match="XFD1048576"):
        read_table(replace_sheet(base, prefixed))
    # Nor a cell whose position is not its first attribute.
    late = SHEET.format(ns="", rows=HEADER_ROW + '<row r="2"><c t="inlineStr" r="XFD9"><is><t>x</t></is></c></row>')
    with pytest.raises(TableError, match="XFD9"):
        read_table(replace_sheet(base, late))


def test_a_zip_that_unpacks_to_too_much_is_refused(tmp_path, settings):
    settings.IMPORT_MAX_BYTES = 20_000  # so at most 200,000 bytes unpacked
    book = Workbook()
    book.active.append(["题名"])
    for _ in range(10):
        book.active.append(["扶" * 30_000])  # compresses to almost nothing
    book.save(tmp_path / "目录.xlsx")
    assert (tmp_path / "目录.xlsx").stat().st_size < 20_000
    with pytest.raises(TableError, match="解压后过大"):
        read_table(tmp_path / "目录.xlsx")


def test_formats_whose_extent_cannot_be_known_are_refused(tmp_path):
    for suffix in (".xls", ".ods", ".xlsb"):
        path = tmp_path / f"目录{suffix}"
        path.write_bytes(b"\xd0\xcf\x11\xe0" + b"\0" * 100)
        with pytest.raises(TableError, match=r"另存为 \.xlsx"):
            read_table(path)


# ---------------------------------------------------------------- CSV and bytes


def test_csv_rows_columns_and_bytes_are_bounded(tmp_path, settings):
    path = tmp_path / "目录.csv"
    path.write_text("题名,备注\n" + "".join(f"通知{n},\n" for n in range(10)), encoding="utf-8")
    assert len(read_table(path).rows) == 10
    settings.IMPORT_MAX_ROWS = 5
    with pytest.raises(TableError, match="行数上限 5 行"):
        read_table(path)
    settings.IMPORT_MAX_ROWS = 100
    path.write_text("题名," + ",".join("x" * 300) + "\n通知,\n", encoding="utf-8")
    with pytest.raises(TableError, match="列数上限 200 列"):
        read_table(path)
    settings.IMPORT_MAX_BYTES = 100
    path.write_text("题名\n" + "关于做好易地扶贫搬迁工作的通知\n" * 10, encoding="utf-8")
    with pytest.raises(TableError, match=r"文件过大.*上限为 0\.0 MB"):
        read_table(path)


def test_an_import_of_a_far_cell_file_fails_cleanly(tmp_path, fonds, categories):
    path = far_cell_xlsx(tmp_path / "目录.xlsx")
    from dangan.catalog.actions.importing import ImportError_

    with pytest.raises(ImportError_, match="行数上限"):
        import_catalog(CONSOLE, path, fonds)
    batch = ImportBatch.objects.get()
    assert batch.status == "failed" and "XFD1048576" in batch.message and not ArchivalUnit.objects.exists()


# ---------------------------------------------------------------- the same upload limit on the web and the API


@pytest.fixture
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "uploads"
    return settings.MEDIA_ROOT


@functools.cache
def catalog_bytes() -> bytes:
    """One .xlsx, made once: openpyxl stamps the time into each file it saves, and these tests need the same file."""
    book = Workbook()
    book.active.append(["档号", "题名", "年度", "保管期限"])
    for n in range(1, 4):
        book.active.append([f"Z109-WS·2021-Y-BGS-{n:04d}", f"关于第{n}批搬迁工作的通知", 2021, "永久"])
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def xlsx_upload(name: str = "目录.xlsx") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, catalog_bytes(), content_type=XLSX)


def test_the_api_applies_the_web_forms_upload_limit(media, settings, fonds, categories, archivist):
    upload = xlsx_upload()
    settings.IMPORT_MAX_BYTES = upload.size - 1
    client = Client()
    client.force_login(archivist)
    response = client.post("/api/imports", {"fonds": "Z109", "file": upload})
    assert response.status_code == 413
    assert response.json()["detail"].startswith("文件过大") and "上限为" in response.json()["errors"]["file"]
    page = client.post(reverse("catalog:import_new"), {"fonds": fonds.pk, "file": xlsx_upload()})
    assert page.status_code == 400 and "文件过大" in page.content.decode()
    assert not ImportBatch.objects.exists() and not list(Path(media).rglob("*.xlsx"))
    settings.IMPORT_MAX_BYTES = upload.size
    assert client.post("/api/imports", {"fonds": "Z109", "file": xlsx_upload()}).status_code == 201


def test_the_limit_holds_while_the_upload_is_stored(media, settings, fonds, categories, archivist):
    settings.IMPORT_MAX_BYTES = 1000
    stream = io.BytesIO(b"x" * 5000)  # a stream whose size nobody declared
    from dangan.catalog.actions.importing import FileTooLarge

    with pytest.raises(FileTooLarge, match="上限为"):
        do_start_import(archivist, fonds, "目录.csv", stream, dry_run=False)
    assert not ImportBatch.objects.exists() and not any(Path(media).rglob("*.csv*"))


# ---------------------------------------------------------------- one import of the same file at a time


def test_starting_the_same_import_again_is_refused(
    media, fonds, categories, archivist, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=False):  # queued, not run yet
        first = do_start_import(archivist, fonds, "目录.xlsx", xlsx_upload(), dry_run=False)
        with pytest.raises(ImportAlreadyActive) as caught:
            do_start_import(archivist, fonds, "再次上传.xlsx", xlsx_upload(), dry_run=False)
        assert caught.value.batch == first
        message = str(caught.value)
        assert "同一文件向全宗 Z109 的导入已在进行中（等待中" in message and "不必重复提交" in message
        # A dry run of the same file, or the same file for another fonds, is another import.
        do_start_import(archivist, fonds, "目录.xlsx", xlsx_upload(), dry_run=True)
    assert ImportBatch.objects.count() == 2
    assert len(list(Path(media).rglob("*.xlsx"))) == 2  # the refused upload was not kept

    client = Client()
    client.force_login(archivist)
    response = client.post("/api/imports", {"fonds": "Z109", "file": xlsx_upload()})
    assert response.status_code == 409 and "已在进行中" in response.json()["detail"]
    assert response["Location"] == f"/api/imports/{first.uuid}"
    page = client.post(reverse("catalog:import_new"), {"fonds": fonds.pk, "file": xlsx_upload()})
    assert page.status_code == 409 and "已在进行中" in page.content.decode()
    assert reverse("catalog:import_detail", args=[first.uuid]) in page.content.decode()
    assert ImportBatch.objects.count() == 2

    ImportBatch.objects.filter(pk=first.pk).update(status="done")
    assert client.post("/api/imports", {"fonds": "Z109", "file": xlsx_upload()}).status_code == 201


def test_the_cli_is_refused_too_while_the_same_import_is_queued(
    tmp_path, media, fonds, categories, archivist, django_capture_on_commit_callbacks
):
    upload = xlsx_upload()
    with django_capture_on_commit_callbacks(execute=False):
        do_start_import(archivist, fonds, "目录.xlsx", upload, dry_run=False)
    path = tmp_path / "目录.xlsx"
    path.write_bytes(xlsx_upload().read())
    with pytest.raises(ImportAlreadyActive):
        import_catalog(CONSOLE, path, fonds)
    assert ImportBatch.objects.count() == 1 and not ArchivalUnit.objects.exists()


def test_a_batch_whose_task_ended_abnormally_does_not_block(
    media, settings, fonds, categories, archivist, django_capture_on_commit_callbacks
):
    """A worker killed mid-import leaves the batch running; once task recovery marks its task failed, the batch is
    settled as failed and the same import may start again."""
    settings.TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}
    from django_tasks_db.models import DBTaskResult

    with django_capture_on_commit_callbacks(execute=True):
        first = do_start_import(archivist, fonds, "目录.xlsx", xlsx_upload(), dry_run=False)
    first.refresh_from_db()
    assert first.task_id and first.status == "pending"
    ImportBatch.objects.filter(pk=first.pk).update(status="running")
    with pytest.raises(ImportAlreadyActive):
        do_start_import(archivist, fonds, "目录.xlsx", xlsx_upload(), dry_run=False)
    DBTaskResult.objects.filter(id=first.task_id).update(status="FAILED")
    with django_capture_on_commit_callbacks(execute=False):
        second = do_start_import(archivist, fonds, "目录.xlsx", xlsx_upload(), dry_run=False)
    first.refresh_from_db()
    assert first.status == "failed" and "已中止" in first.message and second.status == "pending"
    assert not settle_if_stale(second)
