"""Access requests (查档申请) and grants: the only code that changes them. check_* validates and raises (Chinese
messages), do_* writes in a transaction, logs to the audit log (``access.requests.*``) and drops the cached grants
(``catalog.grants.grants_changed``).

Two rules of visibility shape everything here:

- A reader names only units whose record they may see now (opened to the public, or granted to them): anything else
  answers exactly like a unit that does not exist. For closed units they describe what they need, and the reviewer
  adds the units found in the catalog.
- A reviewer adds and grants only units ``catalog.policy`` shows them, and only units that are 公开: a grant widens
  openness (开放), never 密级; 涉密 records go through the state-secrets process, outside this system.

A request is reviewed while it is open (待审核 or 待补充); the reviewer is never the reader. Every change checks the
request's ``version`` when the caller read one (optimistic locking: a stale form is refused with 409, not applied).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Sequence
from typing import Any

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import F, QuerySet
from django.http import Http404
from django.utils import timezone
from django.utils.translation import gettext as _

from dangan.access.actions.register import record_use
from dangan.access.choices import Channel, Purpose, UseKind
from dangan.access.models import AccessGrant, AccessRequest, RequestedUnit
from dangan.access.models.requests import APPROVED_STATUSES, OPEN_STATUSES, RequestStatus, UnitDecision
from dangan.catalog.grants import grants_changed
from dangan.catalog.models import ArchivalUnit
from dangan.catalog.policy import can_view_unit, visible_units
from dangan.core.actions.accounts import require_actor
from dangan.core.actors import account_of, check_actor
from dangan.core.audit import log
from dangan.core.choices import SecurityClassification
from dangan.core.roles import Capability, has_capability, is_reader

MAX_UNITS = 100  # units in one request
MAX_TEXT = 2000  # a description, a reason, a question or an answer
MAX_DETAIL = 500  # the purpose's detail
MAX_GRANT_DAYS = 366  # the longest expiry a reviewer may set


def grant_days() -> int:
    """How long a grant lasts unless the reviewer says otherwise (``DANGAN_ACCESS_GRANT_DAYS``, 30 by default)."""
    return max(1, min(int(settings.ACCESS_GRANT_DAYS), MAX_GRANT_DAYS))


def default_expiry_day() -> dt.date:
    return timezone.localdate() + dt.timedelta(days=grant_days())


def end_of_day(day: dt.date) -> dt.datetime:
    """The first moment after ``day`` in local time: a grant until ``day`` is valid through that whole day."""
    return dt.datetime.combine(day + dt.timedelta(days=1), dt.time.min, tzinfo=timezone.get_current_timezone())


# ---------------------------------------------------------------- who may do what


def may_review(user: Any) -> bool:
    return has_capability(user, Capability.ACCESS_REVIEW)


def require_review(actor: Any) -> None:
    require_actor(actor, Capability.ACCESS_REVIEW)


def require_reader(actor: Any) -> None:
    """Only a reader's own account asks for records (staff review them)."""
    check_actor(actor)
    if not is_reader(actor):
        raise PermissionDenied(_("只有查档人账号可以提交查档申请。"))


def _not_found() -> Http404:
    return Http404(_("查档申请不存在。"))


def _unit_not_found() -> Http404:
    return Http404(_("档案不存在。"))


def reader_request(reader: Any, uuid: Any) -> AccessRequest:
    """``reader``'s own request with this uuid; another's answers as if it did not exist (404)."""
    found = AccessRequest.objects.filter(uuid=uuid, reader_id=getattr(reader, "pk", None)).first()
    if found is None:
        raise _not_found()
    return found


def review_request(actor: Any, uuid: Any) -> AccessRequest:
    """The request with this uuid, for a reviewer (PermissionDenied for others)."""
    require_review(actor)
    found = AccessRequest.objects.select_related("reader", "reviewer").filter(uuid=uuid).first()
    if found is None:
        raise _not_found()
    return found


def reader_requests(reader: Any) -> QuerySet[AccessRequest]:
    return AccessRequest.objects.filter(reader_id=getattr(reader, "pk", None)).prefetch_related("grants")


