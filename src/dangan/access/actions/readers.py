"""Readers' accounts (查档人): registration (online by the reader, or at the desk by staff), verification of the
identity document in person, the reader's own changes, deactivation, password reset, and the personal data on
request (a copy of everything held; erasure).

Rules (docs/development/access-readers.md):
- Only holders of ``Capability.READERS`` register, verify, deactivate, reset, export or erase another's account.
- One account per identity document; a duplicate is refused without saying anything about the other account.
- The audit log (``access.readers.*``) never holds a document number or a phone number in clear: they are masked.
- Erasure keeps the utilization register's rows for the statistics, with their reader left out (``reader`` null).
"""

from __future__ import annotations

import datetime as dt
import io
import uuid
from typing import Any

from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext as _

from dangan.access.identity import DocumentType, mask_document, mask_phone, validate_document, validate_mobile
from dangan.access.models import ReaderProfile, ReaderStatus, UseRecord
from dangan.access.personal_data import collect_personal_data, erase_personal_data
from dangan.core.actions.accounts import one_time_password, require_actor
from dangan.core.actors import check_actor
from dangan.core.audit import log
from dangan.core.choices import Role
from dangan.core.models import APIToken, User
from dangan.core.roles import Capability, is_reader
from dangan.utilities.concurrency import EditConflict

MAX_NAME = 100
MAX_ORGANISATION = 200
MAX_REASON = 300


def profile_of(user: Any) -> ReaderProfile | None:
    """The reader's profile, or None (not a reader, or an account made without one)."""
    pk = getattr(user, "pk", None)
    if pk is None or getattr(user, "role", None) != Role.READER:
        return None
    return ReaderProfile.objects.filter(user_id=pk).first()


def is_verified_reader(user: Any) -> bool:
    """Whether ``user`` is a reader whose identity document staff have checked in person (已核验): for the parts
    that serve only verified readers (a booking, a copy)."""
    profile = profile_of(user)
    return profile is not None and profile.status == ReaderStatus.VERIFIED and not profile.is_erased


def _audit_view(profile: ReaderProfile) -> dict[str, Any]:
    """The profile as the audit log may hold it: document and phone masked."""
    return {
        "real_name": profile.real_name,
        "document_type": profile.document_type,
        "document_number": mask_document(profile.document_number),
        "phone": mask_phone(profile.phone),
        "organisation": profile.organisation,
        "status": profile.status,
    }


def _lock(profile: ReaderProfile, expected_version: int | None = None) -> ReaderProfile:
    """``profile``'s row locked for the caller's transaction and read again; EditConflict when stale or gone."""
    locked = ReaderProfile.objects.select_for_update().select_related("user").filter(pk=profile.pk).first()
    if locked is None:
        raise EditConflict(_("该查档人账号已不存在。"))
    if expected_version is not None and locked.version != expected_version:
        raise EditConflict(
            _("该查档人的信息已被他人修改（您读取的是第 %(expected)d 版，现在是第 %(current)d 版），请刷新后重试。")
            % {"expected": expected_version, "current": locked.version},
            current_version=locked.version,
        )
    return locked


def _end_sessions(user: User) -> None:
    """End every session of ``user`` (the session hash holds the generation) and revoke its API tokens."""
    APIToken.objects.filter(user=user).delete()
    user.session_generation = F("session_generation") + 1
    user.save(update_fields=["session_generation"])
    user.refresh_from_db(fields=["session_generation"])


# ---------------------------------------------------------------- registration


