"""What the access app holds about one reader, gathered from every part: for the reader's copy of their data
(个人信息查阅、复制) and for its erasure on request (删除).

Each part registers, in its hooks, a function that lists its rows about a reader as plain dicts
(``register_personal_data("requests", fn)``) and, where it keeps personal data of its own beyond the reader's
link, a function that blanks it (``register_erasure("requests", fn)``). The readers part registers its profile.
Erasure functions run inside ``do_erase_reader``'s transaction, before the account itself is blanked, with the
acting staff member as ``actor``; they must not delete rows the utilization statistics count.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

PersonalData = Callable[[Any], list[dict[str, Any]]]
Erasure = Callable[[Any], None]

_collectors: dict[str, PersonalData] = {}
_erasers: dict[str, Erasure] = {}


def register_personal_data(name: str, collect: PersonalData) -> None:
    """``collect(user)`` lists what part ``name`` holds about the reader ``user`` (JSON-serializable dicts)."""
    _collectors[name] = collect


def register_erasure(name: str, erase: Erasure) -> None:
    """``erase(user)`` blanks what part ``name`` holds about the reader ``user`` beyond its link to them."""
    _erasers[name] = erase


def personal_data_parts() -> list[str]:
    return list(_collectors)


def collect_personal_data(user: Any) -> dict[str, list[dict[str, Any]]]:
    """Every registered part's rows about ``user``, by part name, in registration order."""
    return {name: list(collect(user)) for name, collect in _collectors.items()}


def erase_personal_data(user: Any) -> list[str]:
    """Run every registered erasure for ``user``; returns the names of the parts erased."""
    for erase in _erasers.values():
        erase(user)
    return list(_erasers)
