"""Restoration work (修复): a work order's life, each step checked (who, from which status), versioned against double
submits and audit-logged; treatment steps; before/after photographs preserved in the unit's package; statistics.

草稿 draft → 待审批 submitted → 已批准 approved (CONSERVATION_MANAGE, not the author) or 退回 sent back (with a reason,
back to the author's plan) → 修复中 in treatment (the original checked out, purpose 修复, reference the order's number)
→ 待验收 awaiting acceptance → 已验收 accepted (CONSERVATION_WORK, not a conservator who treated it; the condition after)
or 验收不合格 back to treatment (with the reason) → 已归还 returned (the check-out closed, the unit's condition the new
grade, source 修复验收).

Photographs: ``do_add_photographs`` writes them as a new version of the unit's package through preservation's
``do_preserve_many`` at ``content/conservation/<number>/before-01.jpg`` … with a PREMIS event (修复前/后拍照); storage
first, then the rows, and a rerun after a crash writes no second version (the event's identifier derives from the
order, the stage and the files' digests). The conservation staff have no catalog write right (PRESERVE), so the
package is written by the system on the conservator's behalf: the version's user and the event's implementer name
the conservator; the audit entry ``conservation.restoration.photographs`` is the conservator's."""

from __future__ import annotations

import csv
import hashlib
import io
import uuid
from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import Any, BinaryIO

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Count, QuerySet, Sum
from django.db.models.functions import ExtractYear
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from dangan.catalog.models import ArchivalUnit
from dangan.catalog.policy import can_view_unit, visible_units
from dangan.conservation.actions.condition import do_record_condition
from dangan.conservation.actions.custody import check_check_out, do_check_out, do_return
from dangan.conservation.choices import CheckOutPurpose, ConditionSource, DamageGrade
from dangan.conservation.grading import GradingError, grade_damages
from dangan.conservation.models import TreatmentStep, UnitCondition, WorkOrder, WorkOrderEvent, WorkOrderPhotograph
from dangan.conservation.models.restoration import PhotoStage, Treatment, WorkOrderStatus
from dangan.core.actors import SYSTEM, account_of, actor_name
from dangan.core.audit import log
from dangan.core.roles import Capability, has_capability
from dangan.utilities.concurrency import EditConflict

__all__ = [
    "PHOTO_EXTENSIONS",
    "PHOTO_PREFIX",
    "Photo",
    "allowed_transitions",
    "do_accept",
    "do_add_photographs",
    "do_approve",
    "do_create_work_order",
    "do_finish_treatment",
    "do_open_photograph",
    "do_record_step",
    "do_reject",
    "do_return_original",
    "do_send_back",
    "do_start_treatment",
    "do_submit",
    "do_update_plan",
    "refusal",
    "restoration_stats",
    "stats_csv",
    "stats_workbook",
    "visible_work_orders",
]

S = WorkOrderStatus
PHOTO_PREFIX = "content/conservation/"
PHOTO_EXTENSIONS = (".jpg", ".jpeg", ".png", ".tif", ".tiff")
EVENT_NAMESPACE = uuid.UUID("5b8f0f0e-6c1a-4f6e-9d39-7265737461f0")
MAX_HOURS = Decimal(10000)


# ---------------------------------------------------------------- reading


def visible_work_orders(user: Any, queryset: QuerySet[WorkOrder] | None = None) -> QuerySet[WorkOrder]:
    """The work orders of the units ``user`` may see (catalog.policy), none without CONSERVATION_VIEW."""
    rows = queryset if queryset is not None else WorkOrder.objects.all()
    if not has_capability(user, Capability.CONSERVATION_VIEW):
        return rows.none()
    return rows.filter(unit__in=visible_units(user))


def treaters(order: WorkOrder) -> set[int]:
    """The accounts that treated the order: who started it and who recorded a step."""
    ids = set(order.steps.exclude(conservator=None).values_list("conservator_id", flat=True))
    if order.treated_by_id:
        ids.add(order.treated_by_id)
    return ids


def allowed_transitions(user: Any, order: WorkOrder) -> list[str]:
    """The transitions ``user`` may make on ``order`` now (the page's buttons): names as in TRANSITIONS."""
    return [name for name in TRANSITIONS if refusal(user, order, name) is None]


