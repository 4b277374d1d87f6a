"""The register's entries as staff may read them (page, API and export alike): the reader's name and nothing else
personal, the unit's 档号 and title only where ``catalog.policy`` lets the viewer see the unit — a hidden unit's
entry reads "（无权查看）", no title, no 档号, no link, no note (which may name what the unit is about) — and who
served."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any
from uuid import UUID

from django.utils import timezone
from django.utils.translation import gettext as _

from dangan.catalog.models import ArchivalUnit
from dangan.catalog.policy import visible_units

from .models import UseRecord


def person_name(user: Any) -> str:
    """A person's name as the register shows it: the real name where known, else the account name."""
    if user is None:
        return ""
    return str(user.get_full_name() or user.get_username())


@dataclass(frozen=True)
class EntryRow:
    id: int
    at: dt.datetime
    kind: str
    kind_display: str
    channel: str
    channel_display: str
    purpose: str
    purpose_display: str
    reader: str
    fonds: str
    unit_uuid: UUID | None
    reference_code: str
    title: str
    hidden: bool  # an entry of a unit the viewer may not see
    pages: int
    staff: str
    source: str
    note: str

    @property
    def unit_text(self) -> str:
        if self.hidden:
            return _("（无权查看）")
        return f"{self.reference_code} {self.title}".strip()

    def as_dict(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "at": self.at,
            "kind": self.kind,
            "kind_display": self.kind_display,
            "channel": self.channel,
            "channel_display": self.channel_display,
            "purpose": self.purpose,
            "purpose_display": self.purpose_display,
            "reader": self.reader,
            "fonds": self.fonds,
            "unit": self.unit_uuid,
            "reference_code": self.reference_code,
            "title": self.title,
            "hidden": self.hidden,
            "pages": self.pages,
            "staff": self.staff,
            "source": self.source,
            "note": self.note,
        }


def present(entries: Iterable[UseRecord], viewer: Any) -> list[EntryRow]:
    """``entries`` (with reader, unit, fonds and staff selected) as ``viewer`` may read them."""
    entries = list(entries)
    unit_ids = {e.unit_id for e in entries if e.unit_id is not None}
    seen = (
        set(visible_units(viewer, ArchivalUnit.objects.filter(pk__in=unit_ids)).values_list("pk", flat=True))
        if unit_ids
        else set()
    )
    rows = []
    for e in entries:
        unit = e.unit
        hidden = unit is not None and unit.pk not in seen
        show = unit is not None and not hidden
        rows.append(
            EntryRow(
                id=e.pk,
                at=timezone.localtime(e.at),
                kind=e.kind,
                kind_display=str(e.get_kind_display()),
                channel=e.channel,
                channel_display=str(e.get_channel_display()),
                purpose=e.purpose,
                purpose_display=str(e.get_purpose_display()) if e.purpose else "",
                reader=person_name(e.reader),
                fonds=e.fonds.code if e.fonds is not None else "",
                unit_uuid=unit.uuid if show and unit is not None else None,
                reference_code=(unit.reference_code or "") if show and unit is not None else "",
                title=unit.title if show and unit is not None else "",
                hidden=hidden,
                pages=e.pages,
                staff=person_name(e.staff),
                source=e.source,
                note="" if hidden else e.note,  # a note may name what the unit is about
            )
        )
    return rows
