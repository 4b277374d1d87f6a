"""Part ead: exports of descriptions (EAD3 of a fonds, EAC-CPF of authority records) are recorded in the audit log
— who exported what, as whom (the view the file was limited to), and how much went out."""

from __future__ import annotations

from typing import Any

from django.contrib.auth.models import AnonymousUser

from dangan.catalog.models import Fonds
from dangan.core.actors import is_operator
from dangan.core.audit import log

__all__ = ["do_record_export", "viewer_label"]


def viewer_label(viewer: Any) -> str:
    """Whose view an export was limited to: an account's name, or 公众 (the public)."""
    if is_operator(viewer):
        return str(viewer.label)
    if isinstance(viewer, AnonymousUser) or not getattr(viewer, "is_authenticated", False):
        return "公众 public"
    return str(viewer.get_username())


def do_record_export(actor: Any, fonds: Fonds | None, data: dict[str, Any]) -> None:
    """Record that ``actor`` exported (``data``: format, as whom, how many records) — the fonds' EAD3, or (fonds
    None) EAC-CPF records."""
    log(fonds, "outreach.ead.export", actor, data)
