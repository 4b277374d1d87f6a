"""Part stacks: what is printed for the stacks, as PDF (fpdf2, the Noto Sans CJK fonts ``make system-deps``
installs; DANGAN_REPORT_FONT names another file):

- box labels on A4 sheets of 2 × 5 labels of 99.1 × 57 mm (Avery L7165 / J8165 and their Chinese equivalents): the
  box's full code and name, the 档号 range of its units, how many, and a QR code (segno) of the box page's URL;
- spine labels 30 × 180 mm, six to an A4 sheet, with the same code, range and QR;
- the shelf list (排架目录) of a location: its units in order of place and 档号;
- the 卷内备考表 of a box (GB/T 9705: 本卷情况说明, 立卷人, 检查人, 立卷时间, 互见号);
- the 出库单 of a check-out, with lines for the signatures.

Every list shows only the units the reader may see (``catalog.policy``); a range and a count are over those. The
QR code is drawn as an image (its modules, one pixel each, scaled) and the same area links to the URL."""

from __future__ import annotations

import io
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.http import HttpRequest
from django.urls import reverse
from django.utils import timezone

from dangan.catalog.models import ArchivalUnit
from dangan.conservation.models import CheckOut, Location, Placement
from dangan.utilities.fonts import cjk_font, printable

# A4 2 × 5, 99.1 × 57 mm (L7165): the sheet's margins and gaps.
BOX_LABEL = {"width": 99.1, "height": 57.0, "columns": 2, "rows": 5, "left": 4.65, "top": 6.0, "gap_x": 2.5}
SPINE_LABEL = {"width": 30.0, "height": 180.0, "columns": 6, "left": 15.0, "top": 20.0, "gap_x": 0.0}


def box_url(location: Location, request: HttpRequest | None = None) -> str:
    """The absolute URL of a location's page, for its QR code: ``settings.LABEL_BASE_URL`` (DANGAN_LABEL_BASE_URL,
    the address phones reach) when set, else the request's host."""
    path = reverse("conservation:location", args=[location.full_code])
    base = str(getattr(settings, "LABEL_BASE_URL", "") or "").rstrip("/")
    if base:
        return base + path
    return request.build_absolute_uri(path) if request is not None else path


def qr_png(url: str) -> bytes:
    """The QR code of ``url`` (error correction M, no quiet zone: the label leaves one), one pixel a module."""
    import segno

    buffer = io.BytesIO()
    segno.make_qr(url, error="m").save(buffer, kind="png", scale=1, border=0)
    return buffer.getvalue()


@dataclass(frozen=True)
class BoxSummary:
    location: Location
    first: str
    last: str
    count: int

    @property
    def range(self) -> str:
        if not self.count:
            return "（空）"
        return self.first if self.first == self.last else f"{self.first} — {self.last}"


def _visible(user: Any) -> Any:
    from dangan.catalog.policy import visible_units

    return visible_units(user, ArchivalUnit.objects.all())


def box_summary(user: Any, location: Location) -> BoxSummary:
    """The 档号 range and the number of the units ``user`` may see on ``location`` and below it."""
    from dangan.conservation.actions.stacks import units_below

    codes = sorted(c or "" for c in units_below(location, user).values_list("reference_code", flat=True))
    shown = [c for c in codes if c]
    return BoxSummary(location, shown[0] if shown else "", shown[-1] if shown else "", len(codes))


def shelf_units(user: Any, location: Location) -> list[Placement]:
    """The placements on ``location`` and below it whose unit ``user`` may see, in shelf order."""
    from dangan.conservation.actions.stacks import subtree

    return list(
        Placement.objects.filter(location__in=subtree(location), unit__in=_visible(user))
        .select_related("unit", "location")
        .order_by("location__full_code", "unit__reference_code", "unit__pk")
    )


def _pdf(title: str, orientation: str = "P") -> Any:
    from fpdf import FPDF

    font = cjk_font()
    regular, index = font.regular, font.collection_index
    pdf = FPDF(orientation=orientation, format="A4")
    pdf.add_font("cjk", fname=regular, collection_font_number=index)
    pdf.add_font("cjk", style="B", fname=regular, collection_font_number=index)  # table headings
    pdf.set_title(title)
    pdf.set_creator("dangan")
    pdf.set_lang("zh-CN")
    pdf.set_auto_page_break(False)
    pdf.c_margin = 1
    return pdf


