"""Writing the utilization register (利用登记). Every part that serves a reader calls ``record_use`` inside the
transaction of what it records; the entry is also written to the audit log ("every use is audit-logged").

Staff add an entry by hand (``do_add_use_record``) for a use no workflow recorded: a telephone inquiry (电话咨询),
a letter answered, a consultation before the system was in use. Such an entry is marked ``source="manual"``."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from dangan.access.choices import Channel, Purpose, UseKind
from dangan.access.models import UseRecord
from dangan.catalog.models import ArchivalUnit
from dangan.catalog.policy import visible_units
from dangan.core.actors import check_actor
from dangan.core.audit import log
from dangan.core.roles import Capability, has_capability, is_reader

# Who may read and keep the register: the reviewers of access requests and the reading room desk.
REGISTER_CAPABILITIES = (Capability.ACCESS_REVIEW, Capability.READING_ROOM)
MANUAL_SOURCE = "manual"
MAX_PAGES = 100_000  # pages copied in one entry; more is a typing slip
NOTE_LENGTH = 300


def record_use(
    actor: Any,
    *,
    kind: str,
    reader: Any = None,
    unit: ArchivalUnit | None = None,
    purpose: str = "",
    channel: str = Channel.READING_ROOM,
    pages: int = 0,
    source: str = "",
    note: str = "",
    at: dt.datetime | None = None,
) -> UseRecord:
    """Add one entry to the register (and one to the audit log, as ``access.use.<kind>``). ``actor`` is who
    served (a staff member, or the reader themself online); ``reader`` the reader served (None: anonymous);
    ``at`` when the use happened (now unless said)."""
    check_actor(actor)
    if kind not in UseKind.values:
        raise ValueError(f"unknown use kind {kind!r}")
    staff = actor if getattr(actor, "pk", None) is not None and actor is not reader else None
    with transaction.atomic():
        entry = UseRecord.objects.create(
            kind=kind,
            channel=channel,
            at=at or timezone.now(),
            reader=reader if getattr(reader, "pk", None) is not None else None,
            unit=unit,
            fonds_id=unit.fonds_id if unit is not None else None,
            purpose=purpose,
            pages=pages,
            staff=staff,
            source=source[:64],
            note=note[:NOTE_LENGTH],
        )
        log(
            unit if unit is not None else entry,
            f"access.use.{kind}",
            actor,
            {
                "reader": getattr(reader, "pk", None),
                "purpose": purpose,
                "channel": channel,
                "pages": pages,
                "source": source,
            },
        )
    return entry


def record_online_view(reader: Any, unit: ArchivalUnit) -> UseRecord | None:
    """Register a reader's online consultation of a unit that a grant opened to them (not opened to everyone),
    at most once per reader, unit and day. Views of opened units by the public are not uses of a grant and are
    not registered. Returns the new entry, or None when none was needed."""
    from dangan.catalog.grants import grants_for

    if not is_reader(reader) or unit.pk not in grants_for(reader).records:
        return None
    today = timezone.localdate()
    already = UseRecord.objects.filter(
        kind=UseKind.VIEW, channel=Channel.ONLINE, reader=reader, unit=unit, at__date=today
    ).exists()
    if already:
        return None
    return record_use(reader, kind=UseKind.VIEW, reader=reader, unit=unit, channel=Channel.ONLINE)


# ---------------------------------------------------------------- reading the register


def can_read_register(user: Any) -> bool:
    """Whether ``user`` may read the register and its statistics (and add an entry by hand)."""
    return any(has_capability(user, capability) for capability in REGISTER_CAPABILITIES)


def require_register(user: Any) -> None:
    """PermissionDenied unless ``user`` may read the register."""
    if not can_read_register(user):
        raise PermissionDenied(_("您没有查看利用登记的权限"))


# ---------------------------------------------------------------- an entry added by hand


def find_reader(username: str) -> Any:
    """The reader's account named ``username`` (查档人账号), or None."""
    from dangan.core.models import User

    user = User.objects.filter(username__iexact=username.strip()).first()
    return user if is_reader(user) else None


