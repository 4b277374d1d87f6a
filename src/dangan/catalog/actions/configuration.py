"""Fonds, record categories and reference-code rules."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Q
from django.utils.translation import gettext as _

from dangan.catalog.choices import ArrangementOrder
from dangan.catalog.models import ArchivalUnit, Fonds, RecordCategory, ReferenceCodeRule
from dangan.catalog.models.fonds import category_code_validator, fonds_code_validator
from dangan.catalog.refcodes import (
    DEFAULT_PATTERN,
    CodePattern,
    PatternError,
    compile_pattern,
    validate_pattern,
)
from dangan.core.actions.accounts import require_actor
from dangan.core.audit import log
from dangan.core.models import Institution
from dangan.core.roles import Capability
from dangan.utilities.text import find_bad_characters

FONDS_FIELDS = ("name", "creator", "start_year", "end_year", "history", "arrangement", "scheme_notes")
FONDS_EDITABLE_FIELDS = ("code", *FONDS_FIELDS)

DEFAULT_CATEGORIES = [
    ("WS", "文书"),
    ("KJ", "科技"),
    ("KU", "会计"),
    ("ZP", "照片"),
    ("LY", "录音"),
    ("LX", "录像"),
    ("SW", "实物"),
    ("ZL", "资料"),
]


def check_create_fonds(actor: Any, code: str, name: str) -> None:
    require_actor(actor, Capability.CATALOG_CHANGE)
    fonds_code_validator(code)
    if not name.strip():
        raise ValidationError(_("全宗名称不能为空。"))
    if Fonds.objects.filter(code__iexact=code).exists():
        raise ValidationError(_("全宗号 %(code)s 已存在。") % {"code": code})


@transaction.atomic
def do_create_fonds(actor: Any, code: str, name: str, **fields: Any) -> Fonds:
    check_create_fonds(actor, code, name)
    institution = Institution.current()
    if institution is None:
        raise ValidationError(_("尚未设置本机构，请先运行 dangan init。"))
    unknown = set(fields) - set(FONDS_FIELDS) - {"is_sample"}
    if unknown:
        raise ValueError(f"unknown fonds fields: {sorted(unknown)}")
    fonds = Fonds(institution=institution, code=code, name=name.strip(), **fields)
    fonds.full_clean()
    fonds.save()
    log(fonds, "catalog.fonds.create", actor, {"after": {"code": code, "name": fonds.name, **fields}})
    return fonds


def fonds_has_units(fonds: Fonds) -> bool:
    """Whether any unit (visible to anyone or not) belongs to ``fonds``."""
    return ArchivalUnit.objects.filter(fonds=fonds).exists()


def check_update_fonds(actor: Any, fonds: Fonds, changes: dict[str, Any]) -> None:
    """Validate a change of a fonds' description. The 全宗号 may change only while the fonds holds no unit: it is
    the first part of every unit's 档号 (and of the 档号 in preserved packages and exported catalogs), so a fonds
    with units keeps it; a mistyped code is corrected before the first unit is described or imported."""
    require_actor(actor, Capability.CATALOG_CHANGE)
    unknown = set(changes) - set(FONDS_EDITABLE_FIELDS)
    if unknown:
        raise ValueError(f"unknown fonds fields: {sorted(unknown)}")
    errors: dict[str, str] = {}
    if "code" in changes:
        code = str(changes["code"] or "").strip()
        if code != fonds.code:
            try:
                fonds_code_validator(code)
            except ValidationError as exc:
                errors["code"] = exc.messages[0]
            else:
                if Fonds.objects.filter(code__iexact=code).exclude(pk=fonds.pk).exists():
                    errors["code"] = _("全宗号 %(code)s 已存在。") % {"code": code}
                elif fonds_has_units(fonds):
                    errors["code"] = _(
                        "全宗 %(code)s 已有档案：全宗号是每件档案档号的一部分，不能再修改。"
                        "只有尚未著录或导入档案的全宗可以更正全宗号。"
                    ) % {"code": fonds.code}
    if "name" in changes and not str(changes["name"] or "").strip():
        errors["name"] = _("全宗名称不能为空。")
    for field in ("name", "creator", "history", "scheme_notes"):
        value = changes.get(field)
        if isinstance(value, str) and (bad := find_bad_characters(value)):
            errors[field] = _("含有控制字符或乱码字符（%(chars)s）") % {"chars": "、".join(bad)}
    this_year = dt.date.today().year
    for field in ("start_year", "end_year"):
        year = changes.get(field)
        if year is not None and not 1000 <= year <= this_year:
            errors[field] = _("年度 %(year)d 不合理") % {"year": year}
    start = changes.get("start_year", fonds.start_year)
    end = changes.get("end_year", fonds.end_year)
    if start is not None and end is not None and start > end and "end_year" not in errors:
        errors["end_year"] = _("终止年度 %(end)d 早于起始年度 %(start)d") % {"end": end, "start": start}
    if "arrangement" in changes and changes["arrangement"] not in ArrangementOrder.values:
        errors["arrangement"] = _("未知的分类方案：%(value)s") % {"value": changes["arrangement"]}
    if errors:
        raise ValidationError(errors)


@transaction.atomic
def do_update_fonds(actor: Any, fonds: Fonds, changes: dict[str, Any]) -> Fonds:
    """Change a fonds' description (and, while it has no units, its 全宗号). Only the fields that differ from the
    stored row are written, under a row lock, and the audit entry names exactly those."""
    changes = {k: (v.strip() if isinstance(v, str) and k in ("code", "name") else v) for k, v in changes.items()}
    locked = Fonds.objects.select_for_update().get(pk=fonds.pk)
    check_update_fonds(actor, locked, changes)
    fields = [k for k, v in changes.items() if getattr(locked, k) != v]
    if not fields:
        return locked
    before = {k: getattr(locked, k) for k in fields}
    for key in fields:
        setattr(locked, key, changes[key])
    locked.full_clean(validate_unique=False)
    locked.save(update_fields=[*fields, "updated"])
    log(locked, "catalog.fonds.update", actor, {"before": before, "after": {k: changes[k] for k in fields}})
    return locked


@transaction.atomic
def do_ensure_category(actor: Any, code: str, name: str, order: int = 100) -> RecordCategory:
    category_code_validator(code)
    category, created = RecordCategory.objects.get_or_create(code=code, defaults={"name": name, "order": order})
    if created:
        log(category, "catalog.category.create", actor, {"after": {"code": code, "name": name}})
    return category


def do_ensure_default_categories(actor: Any) -> None:
    for order, (code, name) in enumerate(DEFAULT_CATEGORIES):
        do_ensure_category(actor, code, name, order=order * 10)


@transaction.atomic
def do_set_code_rule(
    actor: Any, pattern: str, fonds: Fonds | None = None, category: RecordCategory | None = None
) -> ReferenceCodeRule:
    """Set the 档号 pattern for a scope (fonds and/or category; neither: the institution's default)."""
    require_actor(actor, Capability.CATALOG_CONFIGURE)
    try:
        validate_pattern(pattern)
    except PatternError as exc:
        raise ValidationError(str(exc)) from exc
    rule = ReferenceCodeRule.objects.filter(fonds=fonds, category=category).first()
    before = rule.pattern if rule else None
    if rule is None:
        rule = ReferenceCodeRule(fonds=fonds, category=category)
    rule.pattern = pattern
    rule.save()
    log(
        rule,
        "catalog.code_rule.set",
        actor,
        {
            "scope": {"fonds": fonds.code if fonds else None, "category": category.code if category else None},
            "before": before,
            "after": pattern,
        },
    )
    return rule


def pattern_for(fonds: Fonds | None, category: RecordCategory | None) -> CodePattern:
    """The 档号 pattern in force: fonds+category, then fonds, then category, then default, then DA/T 22."""
    fonds_id = fonds.pk if fonds else None
    category_id = category.pk if category else None
    rules = {
        (r.fonds_id, r.category_id): r.pattern
        for r in ReferenceCodeRule.objects.filter(Q(fonds=None) | Q(fonds_id=fonds_id))
    }
    for key in ((fonds_id, category_id), (fonds_id, None), (None, category_id), (None, None)):
        if key in rules:
            return compile_pattern(rules[key])
    return compile_pattern(DEFAULT_PATTERN)