def check_registration(
    *,
    username: str,
    real_name: str,
    document_type: str,
    document_number: str,
    phone: str,
    organisation: str = "",
    password: str | None = None,
) -> dict[str, str]:
    """Validate a registration; the cleaned values, or ValidationError with one Chinese message per field.

    ``username`` empty means the phone number. A document already registered is refused with words that say
    nothing about the other account."""
    errors: dict[str, list[str]] = {}
    cleaned: dict[str, str] = {}

    def collect(field: str, check: Any) -> None:
        try:
            cleaned[field] = check()
        except ValidationError as exc:
            for name, messages in exc.message_dict.items():
                errors.setdefault(name if name != "__all__" else field, []).extend(messages)

    name = " ".join((real_name or "").split())
    if not name:
        errors["real_name"] = [_("请填写真实姓名。")]
    elif len(name) > MAX_NAME:
        errors["real_name"] = [_("姓名最多 %(count)d 个字符。") % {"count": MAX_NAME}]
    cleaned["real_name"] = name
    collect("document_number", lambda: validate_document(document_type, document_number))
    collect("phone", lambda: validate_mobile(phone))
    cleaned["document_type"] = document_type
    organisation = (organisation or "").strip()
    if len(organisation) > MAX_ORGANISATION:
        errors["organisation"] = [_("工作单位最多 %(count)d 个字符。") % {"count": MAX_ORGANISATION}]
    cleaned["organisation"] = organisation
    login = (username or "").strip() or cleaned.get("phone", "")
    if login:
        try:
            User.username_validator(login)
        except ValidationError:
            errors["username"] = [_("用户名只能包含文字、数字和 @ . + - _ 符号。")]
        else:
            if len(login) > 150:
                errors["username"] = [_("用户名最多 150 个字符。")]
            elif User.objects.filter(username__iexact=login).exists():
                errors["username"] = [_("用户名“%(username)s”已被使用，请另选一个。") % {"username": login}]
    elif "phone" not in errors:
        errors["username"] = [_("请填写用户名。")]
    cleaned["username"] = login
    number = cleaned.get("document_number")
    if number and ReaderProfile.objects.filter(document_type=document_type, document_number=number).exists():
        errors["document_number"] = [_("该证件已登记过查档账号。如忘记用户名或密码，请携带证件到阅览室服务台办理。")]
    if password is not None and "username" not in errors:
        try:
            validate_password(password, User(username=login, first_name=name))
        except ValidationError as exc:
            errors["password"] = list(exc.messages)
    if errors:
        raise ValidationError(errors)
    return cleaned


def _create(
    cleaned: dict[str, str],
    password: str,
    *,
    must_change: bool,
    registered_by: User | None,
    consented: bool,
) -> ReaderProfile:
    user = User(
        username=cleaned["username"],
        role=Role.READER,
        first_name=cleaned["real_name"],
        must_change_password=must_change,
    )
    user.set_password(password)
    try:
        with transaction.atomic():
            user.save()
            profile = ReaderProfile.objects.create(
                user=user,
                real_name=cleaned["real_name"],
                document_type=cleaned["document_type"],
                document_number=cleaned["document_number"],
                phone=cleaned["phone"],
                organisation=cleaned["organisation"],
                registered_by=registered_by,
                consented_at=timezone.now() if consented else None,
            )
    except IntegrityError:
        # Another registration of the same name or document committed in between.
        raise ValidationError(
            {"document_number": [_("该证件或用户名刚刚已被登记，请核对后重试，或到阅览室服务台办理。")]}
        ) from None
    return profile


@transaction.atomic
def do_self_register(
    *,
    username: str,
    password: str,
    real_name: str,
    document_type: str,
    document_number: str,
    phone: str,
    organisation: str = "",
    consent: bool,
) -> ReaderProfile:
    """A member of the public registers online (the new account is the actor). The account can sign in at once
    and see what the public sees; it is 待核验 until staff check the document at the first visit."""
    cleaned = check_registration(
        username=username,
        real_name=real_name,
        document_type=document_type,
        document_number=document_number,
        phone=phone,
        organisation=organisation,
        password=password,
    )
    if not consent:
        raise ValidationError({"consent": [_("请阅读并同意个人信息告知后再注册。")]})
    profile = _create(cleaned, password, must_change=False, registered_by=None, consented=True)
    log(profile, "access.readers.register", profile.user, {"after": _audit_view(profile), "by": "self"})
    return profile


@transaction.atomic
def do_register_walk_in(
    actor: Any,
    *,
    username: str,
    real_name: str,
    document_type: str,
    document_number: str,
    phone: str,
    organisation: str = "",
    verified: bool = True,
    consent: bool = True,
) -> tuple[ReaderProfile, str]:
    """Staff (READERS) register a reader at the desk. Returns the profile and a one-time password, shown once;
    the reader sets their own at first sign-in. ``verified``: the document was checked in person just now."""
    require_actor(actor, Capability.READERS)
    cleaned = check_registration(
        username=username,
        real_name=real_name,
        document_type=document_type,
        document_number=document_number,
        phone=phone,
        organisation=organisation,
    )
    if not consent:
        raise ValidationError({"consent": [_("须经查档人同意个人信息告知后才能登记。")]})
    password = one_time_password()
    staff = actor if isinstance(actor, User) else None
    profile = _create(cleaned, password, must_change=True, registered_by=staff, consented=True)
    if verified:
        profile.status = ReaderStatus.VERIFIED
        profile.verified_at = timezone.now()
        profile.verified_by = staff
        profile.save(update_fields=["status", "verified_at", "verified_by"])
    log(profile, "access.readers.register", actor, {"after": _audit_view(profile), "by": "staff"})
    return profile, password


