"""Who may read what of a transfer, and who may act on it — decided by ``catalog.policy``, like everything else.

The rule (docs/development/accession.md, "Visibility"):

- Every archivist with the accession capability sees the register: that a transfer exists, its unit, batch, status,
  counts and the result of each item. The evidence of a finding tied to a catalog row (its cells, its files) is
  shown only to a person who may see that row's 密级 (``catalog.policy.visible_classifications``); the others see how
  many findings were withheld, never what they say.
- Acting on a transfer — checking it again, signing a manual item, accepting, rejecting or returning it — is for a
  person who may see all of it: every row's 密级 (``Transfer.classification``, the highest, found by the check).
  Before the first check nothing of the rows is known, so that level is empty and does not restrict.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from django.core.exceptions import PermissionDenied
from django.utils.translation import gettext as _

from dangan.accession.checks.levels import HIGHEST, LEVEL_KEY
from dangan.accession.models import CheckItem, Transfer
from dangan.catalog.policy import visible_classifications
from dangan.core.actors import Actor, is_operator

from .common import require_accession


def may_see_level(actor: Actor, level: str) -> bool:
    """Whether ``actor`` may read what a row of 密级 ``level`` says ("" : no row, nothing to withhold)."""
    return not level or is_operator(actor) or level in visible_classifications(actor)


def may_act(actor: Actor, transfer: Transfer) -> bool:
    """Whether ``actor`` may see every row of ``transfer`` and so act on it (the rule behind every button)."""
    return may_see_level(actor, transfer.classification)


def check_may_act(actor: Actor, transfer: Transfer) -> None:
    require_accession(actor)
    if not may_act(actor, transfer):
        raise PermissionDenied(_("该移交含有密级超出您可查看的范围的档案，只能由有相应权限的人员处理。"))


@dataclass
class VisibleEvidence:
    """The findings of one item as a person may read them: those shown, and how many were withheld."""

    shown: list[dict[str, Any]] = field(default_factory=list)
    withheld: int = 0
    unlisted: int = 0  # beyond what a report stores (CheckItem.evidence_count counts them)


def visible_evidence(actor: Actor, item: CheckItem) -> VisibleEvidence:
    """``item``'s stored findings that ``actor`` may read. A finding stored before findings carried their 密级 and
    naming a row counts as the highest level (an old report reveals no row to anyone below it)."""
    result = VisibleEvidence()
    levels = set(visible_classifications(actor)) if not is_operator(actor) else None
    for evidence in item.evidence:
        level = evidence.get(LEVEL_KEY, HIGHEST if evidence.get("row") is not None else "")
        if level and levels is not None and level not in levels:
            result.withheld += 1
            continue
        result.shown.append({k: v for k, v in evidence.items() if k != LEVEL_KEY})
    result.unlisted = max(0, item.evidence_count - len(item.evidence))
    return result
