"""The check report as a PDF (fpdf2, the Noto Sans CJK fonts installed by ``make system-deps``; DANGAN_REPORT_FONT
names another font file)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.conf import settings
from django.utils import timezone

from dangan.accession.models import CheckReport

FONT_CANDIDATES = (
    ("/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc", "/usr/share/fonts/opentype/noto/NotoSansCJK-Bold.ttc"),
    ("/usr/share/fonts/noto-cjk/NotoSansCJK-Regular.ttc", "/usr/share/fonts/noto-cjk/NotoSansCJK-Bold.ttc"),
)
TTC_SC = 2  # Noto Sans CJK SC in the collection
EVIDENCE_SHOWN = 50


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


def render_report_pdf(report: CheckReport) -> bytes:
    """The report of one check, in Chinese: the package, the verdict, every item with its result, the evidence of
    each failed item and the signatures of the manual ones."""
    from fpdf import FPDF
    from fpdf.enums import XPos, YPos

    regular, bold, index = _fonts()
    pdf = FPDF(format="A4")
    pdf.set_auto_page_break(True, margin=15)
    pdf.add_font("cjk", fname=regular, collection_font_number=index)
    pdf.add_font("cjk", style="B", fname=bold, collection_font_number=index)
    pdf.set_title("四性检测报告")
    pdf.add_page()
    transfer = report.transfer
    pdf.set_font("cjk", "B", 16)
    pdf.cell(0, 10, "电子档案四性检测报告（DA/T 70-2018 移交与接收）", new_x=XPos.LMARGIN, new_y=YPos.NEXT)
    pdf.set_font("cjk", "", 10)
    facts = report.facts or {}
    lines = [
        ("结论", report.get_verdict_display()),
        ("移交", f"{transfer} （{transfer.uuid}）" if transfer else "—"),
        ("移交单位", (transfer.transferring_unit if transfer else "") or facts.get("source_organization", "")),
        ("全宗", facts.get("fonds", "")),
        (
            "信息包",
            f"{facts.get('payload_files', 0)} 个文件，{facts.get('payload_bytes', 0)} 字节，{facts.get('items') or 0} 件",
        ),
        ("检测时间", timezone.localtime(report.created).strftime("%Y-%m-%d %H:%M:%S")),
        ("检测人", report.checked_by_name or "—"),
        (
            "统计",
            f"通过 {report.passed}，不通过 {report.failed}，人工 {report.manual}，不适用 {report.not_applicable}，未检测 {report.not_performed}",
        ),
    ]
    for label, value in lines:
        pdf.multi_cell(0, 6, f"{label}：{value}", new_x=XPos.LMARGIN, new_y=YPos.NEXT)
    pdf.ln(3)
    items = list(report.items.all())
    with pdf.table(
        col_widths=(18, 14, 42, 16, 90), text_align="LEFT", line_height=5, first_row_as_headings=True
    ) as table:
        head = table.row()
        for text in ("编号", "属性", "检测项目", "结果", "说明"):
            head.cell(text)
        for item in items:
            row = table.row()
            result = item.get_result_display()
            if item.signed_result:
                result += f"（签署：{item.get_signed_result_display()}）"
            for text in (item.code, item.get_property_display(), item.name, result, item.summary):
                row.cell(str(text))
    for item in items:
        if item.effective_result != "fail" and not item.signed_result:
            continue
        pdf.ln(3)
        pdf.set_font("cjk", "B", 11)
        pdf.multi_cell(
            0, 6, f"{item.code} {item.name}：{item.get_result_display()}", new_x=XPos.LMARGIN, new_y=YPos.NEXT
        )
        pdf.set_font("cjk", "", 9)
        if item.signed_result:
            when = timezone.localtime(item.signed_at).strftime("%Y-%m-%d %H:%M") if item.signed_at else ""
            pdf.multi_cell(
                0,
                5,
                f"签署：{item.signed_by_name} {when} {item.get_signed_result_display()} {item.signed_note}",
                new_x=XPos.LMARGIN,
                new_y=YPos.NEXT,
            )
        for evidence in item.evidence[:EVIDENCE_SHOWN]:
            pdf.multi_cell(0, 5, "· " + evidence_line(evidence), new_x=XPos.LMARGIN, new_y=YPos.NEXT)
        if item.evidence_count > EVIDENCE_SHOWN:
            pdf.multi_cell(
                0, 5, f"…… 另有 {item.evidence_count - EVIDENCE_SHOWN} 处", new_x=XPos.LMARGIN, new_y=YPos.NEXT
            )
    return bytes(pdf.output())


def evidence_line(evidence: dict[str, Any]) -> str:
    parts = [evidence.get("file", "")]
    if evidence.get("row"):
        parts.append(f"第 {evidence['row']} 行")
    if evidence.get("field"):
        parts.append(f"[{evidence['field']}]")
    if evidence.get("value"):
        parts.append(f"“{evidence['value']}”")
    where = " ".join(p for p in parts if p)
    return f"{where}：{evidence['message']}" if where else evidence["message"]
