"""The report of a restore drill (恢复演练报告) as a PDF (fpdf2) in Chinese, with the Noto Sans CJK fonts the project
installs (``make system-deps``; DANGAN_REPORT_FONT names another file): the target and where it was restored, the
key used (installed, or combined from custodians' shares), recovery time and recovery point, what was restored and
every failure by name — a record to file with the archives' disaster-recovery plan."""

from __future__ import annotations

from typing import Any

from django.utils import timezone

from dangan.replication.models import DrillRun
from dangan.utilities.fonts import FontMissing, cjk_font, printable

__all__ = ["FontMissing", "render_drill_pdf"]

TITLE = "异地备份恢复演练报告"
FAILURES_SHOWN = 200


def _duration(seconds: float | None) -> str:
    if seconds is None:
        return "—"
    whole = int(seconds)
    days, rest = divmod(whole, 86400)
    hours, rest = divmod(rest, 3600)
    minutes, secs = divmod(rest, 60)
    parts = [f"{days} 天"] if days else []
    parts.append(f"{hours:02d}:{minutes:02d}:{secs:02d}")
    return f"{' '.join(parts)}（{seconds:.3f} 秒）"


def _when(value: Any) -> str:
    return timezone.localtime(value).strftime("%Y-%m-%d %H:%M:%S") if value else "—"


def render_drill_pdf(run: DrillRun, failures: list[dict[str, str]] | None = None) -> bytes:
    """The drill's report as PDF bytes; ``failures``: as the reader may see them (default: as recorded, for the
    console)."""
    from fpdf import FPDF
    from fpdf.enums import Align, WrapMode, XPos, YPos

    font = cjk_font()
    regular, bold, index = font.regular, font.bold, font.collection_index

    class DrillPDF(FPDF):
        def footer(self) -> None:
            self.set_y(-12)
            self.set_font("cjk", "", 8)
            self.cell(0, 6, f"{TITLE} · 第 {self.page_no()} 页，共 {{nb}} 页", align=Align.C)

    pdf = DrillPDF(format="A4")
    pdf.set_auto_page_break(True, margin=18)
    pdf.add_font("cjk", fname=regular, collection_font_number=index)
    pdf.add_font("cjk", style="B", fname=bold, collection_font_number=index)
    pdf.set_title(TITLE)
    pdf.set_creator("dangan")
    pdf.set_lang("zh-CN")
    pdf.add_page()

    def line(text: str, height: float = 6) -> None:
        pdf.multi_cell(
            0, height, printable(text), align=Align.L, wrapmode=WrapMode.CHAR, new_x=XPos.LMARGIN, new_y=YPos.NEXT
        )

    pdf.set_font("cjk", "B", 16)
    line(TITLE, 10)
    pdf.set_font("cjk", "", 10)
    key = "由保管人份额组合（未安装）" if run.from_shares else "本节点已安装的主密钥"
    for label, value in (
        ("演练编号", str(run.pk)),
        ("类型", str(run.get_kind_display())),
        ("结论", str(run.get_state_display())),
        ("备份目标", f"{run.target.name}（{run.target.get_kind_display()}，{run.target.site or '—'}）"),
        ("范围", f"全宗 {run.fonds}" if run.fonds else "全部保存包"),
        ("恢复到", run.into),
        ("主密钥", f"{key}，编号 {run.key_id}"),
        ("发起人", run.started_by or "—"),
        ("开始时间", _when(run.started_at)),
        ("完成时间", _when(run.finished_at)),
        ("恢复时间（RTO）", _duration(run.recovery_time)),
        ("恢复点（RPO）", _duration(run.recovery_point)),
        ("最新恢复版本时间", _when(run.newest_version_at)),
        ("恢复对象", f"{run.objects_restored} 个"),
        ("恢复文件", f"{run.files_restored} 个（续做保留 {run.files_resumed} 个）"),
        ("恢复字节", f"{run.bytes_restored} 字节"),
        ("失败", f"{len(run.failures)} 项"),
    ):
        line(f"{label}：{value}")
    pdf.ln(4)
    pdf.set_font("cjk", "B", 11)
    line("失败明细" if run.failures else "失败明细：无（每个对象均已恢复，全部摘要与清单一致，OCFL 校验通过）")
    pdf.set_font("cjk", "", 9)
    listed = run.failures if failures is None else failures
    for number, failure in enumerate(listed[:FAILURES_SHOWN], 1):
        line(
            f"{number}. 对象 {failure.get('object', '')} · 文件 {failure.get('file', '') or '—'} · {failure.get('what', '')}"
        )
    if len(run.failures) > FAILURES_SHOWN:
        line(f"……另有 {len(run.failures) - FAILURES_SHOWN} 项，见工作台演练详情。")
    pdf.ln(6)
    pdf.set_font("cjk", "", 10)
    line("演练人：____________    审核人：____________    日期：____________")
    return bytes(pdf.output())