def shown_units(viewer: Any, request: AccessRequest) -> list[RequestedUnit]:
    """The units of ``request`` that ``viewer`` may see now (a reader does not learn of the units a reviewer added
    and did not grant, nor of those whose grant has ended)."""
    rows = request.units.select_related("unit", "unit__fonds")
    return [row for row in rows if can_view_unit(viewer, row.unit)]


def active_grants(reader: Any) -> QuerySet[AccessGrant]:
    """``reader``'s grants in force now, soonest expiry first."""
    from dangan.access.models.requests import active_grant_filter

    return (
        AccessGrant.objects.filter(active_grant_filter(), reader_id=getattr(reader, "pk", None))
        .select_related("unit", "request")
        .order_by("expires_at", "pk")
    )


def check_version(request: AccessRequest, expected: int | None) -> None:
    """ValidationError (409) when ``expected`` is given and is not the request's current version."""
    if expected is not None and int(expected) != request.version:
        raise ValidationError(
            _("该申请已被修改（当前修订号 %(now)d，您读取时为 %(then)d），请刷新后重试。")
            % {"now": request.version, "then": int(expected)},
            code="conflict",
        )


def _locked(request: AccessRequest, expected: int | None) -> AccessRequest:
    locked = AccessRequest.objects.select_for_update().get(pk=request.pk)
    check_version(locked, expected)
    return locked


def _save(request: AccessRequest, *fields: str) -> None:
    """Save ``fields`` and move the version on by one."""
    AccessRequest.objects.filter(pk=request.pk).update(version=F("version") + 1)
    request.version += 1
    request.save(update_fields=[*fields, "updated"])


def _text(value: str, field: str, *, required: bool, label: str, limit: int = MAX_TEXT) -> str:
    value = (value or "").strip()
    if required and not value:
        raise ValidationError({field: _("请填写%(label)s。") % {"label": label}})
    if len(value) > limit:
        raise ValidationError({field: _("%(label)s不能超过 %(n)d 个字。") % {"label": label, "n": limit}})
    return value


# ---------------------------------------------------------------- finding units


def units_for_reader(
    reader: Any, *, uuids: Iterable[Any] = (), codes: Iterable[str] = ()
) -> tuple[list[ArchivalUnit], list[str]]:
    """The units a reader may name (those whose record they may see), by uuid or 档号, in the order given, and what
    was not found: unknown and hidden alike (nobody learns that a closed unit exists)."""
    return _find(reader, uuids, codes)


def units_for_reviewer(
    actor: Any, *, uuids: Iterable[Any] = (), codes: Iterable[str] = ()
) -> tuple[list[ArchivalUnit], list[str]]:
    """The units a reviewer may add (those the policy shows them), by uuid or 档号, and what was not found."""
    return _find(actor, uuids, codes)


def _find(viewer: Any, uuids: Iterable[Any], codes: Iterable[str]) -> tuple[list[ArchivalUnit], list[str]]:
    import uuid as uuid_lib

    wanted_uuids: list[str] = []
    missing: list[str] = []
    for raw in uuids:
        text = str(raw).strip()
        if not text:
            continue
        try:
            wanted_uuids.append(str(uuid_lib.UUID(text)))
        except ValueError:
            missing.append(text[:80])
    wanted_codes = [c.strip() for c in codes if c and c.strip()]
    by_uuid = {str(u.uuid): u for u in visible_units(viewer, ArchivalUnit.objects.filter(uuid__in=wanted_uuids))}
    by_code = {
        u.reference_code: u for u in visible_units(viewer, ArchivalUnit.objects.filter(reference_code__in=wanted_codes))
    }
    found: list[ArchivalUnit] = []
    for key in wanted_uuids:
        if key in by_uuid:
            found.append(by_uuid[key])
        else:
            missing.append(key)
    for code in wanted_codes:
        if code in by_code:
            found.append(by_code[code])
        else:
            missing.append(code)
    unique: list[ArchivalUnit] = []
    for unit in found:
        if unit not in unique:
            unique.append(unit)
    return unique, missing


def missing_units_error(missing: Sequence[str], field: str = "units") -> ValidationError:
    return ValidationError({field: _("没有找到这些档案（或暂未开放）：%(codes)s") % {"codes": "、".join(missing[:20])}})


# ---------------------------------------------------------------- the reader: submit, withdraw, answer