def refusal(actor: Any, order: WorkOrder, name: str, *, status: bool = True) -> str | None:
    """Why ``actor`` may not make transition ``name`` on ``order`` now, or None when allowed; ``status=False``: who
    may, whatever the order's status (checked again on the locked row)."""
    sources, capability = TRANSITIONS[name]
    if not has_capability(actor, capability):
        return _("没有办理该操作的权限")
    if not can_view_unit(actor, order.unit):
        return _("无权查看该档案")
    if status and order.status not in sources:
        return _("修复单处于“%(status)s”状态，不能%(action)s") % {
            "status": order.get_status_display(),
            "action": LABELS[name],
        }
    account = account_of(actor)
    if name in ("approve", "send_back") and account is not None and order.created_by_id == account.pk:
        return _("修复单须由编制人以外的负责人审批")
    if name in ("accept", "reject") and account is not None and account.pk in treaters(order):
        return _("修复质量须由修复人员以外的人员验收")
    return None


# transition → (the statuses it starts from, the capability it needs)
TRANSITIONS: dict[str, tuple[tuple[str, ...], str]] = {
    "edit": ((S.DRAFT, S.SENT_BACK), Capability.CONSERVATION_WORK),
    "submit": ((S.DRAFT, S.SENT_BACK), Capability.CONSERVATION_WORK),
    "approve": ((S.SUBMITTED,), Capability.CONSERVATION_MANAGE),
    "send_back": ((S.SUBMITTED,), Capability.CONSERVATION_MANAGE),
    "start": ((S.APPROVED,), Capability.CONSERVATION_WORK),
    "step": ((S.IN_TREATMENT,), Capability.CONSERVATION_WORK),
    "photos": ((S.APPROVED, S.IN_TREATMENT, S.AWAITING_ACCEPTANCE), Capability.CONSERVATION_WORK),
    "finish": ((S.IN_TREATMENT,), Capability.CONSERVATION_WORK),
    "accept": ((S.AWAITING_ACCEPTANCE,), Capability.CONSERVATION_WORK),
    "reject": ((S.AWAITING_ACCEPTANCE,), Capability.CONSERVATION_WORK),
    "return": ((S.ACCEPTED,), Capability.CONSERVATION_WORK),
}
LABELS = {
    "edit": gettext_lazy("修改方案"),
    "submit": gettext_lazy("提交审批"),
    "approve": gettext_lazy("批准"),
    "send_back": gettext_lazy("退回"),
    "start": gettext_lazy("出库并开始修复"),
    "step": gettext_lazy("记录修复步骤"),
    "photos": gettext_lazy("保存照片"),
    "finish": gettext_lazy("修复完成，提交验收"),
    "accept": gettext_lazy("验收合格"),
    "reject": gettext_lazy("验收不合格"),
    "return": gettext_lazy("归还入库"),
}


def _check(actor: Any, order: WorkOrder, name: str, *, status: bool = True) -> None:
    """PermissionDenied for the wrong person (whatever the status), then ValidationError for the wrong status."""
    who = refusal(actor, order, name, status=False)
    if who is not None:
        raise PermissionDenied(who)
    if status:
        why = refusal(actor, order, name)
        if why is not None:
            raise ValidationError(why)


def _locked(actor: Any, order: WorkOrder, name: str, version: int | None) -> WorkOrder:
    """The order locked for the transition, checked again under the lock; EditConflict when ``version`` is stale."""
    locked = WorkOrder.objects.select_for_update().select_related("unit").filter(pk=order.pk).first()
    if locked is None:
        raise EditConflict(_("修复单已不存在"))
    if version is not None and locked.version != version:
        raise EditConflict(_("修复单已被他人修改（或重复提交），请刷新后再试"), locked.version)
    _check(actor, locked, name)
    return locked