# ---------------------------------------------------------------- the reader's own changes


@transaction.atomic
def do_update_own_profile(reader: User, *, phone: str, organisation: str, version: int | None = None) -> ReaderProfile:
    """The reader changes their phone and organisation (name and document only at the desk)."""
    check_actor(reader)
    if not is_reader(reader):
        raise PermissionDenied(_("只有查档人可以修改自己的查档信息。"))
    profile = profile_of(reader)
    if profile is None or profile.is_erased:
        raise ValidationError(_("本馆还没有您的证件登记信息，请携带有效身份证件到阅览室服务台登记。"))
    profile = _lock(profile, version)
    errors: dict[str, list[str]] = {}
    try:
        phone = validate_mobile(phone)
    except ValidationError as exc:
        errors.update(exc.message_dict)
    organisation = (organisation or "").strip()
    if len(organisation) > MAX_ORGANISATION:
        errors["organisation"] = [_("工作单位最多 %(count)d 个字符。") % {"count": MAX_ORGANISATION}]
    if errors:
        raise ValidationError(errors)
    before = _audit_view(profile)
    changed = [f for f, v in (("phone", phone), ("organisation", organisation)) if getattr(profile, f) != v]
    if not changed:
        return profile
    profile.phone, profile.organisation = phone, organisation
    profile.version += 1
    profile.save(update_fields=[*changed, "version"])
    log(profile, "access.readers.update", reader, {"before": before, "after": _audit_view(profile)})
    return profile


# ---------------------------------------------------------------- staff: verify, deactivate, reset


def check_verify_reader(actor: Any, profile: ReaderProfile, *, document_checked: bool) -> None:
    require_actor(actor, Capability.READERS)
    if profile.is_erased:
        raise ValidationError(_("该查档人的个人信息已删除，不能核验。"))
    if profile.status == ReaderStatus.VERIFIED:
        raise ValidationError(_("该查档人已核验。"), code="conflict")
    if profile.status == ReaderStatus.DISABLED:
        raise ValidationError(_("该账号已停用，请先启用再核验。"), code="conflict")
    if not document_checked:
        raise ValidationError({"document_checked": [_("请当面核对证件原件与登记信息一致后再确认。")]})


@transaction.atomic
def do_verify_reader(
    actor: Any, profile: ReaderProfile, *, document_checked: bool, version: int | None = None
) -> ReaderProfile:
    """Staff checked the reader's identity document in person at the first visit: the account is 已核验."""
    profile = _lock(profile, version)
    check_verify_reader(actor, profile, document_checked=document_checked)
    before = profile.status
    profile.status = ReaderStatus.VERIFIED
    profile.verified_at = timezone.now()
    profile.verified_by = actor if isinstance(actor, User) else None
    profile.version += 1
    profile.save(update_fields=["status", "verified_at", "verified_by", "version"])
    log(profile, "access.readers.verify", actor, {"before": {"status": before}, "after": {"status": profile.status}})
    return profile


def _reason(reason: str, *, required: bool) -> str:
    text = (reason or "").strip()
    if required and not text:
        raise ValidationError({"reason": [_("请填写原因。")]})
    if len(text) > MAX_REASON:
        raise ValidationError({"reason": [_("原因最多 %(count)d 个字符。") % {"count": MAX_REASON}]})
    return text


@transaction.atomic
def do_deactivate_reader(actor: Any, profile: ReaderProfile, *, reason: str = "") -> ReaderProfile:
    """Deactivate a reader's account (已停用): it can no longer sign in, and its sessions end."""
    require_actor(actor, Capability.READERS)
    text = _reason(reason, required=False)
    profile = _lock(profile)
    if profile.status == ReaderStatus.DISABLED:
        raise ValidationError(_("该账号已停用。"), code="conflict")
    before = profile.status
    profile.status = ReaderStatus.DISABLED
    profile.version += 1
    profile.save(update_fields=["status", "version"])
    user = profile.user
    user.is_active = False
    user.save(update_fields=["is_active"])
    _end_sessions(user)
    log(
        profile,
        "access.readers.deactivate",
        actor,
        {"before": {"status": before}, "after": {"status": profile.status}, "reason": text},
    )
    return profile