def check_submit_request(
    actor: Any, *, units: Sequence[ArchivalUnit], purpose: str, purpose_detail: str = "", description: str = ""
) -> None:
    require_reader(actor)
    errors: dict[str, str] = {}
    if purpose not in Purpose.values:
        errors["purpose"] = _("请选择利用目的。")
    if len((purpose_detail or "").strip()) > MAX_DETAIL:
        errors["purpose_detail"] = _("利用目的说明不能超过 %(n)d 个字。") % {"n": MAX_DETAIL}
    if len((description or "").strip()) > MAX_TEXT:
        errors["description"] = _("所需档案描述不能超过 %(n)d 个字。") % {"n": MAX_TEXT}
    if not units and not (description or "").strip():
        errors["description"] = _("请选择档案，或描述您需要查阅的档案。")
    if len(units) > MAX_UNITS:
        errors["units"] = _("一次申请最多 %(n)d 件档案。") % {"n": MAX_UNITS}
    if errors:
        raise ValidationError(errors)
    for unit in units:
        if not can_view_unit(actor, unit):
            raise missing_units_error([unit.reference_code or str(unit.uuid)])


def do_submit_request(
    actor: Any,
    *,
    units: Sequence[ArchivalUnit] = (),
    purpose: str,
    purpose_detail: str = "",
    description: str = "",
) -> AccessRequest:
    """A reader asks for ``units`` (those they may see) or describes what they need, with the purpose of use. The
    request is registered as a use (利用登记, 查档申请)."""
    units = list(dict.fromkeys(units))
    check_submit_request(actor, units=units, purpose=purpose, purpose_detail=purpose_detail, description=description)
    with transaction.atomic():
        request = AccessRequest.objects.create(
            reader=actor,
            purpose=purpose,
            purpose_detail=(purpose_detail or "").strip(),
            description=(description or "").strip(),
        )
        RequestedUnit.objects.bulk_create(
            [RequestedUnit(request=request, unit=unit, position=n) for n, unit in enumerate(units, 1)]
        )
        log(
            request,
            "access.requests.submit",
            actor,
            {"after": {"purpose": purpose, "units": [str(u.uuid) for u in units], "described": bool(description)}},
        )
        record_use(
            actor,
            kind=UseKind.REQUEST,
            reader=actor,
            unit=units[0] if len(units) == 1 else None,
            purpose=purpose,
            channel=Channel.ONLINE,
            source=f"request:{request.uuid}",
        )
    return request


def check_withdraw(actor: Any, request: AccessRequest) -> None:
    require_reader(actor)
    if request.reader_id != actor.pk:
        raise _not_found()
    if request.status not in OPEN_STATUSES:
        raise ValidationError(
            _("申请处于“%(status)s”状态，不能撤回。") % {"status": request.get_status_display()}, code="conflict"
        )


def do_withdraw(actor: Any, request: AccessRequest, *, expected_version: int | None = None) -> AccessRequest:
    """The reader withdraws their request while it waits for a decision."""
    with transaction.atomic():
        request = _locked(request, expected_version)
        check_withdraw(actor, request)
        before = request.status
        request.status = RequestStatus.WITHDRAWN
        _save(request, "status")
        log(
            request, "access.requests.withdraw", actor, {"before": {"status": before}, "after": {"status": "withdrawn"}}
        )
    return request


def check_answer(actor: Any, request: AccessRequest, text: str) -> None:
    require_reader(actor)
    if request.reader_id != actor.pk:
        raise _not_found()
    if request.status != RequestStatus.NEEDS_INFO:
        raise ValidationError(_("工作人员没有需要您补充的问题。"), code="conflict")
    _text(text, "text", required=True, label=_("补充说明"))


def do_answer(actor: Any, request: AccessRequest, text: str, *, expected_version: int | None = None) -> AccessRequest:
    """The reader answers the reviewer's question: the request goes back to 待审核."""
    with transaction.atomic():
        request = _locked(request, expected_version)
        check_answer(actor, request, text)
        request.reply = text.strip()
        request.replied_at = timezone.now()
        request.status = RequestStatus.SUBMITTED
        _save(request, "reply", "replied_at", "status")
        log(
            request,
            "access.requests.answer",
            actor,
            {"before": {"status": "needs_info"}, "after": {"status": "submitted"}},
        )
    return request


# ---------------------------------------------------------------- the reviewer