def _move(actor: Any, order: WorkOrder, name: str, to: str, note: str = "", fields: Iterable[str] = ()) -> None:
    """Save ``order`` in status ``to`` (its ``fields`` too), add the timeline step and the audit entry."""
    before = order.status
    order.status = to
    order.version += 1
    order.save(update_fields=["status", "version", "updated", *fields])
    WorkOrderEvent.objects.create(
        order=order,
        action=name,
        status_from=before,
        status_to=to,
        at=timezone.now(),
        by=account_of(actor),
        by_name=actor_name(actor),
        note=note,
    )
    log(
        order,
        f"conservation.restoration.{name}",
        actor,
        {"number": order.number, "unit": str(order.unit.uuid), "before": before, "after": to, "note": note},
    )


# ---------------------------------------------------------------- the plan


def _plan(treatments: Sequence[str], estimated_hours: Any) -> tuple[list[str], Decimal]:
    errors: dict[str, str] = {}
    chosen = [t for t in dict.fromkeys(treatments) if t]
    if not chosen:
        errors["treatments"] = _("请至少选择一项修复工艺")
    elif any(t not in Treatment.values for t in chosen):
        errors["treatments"] = _("修复工艺无法识别")
    hours = _hours(estimated_hours, errors, "estimated_hours", allow_zero=True)
    if errors:
        raise ValidationError(errors)
    return chosen, hours


def _hours(value: Any, errors: dict[str, str], field: str, *, allow_zero: bool = False) -> Decimal:
    try:
        hours = Decimal(str(value if value not in (None, "") else "0")).quantize(Decimal("0.1"))
    except (InvalidOperation, ValueError):
        errors[field] = _("工时应为数字")
        return Decimal(0)
    if hours < 0 or hours >= MAX_HOURS or (hours == 0 and not allow_zero):
        errors[field] = _("工时应大于 0 且小于 10000")
    return hours


def _next_number(year: int) -> str:
    prefix = f"XF{year}-"
    last = (
        WorkOrder.objects.filter(number__startswith=prefix).order_by("-number").values_list("number", flat=True).first()
    )
    sequence = int(last.removeprefix(prefix)) + 1 if last else 1
    return f"{prefix}{sequence:04d}"


def check_create_work_order(actor: Any, unit: ArchivalUnit) -> UnitCondition:
    if not has_capability(actor, Capability.CONSERVATION_WORK):
        raise PermissionDenied(_("没有编制修复单的权限"))
    if not can_view_unit(actor, unit):
        raise PermissionDenied(_("无权查看该档案"))
    condition = UnitCondition.objects.filter(unit=unit).first()
    if condition is None:
        raise ValidationError({"unit": _("该档案尚无保存状况记录，请先摸排定级再编制修复单")})
    if WorkOrder.objects.filter(unit=unit).exclude(status=S.RETURNED).exists():
        raise ValidationError({"unit": _("该档案已有未完成的修复单")})
    return condition


def do_create_work_order(
    actor: Any,
    unit: ArchivalUnit,
    treatments: Sequence[str],
    *,
    materials: str = "",
    estimated_hours: Any = 0,
    notes: str = "",
) -> WorkOrder:
    """A draft work order for ``unit`` with its condition now copied as the condition before (the surveys part's
    priorities call this for each unit chosen). ValidationError (Chinese, by field) for a bad plan, a unit without a
    recorded condition or one that has an open order; PermissionDenied without CONSERVATION_WORK or the unit."""
    condition = check_create_work_order(actor, unit)
    chosen, hours = _plan(treatments, estimated_hours)
    for _attempt in range(5):
        try:
            with transaction.atomic():
                order = WorkOrder.objects.create(
                    number=_next_number(timezone.localdate().year),
                    unit=unit,
                    grade_before=condition.grade,
                    reason_before=condition.reason,
                    damages_before=condition.damages,
                    treatments=chosen,
                    materials=materials.strip(),
                    estimated_hours=hours,
                    plan_notes=notes.strip(),
                    created_by=account_of(actor),
                )
                WorkOrderEvent.objects.create(
                    order=order,
                    action="create",
                    status_to=S.DRAFT,
                    at=timezone.now(),
                    by=account_of(actor),
                    by_name=actor_name(actor),
                )
                log(
                    order,
                    "conservation.restoration.create",
                    actor,
                    {"number": order.number, "unit": str(unit.uuid), "grade_before": order.grade_before},
                )
                return order
        except IntegrityError:
            if WorkOrder.objects.filter(unit=unit).exclude(status=S.RETURNED).exists():
                raise ValidationError({"unit": _("该档案已有未完成的修复单")}) from None
            continue  # two orders took the same number at once: take the next
    raise ValidationError(_("修复单号分配冲突，请重试"))  # pragma: no cover


