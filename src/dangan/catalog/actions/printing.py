"""The 归档文件目录 (DA/T 22) of a fonds or part of it, as a PDF to print: the nine columns 序号、档号、文号、责任者、
题名、日期、密级、页数、备注 on landscape A4, the fonds in the title, the headings repeated and the page numbered on
every page, text left-aligned (never justified). Only what the person may see (catalog.policy), audit-logged.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.core.exceptions import ValidationError
from django.db.models import QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from dangan.catalog.choices import SecurityClassification
from dangan.catalog.models import ArchivalUnit, Fonds
from dangan.core.actions.accounts import require_actor
from dangan.core.actors import account_of
from dangan.core.audit import log
from dangan.core.roles import Capability
from dangan.utilities.fonts import cjk_font

from .exporting import FETCH_CHUNK, ExportScope, choice_labels, tree_order, units_to_export
from .import_rows import chunks

# More than this many rows is a job for the .xlsx export, not for a printer (and a request would wait minutes).
PRINT_MAX_ROWS = 5000
COLUMNS = ("序号", "档号", "文号", "责任者", "题名", "日期", "密级", "页数", "备注")
# Landscape A4 is 297 mm; 10 mm margins leave 277 mm. 题名 gets the most room, numbers the least.
WIDTHS = (11, 44, 32, 36, 90, 17, 12, 11, 24)
ALIGN = ("CENTER", "LEFT", "LEFT", "LEFT", "LEFT", "CENTER", "CENTER", "CENTER", "LEFT")
SCOPE_LABELS = {
    ExportScope.FONDS: "全部档案",
    ExportScope.FILTER: "检索结果",
    ExportScope.SELECTION: "所选档案",
}


@dataclass
class PrintedCatalog:
    content: bytes
    rows: int


def print_catalog(
    actor: Any,
    fonds: Fonds,
    *,
    units: QuerySet[ArchivalUnit] | None = None,
    scope: str = ExportScope.FONDS,
) -> PrintedCatalog:
    """The 归档文件目录 of ``fonds`` (or of ``units``, part of it) as ``actor`` may see it, as a PDF; logged as
    ``catalog.print``. ValidationError when there is nothing to print or more than PRINT_MAX_ROWS rows."""
    require_actor(actor, Capability.CATALOG_VIEW)
    queryset = units_to_export(actor, fonds, units)
    order = tree_order(actor, queryset, whole=units is None).order
    if not order:
        raise ValidationError(_("没有可打印的档案。"))
    if len(order) > PRINT_MAX_ROWS:
        raise ValidationError(
            _("一次最多打印 %(limit)s 条（本次 %(count)s 条）：请先检索或勾选要打印的档案，或导出为 Excel。")
            % {"limit": f"{PRINT_MAX_ROWS:,d}", "count": f"{len(order):,d}"}
        )
    content = _render(actor, fonds, queryset, order, scope)
    log(fonds, "catalog.print", actor, {"format": "pdf", "rows": len(order), "scope": scope})
    return PrintedCatalog(content, len(order))


def _rows(queryset: QuerySet[ArchivalUnit], order: list[int]) -> list[tuple[str, ...]]:
    labels = choice_labels()[SecurityClassification]
    out: list[tuple[str, ...]] = []
    for chunk in chunks(order, FETCH_CHUNK):
        loaded = queryset.filter(id__in=chunk).in_bulk()
        for unit_id in chunk:
            unit = loaded[unit_id]
            # DA/T 22: 非密 documents leave 密级 blank.
            level = "" if unit.classification == SecurityClassification.PUBLIC else labels[unit.classification]
            out.append(
                (
                    str(len(out) + 1),
                    unit.reference_code or "",
                    unit.document_number,
                    unit.responsible,
                    unit.title,
                    unit.date_display,
                    level,
                    "" if unit.page_count is None else str(unit.page_count),
                    unit.remarks,
                )
            )
    return out


def _render(actor: Any, fonds: Fonds, queryset: QuerySet[ArchivalUnit], order: list[int], scope: str) -> bytes:
    from fpdf import FPDF
    from fpdf.enums import Align, XPos, YPos

    font = cjk_font()
    printed_by = account_of(actor)
    who = str(printed_by) if printed_by is not None else str(getattr(actor, "label", ""))
    when = timezone.localtime().strftime("%Y-%m-%d %H:%M")

    class CatalogPdf(FPDF):
        def footer(self) -> None:
            self.set_y(-10)
            self.set_font("cjk", "", 8)
            self.cell(0, 5, f"第 {self.page_no()} 页 共 {{nb}} 页", align=Align.C)

    pdf = CatalogPdf(orientation="landscape", format="A4")
    pdf.set_margins(MARGIN, MARGIN, MARGIN)
    pdf.set_auto_page_break(False)  # the table breaks its own pages, between rows
    pdf.alias_nb_pages()
    pdf.add_font("cjk", fname=font.regular, collection_font_number=font.collection_index)
    pdf.add_font("cjk", style="B", fname=font.bold, collection_font_number=font.collection_index)
    pdf.set_title(f"{fonds.code} {fonds.name} 归档文件目录")
    pdf.set_creator("dangan")
    pdf.add_page()
    pdf.set_font("cjk", "B", 15)
    pdf.cell(0, 9, "归档文件目录", align=Align.C, new_x=XPos.LMARGIN, new_y=YPos.NEXT)
    pdf.set_font("cjk", "", 9)
    facts = (
        f"全宗：{fonds.code} {fonds.name}　　范围：{SCOPE_LABELS.get(scope, scope)}，共 {len(order)} 条"
        f"　　打印：{when} {who}"
    )
    pdf.multi_cell(0, 5, facts, align=Align.L, new_x=XPos.LMARGIN, new_y=YPos.NEXT)
    pdf.ln(2)
    _Table(pdf).draw(_rows(queryset, order))
    return bytes(pdf.output())


MARGIN = 10
BOTTOM = 14  # room for the page number
LINE = 4.2  # mm per line of 8 pt text
PAD = 0.9


class _Table:
    """The nine columns drawn directly (fpdf2's table lays text out character by character in Python: a minute
    for 5,000 rows). Cells wrap at their width, left-aligned, never justified; the headings repeat on each page."""

    def __init__(self, pdf: Any) -> None:
        self.pdf = pdf
        self.widths: dict[str, float] = {}
        self.bottom = pdf.h - BOTTOM

    def width(self, text: str) -> float:
        total = 0.0
        widths, cw, size = self.widths, self.pdf.current_font.cw, self.pdf.font_size / 1000
        for char in text:
            if (w := widths.get(char)) is None:
                w = widths[char] = cw[ord(char)] * size
            total += w
        return total

    def wrap(self, text: str, room: float, most: int) -> list[str]:
        lines: list[str] = []
        for paragraph in text.splitlines() or [""]:
            line, used = "", 0.0
            for char in paragraph:
                w = self.width(char)
                if used + w > room and line:
                    lines.append(line)
                    line, used = "", 0.0
                line += char
                used += w
            lines.append(line)
        if len(lines) > most:  # a cell taller than a page is cut, visibly
            lines = [*lines[: most - 1], lines[most - 1][:-1] + "…"]
        return lines

    def row(self, values: tuple[str, ...], *, heading: bool = False) -> None:
        pdf = self.pdf
        most = int((self.bottom - MARGIN - 2 * LINE) / LINE)
        wrapped = [self.wrap(v, w - 2 * PAD, most) for v, w in zip(values, WIDTHS, strict=True)]
        height = max(len(lines) for lines in wrapped) * LINE + 2 * PAD
        if not heading and pdf.get_y() + height > self.bottom:
            pdf.add_page()
            self.heading()
        x, y = MARGIN, pdf.get_y()
        for lines, w, align in zip(wrapped, WIDTHS, ALIGN, strict=True):
            pdf.rect(x, y, w, height)
            for number, line in enumerate(lines):
                left = x + PAD if align == "LEFT" and not heading else x + (w - self.width(line)) / 2
                pdf.text(left, y + PAD + number * LINE + LINE * 0.74, line)
            x += w
        pdf.set_y(y + height)

    def heading(self) -> None:
        self.pdf.set_font("cjk", "B", 8)
        self.widths = {}
        self.row(COLUMNS, heading=True)
        self.pdf.set_font("cjk", "", 8)
        self.widths = {}

    def draw(self, rows: list[tuple[str, ...]]) -> None:
        self.heading()
        for values in rows:
            self.row(values)
