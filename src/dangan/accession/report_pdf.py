"""The check report as a PDF/A-2b document (fpdf2): the Noto Sans CJK fonts installed by ``make system-deps``
(DANGAN_REPORT_FONT names another file) embedded, an sRGB output intent and XMP metadata with the PDF/A
identification, so the report can itself be kept as an archival record.

Chinese lines are set ragged-right and broken between any two characters (never justified: that spread the few
spaces of a line into wide gaps). Each page is numbered; the last one ends with the signature block. People are
named by their names, not their user names. The findings are those the reader may see (actions.access); the
others are counted.
"""

from __future__ import annotations

import unicodedata
from pathlib import Path
from typing import Any

from django.conf import settings
from django.utils import timezone

from dangan.accession.choices import CheckResult
from dangan.accession.models import CheckReport
from dangan.core.actors import Actor

from .actions.checking import effective_counts
from .actions.reports import ItemView, item_views

FONT_CANDIDATES = (
    ("/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc", "/usr/share/fonts/opentype/noto/NotoSansCJK-Bold.ttc"),
    ("/usr/share/fonts/noto-cjk/NotoSansCJK-Regular.ttc", "/usr/share/fonts/noto-cjk/NotoSansCJK-Bold.ttc"),
)
TTC_SC = 2  # Noto Sans CJK SC in the collection
EVIDENCE_SHOWN = 50
TITLE = "电子档案四性检测报告"
SIGNATURE_ROLES = ("检测人", "审核人", "接收人")


class FontMissing(RuntimeError):
    pass


def _fonts() -> tuple[str, str, int]:
    configured = getattr(settings, "REPORT_FONT", "")
    if configured:
        return configured, configured, TTC_SC if configured.endswith(".ttc") else 0
    for regular, bold in FONT_CANDIDATES:
        if Path(regular).is_file():
            return regular, bold if Path(bold).is_file() else regular, TTC_SC
    raise FontMissing("找不到中文字体（Noto Sans CJK）：请运行 make system-deps 或设置 DANGAN_REPORT_FONT")


def printable(text: str) -> str:
    """``text`` with each character no font can draw (a control, private-use or unassigned character) written as
    ⟨U+XXXX⟩: the reader sees it is there, and the PDF references no missing glyph (PDF/A forbids .notdef)."""
    return "".join(
        f"⟨U+{ord(c):04X}⟩" if unicodedata.category(c) in ("Cc", "Co", "Cn", "Cs") and c not in "\n\t" else c
        for c in text
    )


def person(account: Any, stored: str) -> str:
    """The name to print: as stored at the time (a full name since names are stored), or, for a report stored with
    a user name, the account's full name when it has one."""
    if account is not None and stored == account.get_username():
        return str(account.get_full_name() or "").strip() or stored
    return stored or "—"


def _document(title: str) -> Any:
    from fpdf import FPDF
    from fpdf.enums import Align, OutputIntentSubType
    from fpdf.output import PDFICCProfile
    from fpdf.util import builtin_srgb2014_bytes

    class ReportPDF(FPDF):
        def footer(self) -> None:
            self.set_y(-12)
            self.set_font("cjk", "", 8)
            self.cell(0, 6, f"{title} · 第 {self.page_no()} 页，共 {{nb}} 页", align=Align.C)

    pdf = ReportPDF(format="A4", enforce_compliance="PDF/A-2B")
    pdf.add_output_intent(
        OutputIntentSubType.PDFA,
        output_condition_identifier="sRGB",
        output_condition="IEC 61966-2-1:1999",
        registry_name="http://www.color.org",
        dest_output_profile=PDFICCProfile(contents=builtin_srgb2014_bytes(), n=3, alternate="DeviceRGB"),
        info="sRGB2014 (v2)",
    )
    return pdf