def do_update_plan(
    actor: Any,
    order: WorkOrder,
    version: int | None,
    treatments: Sequence[str],
    *,
    materials: str = "",
    estimated_hours: Any = 0,
    notes: str = "",
) -> WorkOrder:
    """Change the plan of a draft or sent-back order."""
    _check(actor, order, "edit", status=False)
    chosen, hours = _plan(treatments, estimated_hours)
    with transaction.atomic():
        locked = _locked(actor, order, "edit", version)
        locked.treatments, locked.materials, locked.estimated_hours = chosen, materials.strip(), hours
        locked.plan_notes = notes.strip()
        locked.version += 1
        locked.save(update_fields=["treatments", "materials", "estimated_hours", "plan_notes", "version", "updated"])
        log(locked, "conservation.restoration.edit", actor, {"number": locked.number, "treatments": chosen})
    return locked


# ---------------------------------------------------------------- approval


def do_submit(actor: Any, order: WorkOrder, version: int | None) -> WorkOrder:
    _check(actor, order, "submit", status=False)
    with transaction.atomic():
        locked = _locked(actor, order, "submit", version)
        _move(actor, locked, "submit", S.SUBMITTED)
    return locked


def do_approve(actor: Any, order: WorkOrder, version: int | None, note: str = "") -> WorkOrder:
    """The head of conservation (CONSERVATION_MANAGE, not the author) approves the plan."""
    _check(actor, order, "approve", status=False)
    with transaction.atomic():
        locked = _locked(actor, order, "approve", version)
        locked.approved_by, locked.approved_at, locked.sent_back_reason = account_of(actor), timezone.now(), ""
        _move(actor, locked, "approve", S.APPROVED, note.strip(), ["approved_by", "approved_at", "sent_back_reason"])
    return locked


def do_send_back(actor: Any, order: WorkOrder, version: int | None, reason: str) -> WorkOrder:
    """The head of conservation returns the plan to its author with ``reason``."""
    _check(actor, order, "send_back", status=False)
    if not reason.strip():
        raise ValidationError({"reason": _("请填写退回理由")})
    with transaction.atomic():
        locked = _locked(actor, order, "send_back", version)
        locked.sent_back_reason = reason.strip()
        _move(actor, locked, "send_back", S.SENT_BACK, locked.sent_back_reason, ["sent_back_reason"])
    return locked


# ---------------------------------------------------------------- treatment


def do_start_treatment(actor: Any, order: WorkOrder, version: int | None, due: date, taken_by: str = "") -> WorkOrder:
    """Check the original out (出库, purpose 修复, reference the order's number) and start the treatment: ``actor``
    is its conservator; ``taken_by`` who signs for it (the actor's name when blank)."""
    _check(actor, order, "start", status=False)
    signer = taken_by.strip() or (actor.get_full_name() if hasattr(actor, "get_full_name") else "") or actor_name(actor)
    check_check_out(actor, order.unit, CheckOutPurpose.RESTORATION, due, signer)
    with transaction.atomic():
        locked = _locked(actor, order, "start", version)
        checkout = do_check_out(
            actor,
            locked.unit,
            CheckOutPurpose.RESTORATION,
            due,
            signer,
            reference=_("修复单 %(n)s") % {"n": locked.number},
        )
        locked.checkout, locked.treated_by, locked.started_at = checkout, account_of(actor), timezone.now()
        locked.rejected_reason = ""
        note = _("出库，应还 %(due)s，领取人 %(who)s") % {"due": due.isoformat(), "who": signer}
        _move(actor, locked, "start", S.IN_TREATMENT, note, ["checkout", "treated_by", "started_at", "rejected_reason"])
    return locked


@dataclass(frozen=True)
class Material:
    name: str
    quantity: Decimal
    unit: str

    def as_dict(self) -> dict[str, str]:
        return {"name": self.name, "quantity": str(self.quantity), "unit": self.unit}


