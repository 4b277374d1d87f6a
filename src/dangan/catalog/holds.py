"""Holds on deleting units: higher apps tell the catalog which units they keep something for, without the catalog
importing them. Preservation registers one ("has a preserved package"); a held unit cannot simply be deleted, it
can only be disposed of (鉴定销毁, catalog.actions.disposals) with a reason and a second person's approval.

A hold is a function from unit ids to the ids it holds, so one query answers for many units.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass

from dangan.utilities.registry import Registry, StrOrPromise


@dataclass(frozen=True)
class DeletionHold:
    key: str
    label: StrOrPromise  # what the hold keeps, for people: 已长期保存（有保存包）
    held: Callable[[list[int]], set[int]]  # unit ids → the ones this hold keeps


deletion_holds = Registry[DeletionHold]("deletion holds")


def register_deletion_hold(hold: DeletionHold) -> DeletionHold:
    return deletion_holds.register(hold.key, hold)


def holds_on(unit_ids: Iterable[int]) -> dict[int, list[str]]:
    """For each held unit among ``unit_ids``, the keys of the holds on it (units without a hold are left out)."""
    ids = list(unit_ids)
    found: dict[int, list[str]] = {}
    if not ids:
        return found
    for hold in sorted(deletion_holds, key=lambda h: h.key):
        for unit_id in hold.held(ids):
            found.setdefault(unit_id, []).append(hold.key)
    return found


def hold_labels(keys: Iterable[str]) -> list[str]:
    """The labels of the holds named by ``keys`` (a key no longer registered is shown as it is)."""
    return [str(deletion_holds.get(k).label) if k in deletion_holds else k for k in keys]
