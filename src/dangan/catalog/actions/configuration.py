"""Fonds, record categories and reference-code rules."""

from __future__ import annotations

from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Q
from django.utils.translation import gettext as _

from dangan.catalog.models import Fonds, RecordCategory, ReferenceCodeRule
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

FONDS_FIELDS = ("name", "creator", "start_year", "end_year", "history", "arrangement", "scheme_notes")

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


@transaction.atomic
def do_update_fonds(actor: Any, fonds: Fonds, changes: dict[str, Any]) -> Fonds:
    require_actor(actor, Capability.CATALOG_CHANGE)
    unknown = set(changes) - set(FONDS_FIELDS)
    if unknown:
        raise ValueError(f"unknown fonds fields: {sorted(unknown)}")
    before = {k: getattr(fonds, k) for k in changes}
    for key, value in changes.items():
        setattr(fonds, key, value)
    fonds.full_clean()
    fonds.save()
    log(fonds, "catalog.fonds.update", actor, {"before": before, "after": changes})
    return fonds


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