def check_review(actor: Any, request: AccessRequest) -> None:
    """A reviewer (ACCESS_REVIEW), not the reader, on a request still open."""
    require_review(actor)
    if getattr(actor, "pk", None) is not None and actor.pk == request.reader_id:
        raise PermissionDenied(_("不能审核自己的查档申请。"))
    if request.status not in OPEN_STATUSES:
        raise ValidationError(
            _("申请处于“%(status)s”状态，不能再审核。") % {"status": request.get_status_display()}, code="conflict"
        )


def check_grantable(actor: Any, unit: ArchivalUnit) -> None:
    """A unit may be granted when the reviewer sees it and it is 公开 (never a 涉密 unit)."""
    if not can_view_unit(actor, unit):
        raise _unit_not_found()
    if unit.classification != SecurityClassification.PUBLIC:
        raise ValidationError(
            {
                "units": _(
                    "档案“%(unit)s”为涉密档案（%(level)s），不能通过查档申请提供利用；"
                    "涉密档案的利用须按国家秘密管理规定另行办理。"
                )
                % {"unit": unit.reference_code or unit.title, "level": unit.get_classification_display()}
            }
        )


def check_add_units(actor: Any, request: AccessRequest, units: Sequence[ArchivalUnit]) -> None:
    check_review(actor, request)
    if not units:
        raise ValidationError({"units": _("请填写要添加的档案。")})
    if request.units.count() + len(units) > MAX_UNITS:
        raise ValidationError({"units": _("一次申请最多 %(n)d 件档案。") % {"n": MAX_UNITS}})
    for unit in units:
        check_grantable(actor, unit)


def do_add_units(
    actor: Any, request: AccessRequest, units: Sequence[ArchivalUnit], *, expected_version: int | None = None
) -> list[RequestedUnit]:
    """The reviewer adds units found in the catalog (those they see, 公开) to the request; those in it are skipped."""
    with transaction.atomic():
        request = _locked(request, expected_version)
        check_add_units(actor, request, units)
        present = set(request.units.values_list("unit_id", flat=True))
        position = request.units.count()
        added = []
        for unit in units:
            if unit.pk in present:
                continue
            present.add(unit.pk)
            position += 1
            added.append(RequestedUnit(request=request, unit=unit, added_by_staff=True, position=position))
        RequestedUnit.objects.bulk_create(added)
        if added:
            _save(request)
            log(request, "access.requests.add_units", actor, {"after": {"units": [str(r.unit.uuid) for r in added]}})
    return added


def check_approve(
    actor: Any,
    request: AccessRequest,
    units: Sequence[ArchivalUnit] | None = None,
    *,
    expires_on: dt.date | None = None,
    conditions: str = "",
) -> list[ArchivalUnit]:
    """Validate an approval; returns the units to grant (all the request's units unless ``units`` names some)."""
    check_review(actor, request)
    requested = [row.unit for row in request.units.select_related("unit")]
    if not requested:
        raise ValidationError({"units": _("申请中还没有档案：请先从目录中添加档案，再批准。")})
    chosen = requested if units is None else list(dict.fromkeys(units))
    if not chosen:
        raise ValidationError({"units": _("请至少选择一件同意利用的档案；全部不同意请选择“不予批准”。")})
    ids = {u.pk for u in requested}
    for unit in chosen:
        if unit.pk not in ids:
            raise _unit_not_found()
        check_grantable(actor, unit)
    if expires_on is not None:
        today = timezone.localdate()
        if expires_on < today:
            raise ValidationError({"expires_on": _("到期日期不能早于今天。")})
        if expires_on > today + dt.timedelta(days=MAX_GRANT_DAYS):
            raise ValidationError({"expires_on": _("授权期限最长 %(n)d 天。") % {"n": MAX_GRANT_DAYS}})
    _text(conditions, "conditions", required=False, label=_("批准条件"))
    return chosen