@transaction.atomic
def do_reactivate_reader(actor: Any, profile: ReaderProfile) -> ReaderProfile:
    """Enable a deactivated account again: back to 已核验 if it was verified, else 待核验."""
    require_actor(actor, Capability.READERS)
    profile = _lock(profile)
    if profile.is_erased:
        raise ValidationError(_("该查档人的个人信息已删除，账号不能再启用。"))
    if profile.status != ReaderStatus.DISABLED:
        raise ValidationError(_("该账号未停用。"), code="conflict")
    profile.status = ReaderStatus.VERIFIED if profile.verified_at else ReaderStatus.PENDING
    profile.version += 1
    profile.save(update_fields=["status", "version"])
    user = profile.user
    user.is_active = True
    user.save(update_fields=["is_active"])
    log(profile, "access.readers.reactivate", actor, {"after": {"status": profile.status}})
    return profile


@transaction.atomic
def do_reset_reader_password(actor: Any, profile: ReaderProfile) -> str:
    """A new one-time password for a reader who forgot theirs (after checking the document at the desk); shown
    once, changed at the next sign-in. The account's sessions end."""
    require_actor(actor, Capability.READERS)
    profile = _lock(profile)
    if profile.is_erased or profile.status == ReaderStatus.DISABLED:
        raise ValidationError(_("该账号已停用，不能重置密码。"), code="conflict")
    password = one_time_password()
    user = profile.user
    user.set_password(password)
    user.must_change_password = True
    user.save(update_fields=["password", "must_change_password"])
    _end_sessions(user)
    log(profile, "access.readers.password_reset", actor, {})
    return password


# ---------------------------------------------------------------- personal data on request


def reader_data(user: User) -> dict[str, list[dict[str, Any]]]:
    """Everything the access app holds about the reader ``user``: every part's rows (``access.personal_data``)."""
    return collect_personal_data(user)


def check_export_reader_data(actor: Any, user: User) -> None:
    check_actor(actor)
    if getattr(actor, "pk", None) is not None and actor.pk == user.pk and is_reader(actor):
        return
    require_actor(actor, Capability.READERS)


@transaction.atomic
def do_export_reader_data(actor: Any, user: User, *, fmt: str = "json") -> dict[str, list[dict[str, Any]]]:
    """A copy of everything held about the reader, for the reader themself or READERS staff; the export is
    audit-logged (who took a copy of whose data, and when)."""
    check_export_reader_data(actor, user)
    data = reader_data(user)
    profile = profile_of(user)
    log(profile if profile is not None else user, "access.readers.export", actor, {"format": fmt})
    return data


def reader_data_xlsx(data: dict[str, list[dict[str, Any]]]) -> bytes:
    """The export as an .xlsx workbook: one sheet per part, one column per key; text made spreadsheet-safe."""
    from openpyxl import Workbook
    from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE

    from dangan.utilities.spreadsheets import safe_text

    book = Workbook(write_only=True)
    for name, rows in data.items():
        sheet = book.create_sheet(title=name[:31] or "data")
        columns: list[str] = []
        for row in rows:
            columns.extend(key for key in row if key not in columns)
        sheet.append(columns)
        for row in rows:
            cells = []
            for column in columns:
                value = row.get(column)
                if isinstance(value, dt.datetime):
                    value = timezone.localtime(value).replace(tzinfo=None) if timezone.is_aware(value) else value
                elif isinstance(value, (uuid.UUID, list, dict)):
                    value = str(value)
                if isinstance(value, str):
                    value = safe_text(ILLEGAL_CHARACTERS_RE.sub("", value))
                cells.append(value)
            sheet.append(cells)
    if not data:
        book.create_sheet(title="data")
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def check_erase_reader(actor: Any, profile: ReaderProfile, reason: str) -> str:
    require_actor(actor, Capability.READERS)
    if profile.is_erased:
        raise ValidationError(_("该查档人的个人信息已删除。"), code="conflict")
    return _reason(reason, required=True)


