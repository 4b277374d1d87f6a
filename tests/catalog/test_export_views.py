"""Export and print from the workspace, through the real pages: a whole fonds, a filtered list or ticked units, as
.xlsx, .csv or the printable 归档文件目录 (PDF); the files' contents checked, a hidden unit never in any of them,
every export audit-logged."""

from __future__ import annotations

import csv
import io
import re
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse
from openpyxl import load_workbook
from pypdf import PdfReader

from dangan.catalog.actions.exporting import EXPORT_COLUMNS
from dangan.catalog.actions.units import do_create_unit
from dangan.catalog.models import ArchivalUnit
from dangan.cli import main
from dangan.core.actors import CONSOLE
from dangan.core.models import AuditEntry

pytestmark = pytest.mark.django_db
SECRET_TITLE = "某工程选址的秘密会议纪要"
INTERNAL_TITLE = "扶贫资金使用情况的内部报告"


@pytest.fixture
def units(fonds, categories) -> dict[str, ArchivalUnit]:
    ws = categories["WS"]

    def item(title: str, number: int, parent: ArchivalUnit | None = None, **extra: Any) -> ArchivalUnit:
        data = {
            "title": title,
            "category": ws,
            "year": 2016,
            "retention": "Y",
            "organization": "BGS",
            "item_number": number,
            "responsible": "贵州省扶贫开发办公室",
            "document_number": f"黔扶办发〔2016〕{number}号",
            "page_count": number,
            "remarks": "有批示" if number == 1 else "",
            **extra,
        }
        return do_create_unit(CONSOLE, fonds, data, parent=parent)

    folder = do_create_unit(
        CONSOLE, fonds, {"title": "易地扶贫搬迁文件材料", "level": "file", "reference_code": "Z109-WS·2016-Y-BGS-0100"}
    )
    secret_folder = do_create_unit(
        CONSOLE,
        fonds,
        {"title": "秘密案卷", "level": "file", "reference_code": "Z109-WS·2016-Y-BGS-0200", "classification": "secret"},
    )
    return {
        "folder": folder,
        "first": item("关于做好易地扶贫搬迁工作的通知", 1, folder, openness="open"),
        "formula": item('=HYPERLINK("http://evil.example","点我")', 2, folder),
        "internal": item(INTERNAL_TITLE, 3, classification="internal"),
        "secret": item(SECRET_TITLE, 4, classification="secret"),
        "under_secret": item("卷内的公开文件", 5, secret_folder),
        "secret_folder": secret_folder,
    }


def client_for(user: Any) -> Client:
    client = Client()
    client.force_login(user)
    return client


def export(client: Client, body: dict[str, Any], code: str = "Z109"):
    return client.post(reverse("catalog:fonds_export", args=[code]), body)


def xlsx_rows(response) -> list[dict[str, Any]]:
    rows = list(load_workbook(io.BytesIO(response.content)).active.iter_rows(values_only=True))
    assert list(rows[0]) == EXPORT_COLUMNS
    return [dict(zip(EXPORT_COLUMNS, row, strict=False)) for row in rows[1:]]


def csv_rows(response) -> list[dict[str, str]]:
    text = response.content.decode("utf-8-sig")
    return list(csv.DictReader(io.StringIO(text)))


def page_texts(reader: PdfReader) -> list[str]:
    """Each page's text without the spacing pypdf puts between CJK glyphs."""
    return [re.sub(r"[\s\x00]", "", page.extract_text()) for page in reader.pages]


def test_the_fonds_page_offers_export_and_print(fonds, units, junior_archivist):
    page = client_for(junior_archivist).get(reverse("catalog:fonds_detail", args=["Z109"])).content.decode()
    action = reverse("catalog:fonds_export", args=["Z109"])
    assert f'action="{action}"' in page
    for value in ("fonds:xlsx", "fonds:csv", "fonds:pdf"):
        assert f'value="{value}"' in page
    listing = client_for(junior_archivist).get(reverse("catalog:fonds_detail", args=["Z109"]), {"tab": "list"})
    text = listing.content.decode()
    assert 'id="export-form"' in text and 'form="export-form"' in text
    assert f'value="{units["first"].uuid}"' in text and f'value="{units["secret"].uuid}"' not in text
    assert 'value="selection:xlsx"' in text and 'value="filter:csv"' in text