def do_approve(
    actor: Any,
    request: AccessRequest,
    units: Sequence[ArchivalUnit] | None = None,
    *,
    reading_room_only: bool = False,
    copies_allowed: bool = True,
    expires_on: dt.date | None = None,
    conditions: str = "",
    expected_version: int | None = None,
) -> list[AccessGrant]:
    """Approve the request for ``units`` (all of its units by default; the others are refused): one grant per unit,
    to the reader alone, until the end of ``expires_on`` (``DANGAN_ACCESS_GRANT_DAYS`` from today by default).
    With a condition (reading room only, no copies, another expiry, a written condition) the request is 有条件批准."""
    with transaction.atomic():
        request = _locked(request, expected_version)
        chosen = check_approve(actor, request, units, expires_on=expires_on, conditions=conditions)
        default_day = default_expiry_day()
        day = expires_on or default_day
        conditions = (conditions or "").strip()
        conditional = reading_room_only or not copies_allowed or day != default_day or bool(conditions)
        now = timezone.now()
        chosen_ids = {u.pk for u in chosen}
        grants = []
        for row in request.units.select_related("unit"):
            row.decision = UnitDecision.GRANTED if row.unit_id in chosen_ids else UnitDecision.REFUSED
            row.save(update_fields=["decision"])
        for unit in chosen:
            grant = AccessGrant.objects.create(
                reader_id=request.reader_id,
                unit=unit,
                request=request,
                starts_at=now,
                expires_at=end_of_day(day),
                reading_room_only=reading_room_only,
                copies_allowed=copies_allowed,
                granted_by=account_of(actor),
                granted_at=now,
            )
            log(
                grant,
                "access.requests.grant",
                actor,
                {
                    "after": {
                        "reader": request.reader_id,
                        "unit": str(unit.uuid),
                        "request": str(request.uuid),
                        "expires_at": grant.expires_at,
                        "reading_room_only": reading_room_only,
                        "copies_allowed": copies_allowed,
                    }
                },
            )
            grants.append(grant)
        before = request.status
        request.status = RequestStatus.APPROVED_WITH_CONDITIONS if conditional else RequestStatus.APPROVED
        request.reviewer = account_of(actor)
        request.reviewed_at = now
        request.reason = conditions
        _save(request, "status", "reviewer", "reviewed_at", "reason")
        log(
            request,
            "access.requests.approve",
            actor,
            {
                "before": {"status": before},
                "after": {
                    "status": request.status,
                    "units": [str(u.uuid) for u in chosen],
                    "refused_units": len(request.units.all()) - len(chosen),
                    "expires_on": day,
                    "reading_room_only": reading_room_only,
                    "copies_allowed": copies_allowed,
                    "conditions": conditions,
                },
            },
        )
    grants_changed()
    return grants


def check_refuse(actor: Any, request: AccessRequest, reason: str) -> None:
    check_review(actor, request)
    _text(reason, "reason", required=True, label=_("不予批准的理由"))


def do_refuse(actor: Any, request: AccessRequest, reason: str, *, expected_version: int | None = None) -> AccessRequest:
    """Refuse the request with a reason the reader reads."""
    with transaction.atomic():
        request = _locked(request, expected_version)
        check_refuse(actor, request, reason)
        before = request.status
        request.units.update(decision=UnitDecision.REFUSED)
        request.status = RequestStatus.REFUSED
        request.reviewer = account_of(actor)
        request.reviewed_at = timezone.now()
        request.reason = reason.strip()
        _save(request, "status", "reviewer", "reviewed_at", "reason")
        log(
            request,
            "access.requests.refuse",
            actor,
            {"before": {"status": before}, "after": {"status": "refused", "reason": request.reason}},
        )
    return request


def check_ask(actor: Any, request: AccessRequest, question: str) -> None:
    check_review(actor, request)
    _text(question, "question", required=True, label=_("需要查档人补充的内容"))


def do_ask(actor: Any, request: AccessRequest, question: str, *, expected_version: int | None = None) -> AccessRequest:
    """Ask the reader for more (待补充): the request waits for their answer."""
    with transaction.atomic():
        request = _locked(request, expected_version)
        check_ask(actor, request, question)
        before = request.status
        request.status = RequestStatus.NEEDS_INFO
        request.reviewer = account_of(actor)
        request.reviewed_at = timezone.now()
        request.reason = question.strip()
        _save(request, "status", "reviewer", "reviewed_at", "reason")
        log(
            request,
            "access.requests.ask",
            actor,
            {"before": {"status": before}, "after": {"status": "needs_info", "question": request.reason}},
        )
    return request