@transaction.atomic
def do_erase_reader(actor: Any, profile: ReaderProfile, *, reason: str) -> ReaderProfile:
    """Erase a reader's personal data on request (READERS staff, with the reason).

    The name, document, phone and organisation are blanked; the account is deactivated, its sessions end and its
    username is replaced; the other parts blank what they keep (``register_erasure``); the utilization register
    keeps its rows for the statistics with their reader left out. The audit entry names the reader by a masked
    document only."""
    profile = _lock(profile)
    text = check_erase_reader(actor, profile, reason)
    # The entry outlives the erasure: it names the reader by the masked document only.
    before = {
        "document_type": profile.document_type,
        "document_number": mask_document(profile.document_number),
        "status": profile.status,
    }
    user = profile.user
    parts = erase_personal_data(user)
    kept = UseRecord.objects.filter(reader=user).update(reader=None)
    label = _("已删除的查档人")
    profile.real_name = ""
    profile.document_number = ""
    profile.phone = ""
    profile.organisation = ""
    profile.status = ReaderStatus.DISABLED
    profile.erased_at = timezone.now()
    profile.version += 1
    profile.save(
        update_fields=["real_name", "document_number", "phone", "organisation", "status", "erased_at", "version"]
    )
    user.username = f"erased-{profile.uuid.hex[:16]}"
    user.first_name = str(label)
    user.last_name = ""
    user.email = ""
    user.is_active = False
    user.set_unusable_password()
    user.save(update_fields=["username", "first_name", "last_name", "email", "is_active", "password"])
    _end_sessions(user)
    log(
        profile,
        "access.readers.erase",
        actor,
        {"before": before, "reason": text, "parts": parts, "use_records_kept": kept},
    )
    return profile


# ---------------------------------------------------------------- this part's own personal data


def _when(value: dt.datetime | None) -> str | None:
    return value.isoformat() if value is not None else None


def profile_personal_data(user: Any) -> list[dict[str, Any]]:
    """The account and the profile (full: it is the reader's own data, or READERS staff's)."""
    profile = ReaderProfile.objects.filter(user=user).first()
    row: dict[str, Any] = {
        "username": user.username,
        "date_joined": _when(user.date_joined),
        "last_login": _when(user.last_login),
        "is_active": user.is_active,
    }
    if profile is not None:
        row.update(
            {
                "uuid": str(profile.uuid),
                "real_name": profile.real_name,
                "document_type": str(DocumentType(profile.document_type).label)
                if profile.document_type in DocumentType.values
                else profile.document_type,
                "document_number": profile.document_number,
                "phone": profile.phone,
                "organisation": profile.organisation,
                "status": str(profile.get_status_display()),
                "registered_at": _when(profile.registered_at),
                "registered_by_staff": profile.registered_by_staff,
                "consented_at": _when(profile.consented_at),
                "verified_at": _when(profile.verified_at),
            }
        )
    return [row]


def visits_personal_data(user: Any) -> list[dict[str, Any]]:
    from dangan.access.models import Visit

    return [
        {
            "checked_in_at": _when(v.checked_in_at),
            "checked_out_at": _when(v.checked_out_at),
            "purpose": str(v.get_purpose_display()) if v.purpose else "",
            "note": v.note,
        }
        for v in Visit.objects.filter(reader_id=getattr(user, "pk", None)).order_by("checked_in_at", "pk")
    ]


def use_records_personal_data(user: Any) -> list[dict[str, Any]]:
    """The reader's entries of the utilization register; a unit is named only while the reader may still see it
    (``catalog.policy``): a unit closed since is listed without its code and title."""
    from dangan.catalog.policy import visible_units

    rows = list(
        UseRecord.objects.filter(reader_id=getattr(user, "pk", None)).select_related("unit").order_by("at", "pk")
    )
    unit_ids = {r.unit_id for r in rows if r.unit_id is not None}
    shown = set(visible_units(user).filter(pk__in=unit_ids).values_list("pk", flat=True)) if unit_ids else set()
    return [
        {
            "at": _when(r.at),
            "kind": str(r.get_kind_display()),
            "channel": str(r.get_channel_display()),
            "unit": (r.unit.reference_code or "") if r.unit is not None and r.unit_id in shown else "",
            "unit_title": r.unit.title if r.unit is not None and r.unit_id in shown else "",
            "purpose": str(r.get_purpose_display()) if r.purpose else "",
            "pages": r.pages,
        }
        for r in rows
    ]
