"""Safe cells for every export a person opens in a spreadsheet program (.csv, .xlsx).

A value that begins with ``=``, ``+``, ``-``, ``@``, a tab or a carriage return is read by Excel, WPS and LibreOffice
as a formula (``=HYPERLINK(…)``, ``+cmd|' /C calc'!A0``): a title typed by a transferring agency must never run in
the reader's spreadsheet. Every export writes its text cells through ``safe_text``; numbers and dates stay as they
are. (OWASP "CSV injection": prefix the cell with an apostrophe, which the spreadsheet shows as text.)
"""

from __future__ import annotations

from typing import Any

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def is_formula_like(value: str) -> bool:
    """Whether a spreadsheet program would read ``value`` as a formula."""
    return value.startswith(FORMULA_STARTS)


def safe_text(value: Any) -> Any:
    """``value`` made safe for a spreadsheet cell: text that would be read as a formula gets a leading apostrophe;
    anything that is not text (numbers, dates, None) is returned unchanged."""
    if isinstance(value, str) and is_formula_like(value):
        return "'" + value
    return value


def safe_row(values: list[Any]) -> list[Any]:
    """``safe_text`` applied to every cell of a row."""
    return [safe_text(value) for value in values]