def test_a_whole_fonds_to_excel_holds_only_what_the_reader_may_see(fonds, units, junior_archivist, archivist):
    response = export(client_for(junior_archivist), {"export": "fonds:xlsx"})
    assert response.status_code == 200 and response["Content-Type"].startswith("application/vnd.openxmlformats")
    assert "attachment" in response["Content-Disposition"] and "Z109" in response["Content-Disposition"]
    rows = xlsx_rows(response)
    titles = [row["题名"] for row in rows]
    assert "关于做好易地扶贫搬迁工作的通知" in titles and "卷内的公开文件" in titles
    assert SECRET_TITLE not in titles and INTERNAL_TITLE not in titles and "秘密案卷" not in titles
    under = next(row for row in rows if row["题名"] == "卷内的公开文件")
    assert under["上级档号"] is None  # its 秘密 parent is not named
    assert all("Z109-WS·2016-Y-BGS-0200" not in str(value) for row in rows for value in row.values())
    first = next(row for row in rows if row["题名"] == "关于做好易地扶贫搬迁工作的通知")
    assert (first["上级档号"], first["文号"], first["页数"], first["备注"]) == (
        "Z109-WS·2016-Y-BGS-0100",
        "黔扶办发〔2016〕1号",
        1,
        "有批示",
    )
    assert '\'=HYPERLINK("http://evil.example","点我")' in titles  # never a formula
    entry = AuditEntry.objects.get(action="catalog.export")
    assert entry.user == junior_archivist and entry.data["scope"] == "fonds" and entry.data["rows"] == len(rows)
    cleared = xlsx_rows(export(client_for(archivist), {"export": "fonds:xlsx"}))
    assert SECRET_TITLE in [row["题名"] for row in cleared]


def test_ticked_units_to_csv(fonds, units, junior_archivist):
    picked = [units["first"].uuid, units["internal"].uuid, units["secret"].uuid, "not-a-uuid"]
    response = export(client_for(junior_archivist), {"export": "selection:csv", "unit": picked})
    assert response.status_code == 200 and response["Content-Type"] == "text/csv; charset=utf-8"
    assert "%E6%89%80%E9%80%89" in response["Content-Disposition"]  # "所选" in the file name
    rows = csv_rows(response)
    assert [row["题名"] for row in rows] == ["关于做好易地扶贫搬迁工作的通知"]  # the hidden ones are silently absent
    # Its parent was not ticked, but the reader may see it: named, so the rows import back under it.
    assert rows[0]["上级档号"] == "Z109-WS·2016-Y-BGS-0100" and rows[0]["序号"] == "1"
    entry = AuditEntry.objects.get(action="catalog.export")
    assert entry.data == {"file": entry.data["file"], "format": "csv", "rows": 1, "scope": "selection"}


def test_a_selection_of_hidden_units_only_is_refused_like_an_empty_one(fonds, units, junior_archivist):
    client = client_for(junior_archivist)
    response = export(client, {"export": "selection:xlsx", "unit": [units["secret"].uuid]})
    assert response.status_code == 200 and response["Content-Type"].startswith("application/vnd")
    assert xlsx_rows(response) == []  # a hidden unit: as if nothing was ticked that exists
    response = export(client, {"export": "selection:xlsx"}, code="Z109")
    assert response.status_code == 302 and "tab=list" in response["Location"]
    assert "请先勾选" in client.get(response["Location"]).content.decode()


def test_the_filtered_list_to_excel(fonds, units, archivist):
    response = export(client_for(archivist), {"export": "filter:xlsx", "q": "搬迁", "tab": "list", "page": "2"})
    titles = sorted(row["题名"] for row in xlsx_rows(response))
    assert titles == sorted(["易地扶贫搬迁文件材料", "关于做好易地扶贫搬迁工作的通知"])
    assert AuditEntry.objects.get(action="catalog.export").data["scope"] == "filter"
    response = export(client_for(archivist), {"export": "filter:csv", "classification": "secret"})
    assert sorted(row["题名"] for row in csv_rows(response)) == sorted([SECRET_TITLE, "秘密案卷"])