def _materials(given: Iterable[Mapping[str, Any]], errors: dict[str, str]) -> list[dict[str, str]]:
    kept: list[dict[str, str]] = []
    for row in given:
        name = str(row.get("name") or "").strip()
        quantity, unit = row.get("quantity"), str(row.get("unit") or "").strip()
        if not name and quantity in (None, "") and not unit:
            continue
        try:
            amount = Decimal(str(quantity)).normalize()
        except (InvalidOperation, ValueError):
            errors["materials"] = _("材料“%(name)s”的用量应为数字") % {"name": name}
            continue
        if not name or amount <= 0 or not unit:
            errors["materials"] = _("每种材料须填写名称、大于 0 的用量和单位")
            continue
        kept.append(Material(name, amount, unit).as_dict())
    return kept


def do_record_step(
    actor: Any,
    order: WorkOrder,
    treatment: str,
    hours: Any,
    *,
    materials: Iterable[Mapping[str, Any]] = (),
    day: date | None = None,
    notes: str = "",
) -> TreatmentStep:
    """Record a treatment done on an order in treatment by ``actor`` (the conservator): materials used
    ([{"name", "quantity", "unit"}]), hours, day (today when not given, never ahead)."""
    _check(actor, order, "step", status=False)
    errors: dict[str, str] = {}
    if treatment not in Treatment.values:
        errors["treatment"] = _("修复工艺无法识别")
    spent = _hours(hours, errors, "hours")
    used = _materials(materials, errors)
    day = day or timezone.localdate()
    if day > timezone.localdate():
        errors["date"] = _("日期不能晚于今天")
    if errors:
        raise ValidationError(errors)
    with transaction.atomic():
        locked = _locked(actor, order, "step", None)
        step = TreatmentStep.objects.create(
            order=locked,
            treatment=treatment,
            materials=used,
            hours=spent,
            conservator=account_of(actor),
            conservator_name=(actor.get_full_name() if hasattr(actor, "get_full_name") else "") or actor_name(actor),
            date=day,
            notes=notes.strip(),
            recorded_at=timezone.now(),
        )
        locked.version += 1
        locked.save(update_fields=["version", "updated"])
        log(
            locked,
            "conservation.restoration.step",
            actor,
            {"number": locked.number, "treatment": treatment, "hours": str(spent), "materials": used},
        )
    return step


def do_finish_treatment(actor: Any, order: WorkOrder, version: int | None) -> WorkOrder:
    _check(actor, order, "finish", status=False)
    if not order.steps.exists():
        raise ValidationError(_("尚未记录任何修复步骤"))
    with transaction.atomic():
        locked = _locked(actor, order, "finish", version)
        locked.finished_at = timezone.now()
        _move(actor, locked, "finish", S.AWAITING_ACCEPTANCE, fields=["finished_at"])
    return locked


# ---------------------------------------------------------------- acceptance and return


def do_accept(
    actor: Any, order: WorkOrder, version: int | None, damages_after: Mapping[str, object], note: str = ""
) -> WorkOrder:
    """Quality acceptance by a second person (not a conservator who treated it): the condition after, graded."""
    _check(actor, order, "accept", status=False)
    try:
        assessment = grade_damages(damages_after)
    except GradingError as exc:
        raise ValidationError({"damages": str(exc)}) from None
    kept = {key: value for key, value in damages_after.items() if value not in (None, "")}
    with transaction.atomic():
        locked = _locked(actor, order, "accept", version)
        locked.accepted_by, locked.accepted_at = account_of(actor), timezone.now()
        locked.acceptance_note, locked.damages_after = note.strip(), kept
        locked.grade_after, locked.reason_after = assessment.grade, assessment.reason
        fields = ["accepted_by", "accepted_at", "acceptance_note", "damages_after", "grade_after", "reason_after"]
        summary = _("修复后：%(grade)s") % {"grade": DamageGrade(assessment.grade).label}
        _move(actor, locked, "accept", S.ACCEPTED, " ".join(x for x in (summary, note.strip()) if x), fields)
    return locked