def find_unit(actor: Any, reference_code: str) -> ArchivalUnit | None:
    """The unit with 档号 ``reference_code`` that ``actor`` may see, or None (a hidden unit reads as missing)."""
    code = reference_code.strip()
    if not code:
        return None
    return visible_units(actor, ArchivalUnit.objects.filter(reference_code=code)).select_related("fonds").first()


def check_add_use_record(
    actor: Any,
    *,
    kind: str,
    channel: str,
    purpose: str = "",
    at: dt.datetime | None = None,
    reader: str = "",
    unit: str = "",
    pages: int = 0,
    note: str = "",
) -> dict[str, Any]:
    """Validate a hand-made entry; returns the values ``record_use`` takes (``reader`` and ``unit`` found from the
    reader's account name and the unit's 档号). ValidationError with a Chinese message per field."""
    require_register(actor)
    errors: dict[str, str] = {}
    if kind not in UseKind.values:
        errors["kind"] = _("请选择利用方式")
    if channel not in Channel.values:
        errors["channel"] = _("请选择渠道")
    if purpose and purpose not in Purpose.values:
        errors["purpose"] = _("无效的利用目的：%(value)s") % {"value": purpose}
    moment = at or timezone.now()
    if timezone.is_naive(moment):
        moment = timezone.make_aware(moment)
    if moment > timezone.now() + dt.timedelta(minutes=5):
        errors["at"] = _("利用时间不能晚于现在")
    elif moment.year < 1900:
        errors["at"] = _("利用时间有误")
    if not isinstance(pages, int) or isinstance(pages, bool) or not 0 <= pages <= MAX_PAGES:
        errors["pages"] = _("页数应在 0 与 %(max)d 之间") % {"max": MAX_PAGES}
    elif pages and kind != UseKind.COPY:
        errors["pages"] = _("只有复制才登记页数")
    if len(note) > NOTE_LENGTH:
        errors["note"] = _("备注最多 %(count)d 个字符") % {"count": NOTE_LENGTH}
    found_reader = None
    if reader.strip():
        found_reader = find_reader(reader)
        if found_reader is None:
            errors["reader"] = _("没有这个查档人账号：%(name)s") % {"name": reader.strip()[:150]}
    found_unit = None
    if unit.strip():
        found_unit = find_unit(actor, unit)
        if found_unit is None:
            errors["unit"] = _("没有这个档号（或您无权查看）：%(code)s") % {"code": unit.strip()[:80]}
    if kind in (UseKind.VIEW, UseKind.COPY) and not unit.strip() and "unit" not in errors:
        errors["unit"] = _("查阅和复制须填写档号")
    if errors:
        raise ValidationError(errors)
    return {
        "kind": kind,
        "channel": channel,
        "purpose": purpose,
        "at": moment,
        "reader": found_reader,
        "unit": found_unit,
        "pages": pages,
        "note": note.strip(),
    }


def do_add_use_record(
    actor: Any,
    *,
    kind: str,
    channel: str,
    purpose: str = "",
    at: dt.datetime | None = None,
    reader: str = "",
    unit: str = "",
    pages: int = 0,
    note: str = "",
) -> UseRecord:
    """Add an entry to the register by hand (e.g. a telephone inquiry, 电话咨询): ``reader`` is a reader's account
    name (optional), ``unit`` a 档号 the actor may see (required for 查阅 and 复制). Audit-logged as every use."""
    values = check_add_use_record(
        actor, kind=kind, channel=channel, purpose=purpose, at=at, reader=reader, unit=unit, pages=pages, note=note
    )
    return record_use(actor, source=MANUAL_SOURCE, **values)


# ---------------------------------------------------------------- the statistics, exported


def do_export_statistics(actor: Any, year: int) -> bytes:
    """The year's utilization statistics as an .xlsx workbook (statistics.statistics_workbook), the export
    audit-logged as ``access.register.export``."""
    from dangan.access.statistics import annual_statistics, statistics_workbook

    require_register(actor)
    content = statistics_workbook(annual_statistics(year))
    with transaction.atomic():
        log(None, "access.register.export", actor, {"year": year, "format": "xlsx"})
    return content