def test_the_printed_catalog(fonds, units, junior_archivist):
    response = export(client_for(junior_archivist), {"export": "fonds:pdf"})
    assert response.status_code == 200 and response["Content-Type"] == "application/pdf"
    assert response["Content-Disposition"].startswith("inline")
    content = response.content
    reader = PdfReader(io.BytesIO(content))
    page = reader.pages[0]
    assert float(page.mediabox.width) > float(page.mediabox.height)  # landscape A4
    text = "".join(page_texts(reader))
    assert "归档文件目录" in text and "全宗：Z109贵州省扶贫开发办公室" in text
    assert "序号档号文号责任者题名日期密级页数备注" in text  # DA/T 22's nine columns
    assert "关于做好易地扶贫搬迁工作的通知" in text and "黔扶办发〔2016〕1号" in text
    assert SECRET_TITLE not in text and INTERNAL_TITLE not in text and "秘密案卷" not in text
    assert "第1页共1页" in text
    entry = AuditEntry.objects.get(action="catalog.print")
    assert entry.user == junior_archivist and entry.data == {"format": "pdf", "rows": 4, "scope": "fonds"}


def test_a_long_catalog_repeats_its_headings_and_numbers_every_page(fonds, categories, archivist):
    for n in range(1, 61):
        do_create_unit(
            CONSOLE, fonds, {"title": f"关于第{n}批易地扶贫搬迁工作的通知" * 3, "category": categories["WS"]}
        )
    response = export(client_for(archivist), {"export": "fonds:pdf"})
    reader = PdfReader(io.BytesIO(response.content))
    pages = page_texts(reader)
    assert len(pages) > 1
    for number, text in enumerate(pages, start=1):
        assert "序号档号文号责任者题名" in text and f"第{number}页共{len(pages)}页" in text


def test_printing_too_much_or_nothing_is_refused_with_a_reason(fonds, units, archivist, junior_archivist, settings):
    from dangan.catalog.actions import printing

    client = client_for(archivist)
    original = printing.PRINT_MAX_ROWS
    printing.PRINT_MAX_ROWS = 3
    try:
        response = export(client, {"export": "fonds:pdf"})
    finally:
        printing.PRINT_MAX_ROWS = original
    assert response.status_code == 302
    assert "一次最多打印 3 条" in client.get(response["Location"]).content.decode()
    assert not AuditEntry.objects.filter(action="catalog.print").exists()
    response = export(client_for(junior_archivist), {"export": "filter:pdf", "classification": "secret"})
    assert response.status_code == 302


def test_who_may_export(fonds, units, security_auditor, security_admin, system_admin):
    for user in (security_auditor, security_admin):
        assert export(client_for(user), {"export": "fonds:xlsx"}).status_code == 403
    assert client_for(system_admin).get(reverse("catalog:fonds_export", args=["Z109"])).status_code == 405
    titles = [row["题名"] for row in xlsx_rows(export(client_for(system_admin), {"export": "fonds:xlsx"}))]
    assert INTERNAL_TITLE not in titles and SECRET_TITLE not in titles  # 公开 only, whatever the clearance
    anonymous = Client().post(reverse("catalog:fonds_export", args=["Z109"]), {"export": "fonds:xlsx"})
    assert anonymous.status_code == 302 and "login" in anonymous["Location"]


def test_the_cli_prints_the_catalog(tmp_path, fonds, units, capsys):
    out = tmp_path / "目录.pdf"
    assert main(["catalog", "print", "--fonds", "Z109", "-o", str(out)]) == 0
    assert "7 条" in capsys.readouterr().out
    text = "".join(page_texts(PdfReader(out)))
    assert SECRET_TITLE in text and "控制台操作员" in text  # the console sees everything
    assert main(["catalog", "print", "--fonds", "Z109", "-o", str(tmp_path / "目录.xlsx")]) == 2