def do_reject(actor: Any, order: WorkOrder, version: int | None, reason: str) -> WorkOrder:
    """验收不合格: back to treatment with ``reason``."""
    _check(actor, order, "reject", status=False)
    if not reason.strip():
        raise ValidationError({"reason": _("请填写不合格的理由")})
    with transaction.atomic():
        locked = _locked(actor, order, "reject", version)
        locked.rejected_reason, locked.finished_at = reason.strip(), None
        _move(actor, locked, "reject", S.IN_TREATMENT, locked.rejected_reason, ["rejected_reason", "finished_at"])
    return locked


def do_return_original(
    actor: Any, order: WorkOrder, version: int | None, returned_by: str, note: str = ""
) -> WorkOrder:
    """The original comes back (入库): the check-out closed, the unit's condition now the accepted one (修复验收)."""
    _check(actor, order, "return", status=False)
    with transaction.atomic():
        locked = _locked(actor, order, "return", version)
        if locked.checkout is not None and locked.checkout.is_open:
            do_return(actor, locked.checkout, returned_by or locked.checkout.taken_by, note)
        do_record_condition(actor, locked.unit, locked.damages_after, ConditionSource.RESTORATION)
        locked.returned_at = timezone.now()
        _move(actor, locked, "return", S.RETURNED, note.strip(), ["returned_at"])
    return locked


# ---------------------------------------------------------------- photographs


@dataclass(frozen=True)
class Photo:
    """A received photograph: the name it came with and where it lies now."""

    name: str
    path: Path


def photo_path(order: WorkOrder, stage: str, number: int, extension: str) -> str:
    """``content/conservation/<number>/before-01.jpg``: where a photograph lies in the unit's package."""
    return f"{PHOTO_PREFIX}{order.number}/{stage}-{number:02d}{extension}"


