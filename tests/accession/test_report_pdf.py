"""The PDF check report as an archives keeps it: PDF/A-2b (XMP identification, an sRGB output intent, every font
embedded), lines set ragged-right rather than justified, every page numbered, people named by their names, and a
block for the signatures. veraPDF is not available here: the PDF/A parts are read back with pypdf."""

from __future__ import annotations

import io
import re
from pathlib import Path
from typing import Any

from django.test import Client
from django.urls import reverse
from pypdf import PdfReader

from dangan.accession.actions.checking import do_check, do_sign_item
from dangan.accession.actions.receiving import do_receive
from dangan.accession.choices import CheckResult
from dangan.accession.samples import default_items
from tests.accession.pdftools import page_streams, pdf_text
from tests.conftest import PASSWORD

# A TJ array that moves the next glyphs by more than half an em: the gap justification puts at a space.
JUSTIFIED_GAP = re.compile(rb"\)\s*-(\d{3,}(?:\.\d+)?)\s*\(")


def report_pdf(accession_env: dict[str, Path], make_sip: Any, archivist: Any) -> bytes:
    archivist.first_name = "张三档案员"
    archivist.save()
    # Many items with long titles: the report runs over several pages and its lines wrap.
    items = default_items(24)
    for item in items:
        item.title = f"关于进一步做好脱贫攻坚档案工作的通知 {item.number} 号 （附件：工作方案、责任分工表）"
        item.pages = 99  # every row fails YJ-1-10: a long list of evidence lines
    transfer = do_receive(archivist, make_sip(items))
    report = do_check(archivist, transfer)
    do_sign_item(archivist, report.items.get(code="YJ-4-5"), CheckResult.PASS, "光盘外观完好，标签清楚")
    client = Client()
    assert client.login(username=archivist.username, password=PASSWORD)
    response = client.get(reverse("accession:report_pdf", args=[report.uuid]))
    assert response.status_code == 200 and response["Content-Type"] == "application/pdf"
    return response.content


def test_the_report_is_pdf_a_2b(accession_env: dict[str, Path], make_sip: Any, fonds: Any, archivist: Any) -> None:
    data = report_pdf(accession_env, make_sip, archivist)
    reader = PdfReader(io.BytesIO(data))
    assert data.startswith(b"%PDF-1.7")
    xmp = reader.trailer["/Root"]["/Metadata"].get_object().get_data().decode("utf-8")
    assert "<pdfaid:part>2</pdfaid:part>" in xmp and "<pdfaid:conformance>B</pdfaid:conformance>" in xmp
    assert "电子档案四性检测报告" in xmp  # dc:title, as the document information says
    (intent,) = [i.get_object() for i in reader.trailer["/Root"]["/OutputIntents"]]
    assert intent["/S"] == "/GTS_PDFA1" and intent["/OutputConditionIdentifier"] == "sRGB"
    profile = intent["/DestOutputProfile"].get_object()
    assert profile["/N"] == 3 and profile.get_data()[36:40] == b"acsp"  # an ICC profile
    assert "/ID" in reader.trailer and "/Encrypt" not in reader.trailer
    fonts = 0
    for page in reader.pages:
        for font in page["/Resources"]["/Font"].values():
            font = font.get_object()
            descendant = font["/DescendantFonts"][0].get_object() if "/DescendantFonts" in font else font
            descriptor = descendant["/FontDescriptor"].get_object()
            assert "/FontFile2" in descriptor or "/FontFile3" in descriptor, font["/BaseFont"]
            fonts += 1
    assert fonts >= 2 * len(reader.pages)  # regular and bold on every page, each embedded


def test_the_report_reads_as_a_signed_record(
    accession_env: dict[str, Path], make_sip: Any, fonds: Any, archivist: Any
) -> None:
    data = report_pdf(accession_env, make_sip, archivist)
    pages = len(PdfReader(io.BytesIO(data)).pages)
    assert pages >= 2
    text = pdf_text(data)
    for number in range(1, pages + 1):
        assert f"第 {number} 页，共 {pages} 页" in text.split("\f")[number - 1]
    assert "检测人：张三档案员" in text and "签署：张三档案员" in text
    assert "archivist" not in text  # the user name is the account's, not the person's
    last = text.split("\f")[pages - 1]
    for label in ("检测人：", "审核人：", "接收人：", "签字：", "日期："):
        assert label in last
    for stream in page_streams(data):
        assert not JUSTIFIED_GAP.search(stream), JUSTIFIED_GAP.search(stream)