def check_revoke(actor: Any, grant: AccessGrant, reason: str) -> None:
    require_review(actor)
    if grant.revoked_at is not None:
        raise ValidationError(_("该授权已被撤销。"), code="conflict")
    if grant.expires_at <= timezone.now():
        raise ValidationError(_("该授权已到期，无需撤销。"), code="conflict")
    _text(reason, "reason", required=True, label=_("撤销原因"), limit=500)


def do_revoke_grant(actor: Any, grant: AccessGrant, reason: str) -> AccessGrant:
    """End a grant before its expiry, with a reason: the unit closes to the reader at once."""
    with transaction.atomic():
        grant = AccessGrant.objects.select_for_update().get(pk=grant.pk)
        check_revoke(actor, grant, reason)
        grant.revoked_at = timezone.now()
        grant.revoked_by = account_of(actor)
        grant.revoke_reason = reason.strip()
        grant.save(update_fields=["revoked_at", "revoked_by", "revoke_reason"])
        AccessRequest.objects.filter(pk=grant.request_id).update(version=F("version") + 1)
        log(
            grant,
            "access.requests.revoke",
            actor,
            {
                "before": {"revoked": False},
                "after": {"revoked": True, "reason": grant.revoke_reason, "reader": grant.reader_id},
            },
        )
    grants_changed()
    return grant


def staff_grant(actor: Any, uuid: Any) -> AccessGrant:
    """A grant by its uuid, for a reviewer; 404 when none, or when its unit is hidden from the reviewer."""
    require_review(actor)
    grant = AccessGrant.objects.select_related("unit", "request", "reader").filter(uuid=uuid).first()
    if grant is None or not can_view_unit(actor, grant.unit):
        raise Http404(_("授权不存在。"))
    return grant


# ---------------------------------------------------------------- personal data


def reader_requests_data(user: Any) -> list[dict[str, Any]]:
    """Everything this part holds about ``user`` as a reader, for the export of their personal data: their requests
    with the units they may see now and their grants (units the policy hides from them are counted, not named)."""
    out: list[dict[str, Any]] = []
    for request in reader_requests(user).order_by("submitted_at", "pk"):
        visible = shown_units(user, request)
        visible_ids = {row.unit_id for row in visible}
        grants = list(request.grants.select_related("unit"))
        out.append(
            {
                "uuid": str(request.uuid),
                "submitted_at": request.submitted_at.isoformat(),
                "purpose": str(Purpose(request.purpose).label),
                "purpose_detail": request.purpose_detail,
                "description": request.description,
                "status": str(request.shown_status_label),
                "reason": request.reason,
                "reply": request.reply,
                "units": [
                    {"reference_code": row.unit.reference_code or "", "title": row.unit.title} for row in visible
                ],
                "other_units": request.units.exclude(unit_id__in=visible_ids).count(),
                "grants": [
                    {
                        "reference_code": g.unit.reference_code or "",
                        "expires_at": g.expires_at.isoformat(),
                        "reading_room_only": g.reading_room_only,
                        "copies_allowed": g.copies_allowed,
                        "revoked": g.revoked_at is not None,
                    }
                    for g in grants
                    if g.unit_id in visible_ids
                ],
            }
        )
    return out


__all__ = [
    "APPROVED_STATUSES",
    "OPEN_STATUSES",
    "active_grants",
    "check_add_units",
    "check_answer",
    "check_approve",
    "check_ask",
    "check_refuse",
    "check_review",
    "check_revoke",
    "check_submit_request",
    "check_withdraw",
    "do_add_units",
    "do_answer",
    "do_approve",
    "do_ask",
    "do_refuse",
    "do_revoke_grant",
    "do_submit_request",
    "do_withdraw",
    "grant_days",
    "may_review",
    "reader_request",
    "reader_requests",
    "reader_requests_data",
    "review_request",
    "shown_units",
    "staff_grant",
    "units_for_reader",
    "units_for_reviewer",
]


def erase_reader_requests(user: Any) -> None:
    """Erasure on request (the readers part's ``do_erase_reader``): blank what the reader wrote in their requests
    (the purpose explained, the description, the replies), which may hold personal details. The requests, their
    decisions and grants stay, without the text, for the register and the audit trail."""
    AccessRequest.objects.filter(reader=user).update(purpose_detail="", description="", reply="")