def _qr(pdf: Any, url: str, x: float, y: float, size: float) -> None:
    pdf.image(io.BytesIO(qr_png(url)), x=x, y=y, w=size, h=size)
    pdf.link(x, y, size, size, url)


def _text(pdf: Any, x: float, y: float, w: float, h: float, text: str, size: float) -> None:
    from fpdf.enums import Align, WrapMode

    pdf.set_font("cjk", "", size)
    pdf.set_xy(x, y)
    pdf.multi_cell(w, h, printable(text), align=Align.L, wrapmode=WrapMode.CHAR, max_line_height=h)


def _grid(pdf: Any, spec: dict[str, float], items: Sequence[Any], draw: Callable[[Any, float, float], None]) -> None:
    columns, rows = int(spec["columns"]), int(spec.get("rows", 1))
    per_page = columns * rows
    for n, item in enumerate(items):
        if n % per_page == 0:
            pdf.add_page()
        slot = n % per_page
        x = spec["left"] + (slot % columns) * (spec["width"] + spec["gap_x"])
        y = spec["top"] + (slot // columns) * spec["height"]
        draw(item, x, y)


def box_labels_pdf(user: Any, locations: Sequence[Location], url_of: Callable[[Location], str]) -> bytes:
    """Box labels, A4 2 × 5 (99.1 × 57 mm), one per location."""
    pdf = _pdf("档案盒标签")
    w, h = BOX_LABEL["width"], BOX_LABEL["height"]

    def draw(location: Location, x: float, y: float) -> None:
        summary = box_summary(user, location)
        pad, qr = 4.0, 36.0
        pdf.set_draw_color(200, 200, 200)
        pdf.rect(x, y, w, h)
        text_w = w - qr - 3 * pad
        _text(pdf, x + pad, y + pad, text_w, 8, location.full_code, 14)
        _text(pdf, x + pad, y + pad + 9, text_w, 5, location.name or location.get_kind_display(), 9)
        _text(pdf, x + pad, y + pad + 16, text_w, 4.5, "档号 " + (summary.first or "（空）"), 8)
        if summary.last != summary.first:
            _text(pdf, x + pad, y + pad + 25, text_w, 4.5, "至 " + summary.last, 8)
        _text(pdf, x + pad, y + h - pad - 5, text_w, 5, f"共 {summary.count} 件", 9)
        _qr(pdf, url_of(location), x + w - pad - qr, y + (h - qr) / 2, qr)

    _grid(pdf, BOX_LABEL, list(locations), draw)
    return bytes(pdf.output())


def spine_labels_pdf(user: Any, locations: Sequence[Location], url_of: Callable[[Location], str]) -> bytes:
    """Spine labels 30 × 180 mm, six to an A4 sheet."""
    pdf = _pdf("档案盒脊背标签")
    w, h = SPINE_LABEL["width"], SPINE_LABEL["height"]

    def draw(location: Location, x: float, y: float) -> None:
        summary = box_summary(user, location)
        pad, qr = 2.0, 24.0
        pdf.set_draw_color(200, 200, 200)
        pdf.rect(x, y, w, h)
        _text(pdf, x + pad, y + pad, w - 2 * pad, 5, location.full_code, 9)
        # The 档号 range reads along the spine (turned 90°, bottom to top), one line each for the first and last.
        lines = ["档号 " + (summary.first or "（空）")]
        if summary.last != summary.first:
            lines.append("至 " + summary.last)
        left, bottom = x + 8, y + h - pad - qr - 4
        with pdf.rotation(90, left, bottom):
            for n, text in enumerate(lines):
                _text(pdf, left, bottom + n * 6, 120, 5, text, 9)
        _text(pdf, x + pad, y + 12, w - 2 * pad, 4, f"共 {summary.count} 件", 8)
        _qr(pdf, url_of(location), x + (w - qr) / 2, y + h - pad - qr, qr)

    _grid(pdf, SPINE_LABEL, list(locations), draw)
    return bytes(pdf.output())


def _table(pdf: Any, widths: Sequence[float], head: Sequence[str], rows: Sequence[Sequence[str]]) -> None:
    from fpdf.enums import WrapMode

    pdf.set_font("cjk", "", 9)
    with pdf.table(col_widths=tuple(widths), text_align="LEFT", line_height=5, wrapmode=WrapMode.CHAR) as table:
        row = table.row()
        for text in head:
            row.cell(text)
        for values in rows:
            row = table.row()
            for text in values:
                row.cell(printable(str(text)))


def shelf_list_pdf(user: Any, location: Location) -> bytes:
    """排架目录: the units on ``location`` and below it, in shelf order."""
    pdf = _pdf("排架目录")
    pdf.set_auto_page_break(True, margin=15)
    pdf.add_page()
    _text(pdf, 15, 12, 180, 9, f"排架目录 {location.full_code} {location.name}".strip(), 15)
    _text(pdf, 15, 22, 180, 5, f"打印时间 {timezone.localtime():%Y-%m-%d %H:%M}", 9)
    pdf.set_xy(15, 30)
    placements = shelf_units(user, location)
    rows = [
        (str(n), p.location.full_code, p.unit.reference_code or "—", p.unit.title, str(p.unit.year or ""))
        for n, p in enumerate(placements, 1)
    ]
    _table(pdf, (10, 38, 48, 72, 12), ("序号", "位置", "档号", "题名", "年度"), rows)
    pdf.ln(4)
    pdf.set_font("cjk", "", 9)
    pdf.cell(0, 6, f"共 {len(rows)} 件")
    return bytes(pdf.output())


def note_sheet_pdf(user: Any, location: Location) -> bytes:
    """卷内备考表 of a box (GB/T 9705-2008 附录): the 档号 range, 本卷情况说明 (units and pages), and the lines for
    立卷人, 检查人 and 立卷时间 (filled in by hand), 互见号."""
    summary = box_summary(user, location)
    pages = sum(p.unit.page_count or 0 for p in shelf_units(user, location))
    pdf = _pdf("卷内备考表")
    pdf.add_page()
    _text(pdf, 15, 20, 180, 12, "卷内备考表", 20)
    _text(pdf, 15, 38, 180, 6, f"档号：{summary.range}", 11)
    _text(pdf, 15, 46, 180, 6, f"位置：{location.full_code} {location.name}".strip(), 11)
    pdf.set_draw_color(0, 0, 0)
    pdf.rect(15, 56, 180, 150)
    _text(pdf, 20, 60, 170, 6, "本卷情况说明：", 11)
    _text(pdf, 25, 70, 165, 6, f"本卷（盒）共 {summary.count} 件，{pages} 页。", 11)
    for n, label in enumerate(("立卷人：", "检查人：", "立卷时间：")):
        y = 215 + n * 14
        _text(pdf, 110, y, 30, 6, label, 11)
        pdf.line(135, y + 6, 195, y + 6)
    _text(pdf, 15, 260, 30, 6, "互见号：", 11)
    pdf.line(35, 266, 100, 266)
    return bytes(pdf.output())


SLIP_SIGNATURES = ("领取人签字", "出库经办人", "归还人签字", "入库经办人")


def checkout_slip_pdf(checkout: CheckOut) -> bytes:
    """出库单: what left, why, from where, until when, and four lines for the signatures."""
    unit = checkout.unit
    pdf = _pdf("档案出库单")
    pdf.add_page()
    _text(pdf, 15, 18, 180, 12, "档案出库单", 20)
    handed = checkout.handed_out_by
    rows = [
        ("档号", unit.reference_code or "—"),
        ("题名", unit.title),
        ("出库事由", checkout.get_purpose_display() + (f"（{checkout.reference}）" if checkout.reference else "")),
        ("原位置", checkout.taken_from.full_code if checkout.taken_from else "—"),
        ("出库时间", f"{timezone.localtime(checkout.checked_out_at):%Y-%m-%d %H:%M}"),
        ("应还日期", checkout.due.isoformat()),
        ("领取人", checkout.taken_by),
        ("出库经办人", (handed.get_full_name() or handed.get_username()) if handed else "控制台操作员"),
    ]
    if checkout.returned_at:
        rows += [
            ("入库时间", f"{timezone.localtime(checkout.returned_at):%Y-%m-%d %H:%M}"),
            ("归还人", checkout.returned_by),
            ("归还记录", checkout.return_note or "—"),
        ]
    pdf.set_xy(15, 36)
    _table(pdf, (40, 140), ("项目", "内容"), rows)
    y = max(pdf.get_y() + 15, 150)
    for n, label in enumerate(SLIP_SIGNATURES):
        yy = y + n * 16
        _text(pdf, 15, yy, 40, 6, label + "：", 11)
        pdf.line(50, yy + 6, 120, yy + 6)
        _text(pdf, 125, yy, 20, 6, "日期：", 11)
        pdf.line(140, yy + 6, 195, yy + 6)
    return bytes(pdf.output())