def render_report_pdf(report: CheckReport, viewer: Actor) -> bytes:
    """The report of one check, in Chinese, as ``viewer`` may read it: the package, the verdict, every item with
    its result, the evidence of each failed or signed item, the signatures, and a block for handwritten ones."""
    from fpdf.enums import Align, WrapMode, XPos, YPos

    regular, bold, index = _fonts()
    pdf = _document(TITLE)
    pdf.set_auto_page_break(True, margin=18)
    pdf.add_font("cjk", fname=regular, collection_font_number=index)
    pdf.add_font("cjk", style="B", fname=bold, collection_font_number=index)
    transfer = report.transfer
    institution = transfer.fonds.institution.name if transfer and transfer.fonds and transfer.fonds.institution else ""
    pdf.set_title(TITLE)
    pdf.set_subject("DA/T 70-2018 移交与接收")
    pdf.set_author(institution or "dangan")
    pdf.set_creator("dangan")
    pdf.set_lang("zh-CN")
    pdf.add_page()

    def line(text: str, height: float = 6) -> None:
        pdf.multi_cell(
            0, height, printable(text), align=Align.L, wrapmode=WrapMode.CHAR, new_x=XPos.LMARGIN, new_y=YPos.NEXT
        )

    pdf.set_font("cjk", "B", 16)
    line(f"{TITLE}（DA/T 70-2018 移交与接收）", 10)
    pdf.set_font("cjk", "", 10)
    facts = report.facts or {}
    tally = effective_counts(report)
    checker = person(report.checked_by, report.checked_by_name)
    for label, value in (
        ("档案馆", institution or "—"),
        ("结论", report.get_verdict_display()),
        ("移交", f"{transfer} （{transfer.uuid}）" if transfer else "—"),
        ("移交单位", (transfer.transferring_unit if transfer else "") or facts.get("source_organization", "") or "—"),
        ("全宗", facts.get("fonds", "") or "—"),
        (
            "信息包",
            f"{facts.get('payload_files', 0)} 个文件，{facts.get('payload_bytes', 0)} 字节，{facts.get('items') or 0} 件",
        ),
        ("检测时间", timezone.localtime(report.created).strftime("%Y-%m-%d %H:%M:%S")),
        ("检测人", checker),
        (
            "统计",
            f"通过 {tally[CheckResult.PASS]}，不通过 {tally[CheckResult.FAIL]}，待人工 {tally['unsigned']}，"
            f"人工已签署 {tally['signed']}，不适用 {tally[CheckResult.NOT_APPLICABLE]}，"
            f"未检测 {tally[CheckResult.NOT_PERFORMED]}",
        ),
    ):
        line(f"{label}：{value}")
    pdf.ln(3)
    views = item_views(viewer, report)
    with pdf.table(
        col_widths=(18, 14, 40, 26, 82),
        text_align="LEFT",
        line_height=5,
        first_row_as_headings=True,
        wrapmode=WrapMode.CHAR,
    ) as table:
        head = table.row()
        for text in ("编号", "属性", "检测项目", "结果", "说明"):
            head.cell(text)
        for view in views:
            item = view.item
            result = item.get_result_display()
            if item.signed_result:
                result += f"（签署：{item.get_signed_result_display()}）"
            row = table.row()
            for text in (item.code, item.get_property_display(), item.name, result, item.summary):
                row.cell(printable(str(text)))
    for view in views:
        _evidence(pdf, view, line)
    _signatures(pdf, checker, line)
    return bytes(pdf.output())


def _evidence(pdf: Any, view: ItemView, line: Any) -> None:
    item = view.item
    if item.effective_result != CheckResult.FAIL and not item.signed_result:
        return
    pdf.ln(3)
    pdf.set_font("cjk", "B", 11)
    line(f"{item.code} {item.name}：{item.get_result_display()}")
    pdf.set_font("cjk", "", 9)
    if item.signed_result:
        when = timezone.localtime(item.signed_at).strftime("%Y-%m-%d %H:%M") if item.signed_at else ""
        signer = person(item.signed_by, item.signed_by_name)
        line(f"签署：{signer} {when} {item.get_signed_result_display()} {item.signed_note}".strip(), 5)
    for evidence in view.evidence.shown[:EVIDENCE_SHOWN]:
        line("· " + evidence_line(evidence), 5)
    more = max(0, len(view.evidence.shown) - EVIDENCE_SHOWN) + view.evidence.unlisted
    if more:
        line(f"…… 另有 {more} 处", 5)
    if view.evidence.withheld:
        line(f"…… {view.evidence.withheld} 处依据涉及超出您可查看范围的密级，未列出", 5)


def _signatures(pdf: Any, checker: str, line: Any) -> None:
    """The block the people who checked and accepted sign by hand, kept together on one page."""
    from fpdf.enums import XPos, YPos

    needed = 16 + 12 * len(SIGNATURE_ROLES)
    if pdf.get_y() + needed > pdf.h - pdf.b_margin:
        pdf.add_page()
    pdf.ln(8)
    pdf.set_font("cjk", "B", 11)
    line("签字")
    pdf.set_font("cjk", "", 10)
    for role in SIGNATURE_ROLES:
        name = checker if role == "检测人" else ""
        pdf.ln(4)
        pdf.cell(22, 8, f"{role}：", new_x=XPos.RIGHT, new_y=YPos.TOP)
        pdf.cell(38, 8, name, border="B", new_x=XPos.RIGHT, new_y=YPos.TOP)
        pdf.cell(20, 8, "  签字：", new_x=XPos.RIGHT, new_y=YPos.TOP)
        pdf.cell(45, 8, "", border="B", new_x=XPos.RIGHT, new_y=YPos.TOP)
        pdf.cell(20, 8, "  日期：", new_x=XPos.RIGHT, new_y=YPos.TOP)
        pdf.cell(0, 8, "", border="B", new_x=XPos.LMARGIN, new_y=YPos.NEXT)


def evidence_line(evidence: dict[str, Any]) -> str:
    parts = [evidence.get("file", "")]
    if evidence.get("row"):
        parts.append(f"第 {evidence['row']} 行")
    if evidence.get("field"):
        parts.append(f"[{evidence['field']}]")
    if evidence.get("value"):
        parts.append(f"“{evidence['value']}”")
    where = " ".join(p for p in parts if p)
    return f"{where}：{evidence['message']}" if where else str(evidence["message"])