def check_add_photographs(actor: Any, order: WorkOrder, stage: str, photos: Sequence[Photo]) -> None:
    _check(actor, order, "photos")
    if stage not in PhotoStage.values:
        raise ValidationError({"stage": _("照片阶段无法识别")})
    if stage == PhotoStage.BEFORE and order.status not in (S.APPROVED, S.IN_TREATMENT):
        raise ValidationError({"stage": _("修复前照片应在批准后、修复中拍摄保存")})
    if stage == PhotoStage.AFTER and order.status == S.APPROVED:
        raise ValidationError({"stage": _("修复开始后才能保存修复后照片")})
    if not photos:
        raise ValidationError({"photos": _("请选择照片")})
    for photo in photos:
        if Path(photo.name).suffix.lower() not in PHOTO_EXTENSIONS:
            raise ValidationError({"photos": _("“%(name)s”不是 JPEG、PNG 或 TIFF 图像") % {"name": photo.name}})
        if not photo.path.is_file() or photo.path.stat().st_size == 0:
            raise ValidationError({"photos": _("“%(name)s”是空文件") % {"name": photo.name}})


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def do_add_photographs(actor: Any, order: WorkOrder, stage: str, photos: Sequence[Photo]) -> list[WorkOrderPhotograph]:
    """Preserve ``photos`` as a new version of the unit's package (numbered after those of the stage already kept),
    with a PREMIS event, then record them on the order. Call it outside a transaction (storage first)."""
    from dangan.preservation.actions.preserving import do_preserve_many
    from dangan.preservation.models import PackageFile
    from dangan.preservation.premis import (
        FILE_ID_TYPE,
        AgentRole,
        Event,
        EventOutcome,
        Link,
        intellectual_entity_id,
        person_agent,
        software_agent,
    )
    from dangan.preservation.store import object_id_for, package_uuid_for_unit

    order = WorkOrder.objects.select_related("unit").get(pk=order.pk)  # the status now, not the caller's copy
    check_add_photographs(actor, order, stage, photos)
    start = (
        WorkOrderPhotograph.objects.filter(order=order, stage=stage)
        .order_by("-number")
        .values_list("number", flat=True)
        .first()
        or 0
    )
    files: dict[str, Path] = {}
    for offset, photo in enumerate(photos, start=1):
        extension = Path(photo.name).suffix.lower().replace(".jpeg", ".jpg").replace(".tiff", ".tif")
        files[photo_path(order, stage, start + offset, extension)] = photo.path
    digests = {logical: _sha256(source) for logical, source in files.items()}
    already = dict(
        WorkOrderPhotograph.objects.filter(order=order, sha256__in=list(digests.values())).values_list(
            "sha256", "logical_path"
        )
    )
    for digest, photo in zip(digests.values(), photos, strict=True):
        if digest in already:
            raise ValidationError(
                {"photos": _("“%(name)s”已保存为 %(path)s") % {"name": photo.name, "path": already[digest]}}
            )
    if len(set(digests.values())) < len(digests):
        raise ValidationError({"photos": _("同一张照片选了两次")})
    unit = order.unit
    label = PhotoStage(stage).label
    event = Event(
        identifier=str(uuid.uuid5(EVENT_NAMESPACE, f"{order.number}:{stage}:{sorted(digests.items())}")),
        type="capture",
        date_time=timezone.now(),
        detail=_("修复档案拍照（%(stage)s）：修复单 %(number)s，%(count)d 张")
        % {
            "stage": label,
            "number": order.number,
            "count": len(files),
        },
        outcome=EventOutcome.SUCCESS.value,
        outcome_detail=_("保管保护：修复文档"),
        agents=[software_agent().link(), person_agent(actor_name(actor)).link(AgentRole.IMPLEMENTER)],
        objects=[
            intellectual_entity_id(object_id_for(package_uuid_for_unit(unit.uuid))),
            *(Link(FILE_ID_TYPE, logical) for logical in files),
        ],
    )
    message = _("修复单 %(number)s：%(stage)s照片 %(count)d 张（%(who)s）") % {
        "number": order.number,
        "stage": label,
        "count": len(files),
        "who": actor_name(actor),
    }
    # The conservation staff may not write the catalog's packages themselves (PRESERVE): the system writes the
    # version on their behalf, after the checks above; the event names the conservator.
    result = do_preserve_many(SYSTEM, [(unit, files, message)], events={unit.pk: [event]})[0]
    stored = {
        row.logical_path: row
        for row in PackageFile.objects.filter(
            package=result.package, version__number=int(result.version.lstrip("v"))
        ).filter(logical_path__in=list(files))
    }
    now = timezone.now()
    kept: list[WorkOrderPhotograph] = []
    with transaction.atomic():
        locked = _locked(actor, order, "photos", None)
        for (logical, _source), photo in zip(files.items(), photos, strict=True):
            row = stored.get(logical)
            number = int(logical.rsplit("-", 1)[1].split(".")[0])
            kept.append(
                WorkOrderPhotograph.objects.create(
                    order=locked,
                    stage=stage,
                    number=number,
                    logical_path=logical,
                    package_version=result.version,
                    sha256=row.sha256 if row is not None and row.sha256 else digests[logical],
                    size=row.size if row is not None else photo.path.stat().st_size,
                    original_name=photo.name[:255],
                    added_by=account_of(actor),
                    added_at=now,
                )
            )
        locked.version += 1
        locked.save(update_fields=["version", "updated"])
        log(
            locked,
            "conservation.restoration.photographs",
            actor,
            {"number": locked.number, "stage": stage, "version": result.version, "paths": list(files)},
        )
    return kept


def do_open_photograph(actor: Any, photo: WorkOrderPhotograph) -> BinaryIO:
    """An open stream of a preserved photograph (from the version it was stored in); audit-logged. PermissionDenied
    without CONSERVATION_VIEW or the unit."""
    from dangan.preservation.store import object_id_for, package_uuid_for_unit, storage_root

    order = photo.order
    if not has_capability(actor, Capability.CONSERVATION_VIEW) or not can_view_unit(actor, order.unit):
        raise PermissionDenied(_("无权查看该档案"))
    object_id = object_id_for(package_uuid_for_unit(order.unit.uuid))
    handle = storage_root().open_file(object_id, photo.logical_path, int(photo.package_version.lstrip("v")))
    log(order, "conservation.restoration.photo", actor, {"number": order.number, "path": photo.logical_path})
    return handle


# ---------------------------------------------------------------- statistics


