"""Catalog import, first step: each row of the table parsed into unit values and checked on its own (dates,
choices, text, 档号 against the pattern in force), each bad cell recorded with the DA/T 70 item it fails.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterable, Iterator
from dataclasses import asdict, dataclass
from typing import Any

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

from dangan.catalog.choices import Openness, SecurityClassification, UnitLevel
from dangan.catalog.models import ArchivalUnit, Fonds, RecordCategory
from dangan.catalog.refcodes import CodePattern
from dangan.catalog.tabular import (
    CellError,
    HeaderMap,
    cell_text,
    chinese_label,
    code_text,
    fold,
    parse_choice,
    parse_date,
    parse_int,
    unguard,
)
from dangan.catalog.validation import date_problem, max_length, text_problem, year_problem
from dangan.utilities.models import field_label
from dangan.utilities.text import find_bad_characters, is_plain_text, special_character_problem

from .configuration import pattern_for
from .units import parse_reference_code

CHUNK = 900  # stays under SQLite's 999 variables per statement
MAX_PAGES = 100_000

TEXT_FIELDS = ("document_number", "responsible", "title", "remarks", "physical_location", "extent", "notes")
DEFAULTS: dict[str, Any] = {
    "reference_code": None,
    "document_number": "",
    "responsible": "",
    "title": "",
    "date": None,
    "date_precision": "",
    "page_count": None,
    "classification": SecurityClassification.PUBLIC.value,  # DA/T 22: 非密 documents leave 密级 blank
    "remarks": "",
    "category_id": None,
    "year": None,
    "retention": "",
    "organization": "",
    "item_number": None,
    "level": UnitLevel.ITEM.value,
    "openness": Openness.PENDING.value,
    "extent": "",
    "physical_location": "",
    "notes": "",
}
# Header key → the unit fields it states (compared when deciding whether an existing unit is unchanged).
STATES: dict[str, tuple[str, ...]] = {
    "date": ("date", "date_precision"),
    "category": ("category_id",),
    **{key: (key,) for key in DEFAULTS if key not in ("date", "date_precision", "category_id", "reference_code")},
}
CODE_PARTS = (
    ("year", "year", int),
    ("retention", "retention", str),
    ("org", "organization", str),
    ("item", "item_number", int),
)
EXISTING_FIELDS = (*DEFAULTS, "id", "parent_id", "fonds_id", "depth")
SUBJECT_SEPARATORS = str.maketrans({c: " " for c in ";；,，、/|\n\t"})


@dataclass
class RowError:
    """One problem in one cell (or row) of the file, as the spreadsheet numbers and labels it."""

    row: int
    column: str
    value: str
    reason: str
    code: str = ""  # the DA/T 70 item, e.g. "1-6"

    def line(self) -> str:
        value = self.value if len(self.value) <= 60 else self.value[:60] + "…"
        for bad in find_bad_characters(value):
            value = value.replace(chr(int(bad[2:], 16)), f"⟨{bad}⟩")
        return _("第 %(row)d 行 [%(column)s] “%(value)s”：%(reason)s") % {
            "row": self.row,
            "column": self.column,
            "value": value,
            "reason": self.reason,
        }

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


@dataclass(slots=True, eq=False)
class PlannedRow:
    number: int
    values: dict[str, Any]
    given: frozenset[str]
    subjects: list[str] | None = None  # None: the file has no 主题词 column
    sequence: str = ""
    parent_code: str = ""
    parent_sequence: str = ""
    parent_index: int | None = None  # the parent is another row of this file …
    parent_id: int | None = None  # … or a unit already in the database
    existing: dict[str, Any] | None = None  # the unit with this row's 档号, if any
    existing_id: int | None = None  # set when the row is that unit, unchanged
    depth: int = 0
    bad: bool = False


def chunks(items: Iterable[Any], size: int = CHUNK) -> Iterator[list[Any]]:
    batch: list[Any] = []
    for item in items:
        batch.append(item)
        if len(batch) == size:
            yield batch
            batch = []
    if batch:
        yield batch


def checked_text(field_name: str, text: str, limit: int) -> str:
    """``text``, or CellError when it has special characters — control or private-use characters, or text garbled
    by a wrong encoding (DA/T 70 1-6) — or is too long (1-2)."""
    if len(text) <= limit and is_plain_text(text):
        return text  # plain printable text within the limit needs no closer look
    if problem := special_character_problem(text):
        raise CellError(problem, "1-6")
    if problem := text_problem(field_name, text):
        raise CellError(problem, "1-2")
    return text


def subject_terms(value: Any) -> list[str]:
    """主题词 separated by spaces (DA/T 18), "；", "，", "、" or new lines; duplicates dropped."""
    return list(dict.fromkeys(cell_text(value).translate(SUBJECT_SEPARATORS).split()))


# ---------------------------------------------------------------- parsing rows


class RowParser:
    """Turns the cells of one row into unit values, recording each bad cell."""

    def __init__(self, fonds: Fonds, header: HeaderMap, errors: list[RowError], visible: list[str] | None) -> None:
        self.fonds = fonds
        self.header = header
        self.errors = errors
        self.visible = visible  # 密级 levels the importing person may see; None: the console sees all
        self.fonds_code = fonds.code.upper()
        self.categories = category_lookup()
        self.categories_by_pk = {c.pk: c for c in self.categories.values()}
        self.patterns: dict[int | None, CodePattern] = {}
        self.given = frozenset(f for key in header.columns for f in STATES.get(key, ()))
        self.limits = {f: max_length(f) or 10**9 for f in (*TEXT_FIELDS, "organization", "reference_code")}
        self.today = dt.date.today()
        self.handlers: dict[str, Callable[[PlannedRow, Any], None]] = {
            **{f: self._text_handler(f) for f in TEXT_FIELDS},
            "organization": self._organization,
            "reference_code": self._reference_code,
            "date": self._date,
            "classification": self._choice_handler("classification"),
            "retention": self._choice_handler("retention"),
            "openness": self._choice_handler("openness"),
            "level": self._choice_handler("level"),
            "page_count": self._page_count,
            "category": self._category,
            "year": self._year,
            "item_number": self._item_number,
            "parent_code": self._parent_code,
            "parent_sequence": self._parent_sequence,
            "sequence": self._sequence,
            "subjects": self._subjects,
            "fonds_code": self._fonds_code,
        }
        self.columns = [(index, key, header.headers[key], self.handlers[key]) for key, index in header.columns.items()]

    def error(self, row: PlannedRow, column: str, value: Any, reason: str, code: str = "") -> None:
        row.bad = True
        self.errors.append(RowError(row.number, column, cell_text(value), reason, code))

    def parse(self, number: int, cells: list[Any]) -> PlannedRow | None:
        """The row, or None when it is blank (apart perhaps from a pre-printed 序号)."""
        width = len(cells)
        row = PlannedRow(number, dict(DEFAULTS), self.given, [] if "subjects" in self.header else None)
        content = False
        failed: set[str] = set()
        for index, key, column, handler in self.columns:
            if index >= width:
                continue
            value = cells[index]
            if value is None or value == "" or (value.__class__ is str and value.isspace()):
                continue
            if value.__class__ is str and value[0] == "'":
                value = unguard(value)  # a formula guard our own export added (utilities.spreadsheets)
            content = content or key != "sequence"
            try:
                handler(row, value)
            except CellError as exc:
                failed.add(key)
                self.error(row, column, value, exc.reason, exc.code)
        if not content:
            return None
        self._finish(row, failed)
        return row

    # -- cells

    def _text_handler(self, field_name: str) -> Callable[[PlannedRow, Any], None]:
        limit = self.limits[field_name]

        def handle(row: PlannedRow, value: Any) -> None:
            text = value.strip() if isinstance(value, str) else cell_text(value)
            row.values[field_name] = checked_text(field_name, text, limit)

        return handle

    def _organization(self, row: PlannedRow, value: Any) -> None:
        text = fold(cell_text(value))
        row.values["organization"] = checked_text("organization", text, self.limits["organization"])

    def _reference_code(self, row: PlannedRow, value: Any) -> None:
        code = code_text(value)
        row.values["reference_code"] = checked_text("reference_code", code, self.limits["reference_code"]) or None

    def _date(self, row: PlannedRow, value: Any) -> None:
        date, precision = parse_date(value)
        if problem := date_problem(date, self.today):
            raise CellError(problem, "1-5")
        row.values["date"] = date
        row.values["date_precision"] = precision

    def _choice_handler(self, kind: str) -> Callable[[PlannedRow, Any], None]:
        def handle(row: PlannedRow, value: Any) -> None:
            row.values[kind] = parse_choice(kind, value)

        return handle

    def _page_count(self, row: PlannedRow, value: Any) -> None:
        pages = parse_int(value, "页")
        if pages < 0:
            raise CellError(_("页数不能为负数"), "1-5")
        if pages > MAX_PAGES:
            raise CellError(_("页数应为 0 到 100000 之间的整数"), "1-5")
        row.values["page_count"] = pages

    def _category(self, row: PlannedRow, value: Any) -> None:
        category = self.categories.get(code_text(value).upper())
        if category is None:
            known = "、".join(sorted({f"{c.code} {c.name}" for c in self.categories.values()}))
            raise CellError(_("未定义的档案门类（已定义：%(known)s）") % {"known": known}, "1-4")
        row.values["category_id"] = category.pk

    def _year(self, row: PlannedRow, value: Any) -> None:
        row.values["year"] = parse_int(value, "年")

    def _item_number(self, row: PlannedRow, value: Any) -> None:
        number = parse_int(value, "号")
        if number < 1:
            raise CellError(_("件号应为正整数"), "1-5")
        row.values["item_number"] = number

    def _parent_code(self, row: PlannedRow, value: Any) -> None:
        row.parent_code = code_text(value)

    def _parent_sequence(self, row: PlannedRow, value: Any) -> None:
        row.parent_sequence = code_text(value)

    def _sequence(self, row: PlannedRow, value: Any) -> None:
        row.sequence = code_text(value)

    def _subjects(self, row: PlannedRow, value: Any) -> None:
        terms = subject_terms(value)
        for term in terms:
            if problem := special_character_problem(term):
                raise CellError(problem, "1-6")
            if len(term) > 100:
                raise CellError(_("主题词“%(term)s”超过 100 字") % {"term": term[:20]}, "1-2")
        row.subjects = terms

    def _fonds_code(self, row: PlannedRow, value: Any) -> None:
        if code_text(value).upper() != self.fonds_code:
            raise CellError(
                _("全宗号与所选全宗 %(fonds)s 不符") % {"fonds": self.fonds.code},
                "1-9",
            )

    # -- the row as a whole

    def _finish(self, row: PlannedRow, failed: set[str]) -> None:
        """Checks across cells; a cell already reported is not reported again through another."""
        values = row.values
        if not values["title"] and "title" not in failed:
            self.error(row, self.header.headers.get("title", _("题名")), "", _("题名不能为空"), "2-4")
        if values["reference_code"]:
            self._check_code(row)
        if problem := year_problem(values["year"], values["date"]):
            column = self.header.headers.get("year") or self.header.headers.get("reference_code", _("年度"))
            self.error(row, column, values["year"], problem, "1-5")
        if self.visible is not None and values["classification"] not in self.visible:
            label = chinese_label(SecurityClassification, values["classification"])
            self.error(
                row,
                self.header.headers.get("classification", _("密级")),
                label,
                _("密级“%(level)s”超出您可查看的范围，不能由您导入") % {"level": label},
            )

    def pattern(self, category_id: int | None) -> CodePattern:
        if category_id not in self.patterns:
            category = RecordCategory.objects.get(pk=category_id) if category_id else None
            self.patterns[category_id] = pattern_for(self.fonds, category)
        return self.patterns[category_id]

    def _check_code(self, row: PlannedRow) -> None:
        """The 档号 fits the pattern in force and the fonds; its parts fill or must agree with the fields."""
        values = row.values
        code = values["reference_code"]
        column = self.header.headers["reference_code"]
        parts = self.pattern(values["category_id"]).parse(code)
        if values["category_id"] is None and parts and "category" in parts:
            category = self.categories.get(parts["category"].upper())
            if category is None:
                self.error(
                    row, column, code, _("档号中的门类代码 %(code)s 未定义") % {"code": parts["category"]}, "1-4"
                )
                return
            values["category_id"] = category.pk
            parts = self.pattern(category.pk).parse(code)
        if parts is None or not self._parts_fit(parts, values["category_id"]):
            # The slow path gives the same verdict with its message (pattern, fonds or category).
            category = RecordCategory.objects.filter(pk=values["category_id"]).first()
            try:
                parts = parse_reference_code(self.fonds, category, code)
            except ValidationError as exc:
                self.error(row, column, code, exc.messages[0], "1-7")
                return
        stated = set()
        for part, field_name, cast in CODE_PARTS:
            if part not in parts:
                continue
            value = cast(parts[part])
            current = values[field_name]
            if current not in (None, "") and current != value:
                label = field_label(ArchivalUnit, field_name)
                reason = _("档号中的%(label)s %(code_value)s 与著录的 %(value)s 不一致") % {
                    "label": label,
                    "code_value": value,
                    "value": current,
                }
                self.error(row, column, code, reason, "1-7")
                return
            values[field_name] = value
            stated.add(field_name)
        if stated - row.given:
            row.given = row.given | stated

    def _parts_fit(self, parts: dict[str, str] | None, category_id: int | None) -> bool:
        if not parts or parts.get("fonds", "").upper() != self.fonds_code:
            return False
        if category_id is not None and "category" in parts:
            return parts["category"].upper() == self.categories_by_pk[category_id].code.upper()
        return True


def category_lookup() -> dict[str, RecordCategory]:
    """门类 by code or name (upper-cased): "WS", "文书", "文书档案"."""
    table: dict[str, RecordCategory] = {}
    for category in RecordCategory.objects.all():
        for key in (category.name, f"{category.name}档案", category.code):
            table[key.upper()] = category
    return table