def restoration_stats(user: Any, year: int | None = None) -> dict[str, Any]:
    """Units restored (orders returned) per year, hours, materials used, grade pairs (before → after): only the
    work orders of units ``user`` may see. Counted by the database (materials summed here from the steps' lists).
    JSON-ready: hours (one decimal) and quantities as strings."""
    orders = visible_work_orders(user).filter(status=S.RETURNED, returned_at__isnull=False)
    if year is not None:
        orders = orders.filter(returned_at__year=year)
    years = {
        row["y"]: {"year": row["y"], "units": row["units"], "work_orders": row["orders"], "hours": "0.0"}
        for row in orders.annotate(y=ExtractYear("returned_at"))
        .values("y")
        .annotate(orders=Count("id"), units=Count("unit", distinct=True))
        .order_by("y")
    }
    steps = TreatmentStep.objects.filter(order__in=orders.values("id"))
    for row in steps.annotate(y=ExtractYear("order__returned_at")).values("y").annotate(hours=Sum("hours")):
        if row["y"] in years:
            years[row["y"]]["hours"] = f"{Decimal(row['hours'] or 0):.1f}"
    materials: dict[tuple[str, str], Decimal] = defaultdict(Decimal)
    for used in steps.exclude(materials=[]).values_list("materials", flat=True).iterator():
        for material in used:
            materials[(material["name"], material["unit"])] += Decimal(material["quantity"])
    rank = DamageGrade.rank
    pairs = orders.values_list("grade_before", "grade_after").annotate(count=Count("id")).order_by()
    return {
        "year": year,
        "years": [years[y] for y in sorted(years)],
        "materials": [
            {"name": name, "unit": unit, "quantity": str(quantity.normalize())}
            for (name, unit), quantity in sorted(materials.items())
        ],
        "grades": [
            {"before": before, "after": after, "count": count}
            for before, after, count in sorted(pairs, key=lambda p: (rank(p[0]), rank(p[1])))
        ],
    }


def _grade_label(value: str) -> str:
    return str(dict(DamageGrade.choices).get(value, value))


def stats_rows(stats: Mapping[str, Any]) -> dict[str, tuple[list[str], list[list[Any]]]]:
    """The statistics as tables: sheet name → (header, rows)."""
    return {
        _("年度"): (
            [_("年度"), _("修复档案数"), _("修复单数"), _("工时")],
            [[r["year"], r["units"], r["work_orders"], float(r["hours"])] for r in stats["years"]],
        ),
        _("材料"): (
            [_("材料"), _("用量"), _("单位")],
            [[r["name"], float(r["quantity"]), r["unit"]] for r in stats["materials"]],
        ),
        _("等级"): (
            [_("修复前"), _("修复后"), _("件数")],
            [[_grade_label(r["before"]), _grade_label(r["after"]), r["count"]] for r in stats["grades"]],
        ),
    }


def stats_workbook(stats: Mapping[str, Any]) -> bytes:
    """The statistics as an Excel workbook (one sheet per table)."""
    from openpyxl import Workbook

    from dangan.utilities.spreadsheets import safe_row

    book = Workbook()
    first = True
    for title, (header, rows) in stats_rows(stats).items():
        sheet = book.active if first else book.create_sheet()
        assert sheet is not None
        sheet.title = title
        first = False
        sheet.append(header)
        for row in rows:
            sheet.append(safe_row(list(row)))
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def stats_csv(stats: Mapping[str, Any]) -> str:
    """The statistics as one CSV table: 类别, 项目, 项目2, 数值 (UTF-8 with a BOM for Excel when written)."""
    from dangan.utilities.spreadsheets import safe_row

    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow([_("类别"), _("项目"), _("项目2"), _("数值")])
    for r in stats["years"]:
        writer.writerow([_("修复档案数"), r["year"], "", r["units"]])
        writer.writerow([_("修复单数"), r["year"], "", r["work_orders"]])
        writer.writerow([_("工时"), r["year"], "", r["hours"]])
    for r in stats["materials"]:
        writer.writerow(safe_row([_("材料"), r["name"], r["unit"], r["quantity"]]))
    for r in stats["grades"]:
        writer.writerow([_("等级"), _grade_label(r["before"]), _grade_label(r["after"]), r["count"]])
    return out.getvalue()


def default_due() -> date:
    """The return date a restoration check-out gets when none is given: 30 days ahead."""
    return timezone.localdate() + timedelta(days=30)
