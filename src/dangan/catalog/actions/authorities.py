"""Authority records (规范档案) and their links to units."""

from __future__ import annotations

from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from dangan.catalog.choices import AuthorityKind, AuthorityRole
from dangan.catalog.models import ArchivalUnit, Authority, UnitAuthority
from dangan.core.actions.accounts import require_actor
from dangan.core.audit import log
from dangan.core.roles import Capability
from dangan.utilities.text import find_bad_characters

AUTHORITY_FIELDS = ("kind", "name", "variant_names", "dates", "description", "identifier")


def check_authority(data: dict[str, Any], exclude_pk: int | None = None) -> None:
    errors: dict[str, str] = {}
    name = str(data.get("name") or "").strip()
    kind = data.get("kind")
    if not name:
        errors["name"] = _("规范名称不能为空")
    elif bad := find_bad_characters(name):
        errors["name"] = _("含有控制字符或乱码字符（%(chars)s）") % {"chars": "、".join(bad)}
    if kind not in AuthorityKind.values:
        errors["kind"] = _("未知类型：%(kind)s") % {"kind": kind}
    if not errors:
        clash = Authority.objects.filter(kind=kind, name=name)
        if exclude_pk:
            clash = clash.exclude(pk=exclude_pk)
        if clash.exists():
            errors["name"] = _("同类规范档案“%(name)s”已存在") % {"name": name}
    if errors:
        raise ValidationError(errors)


@transaction.atomic
def do_create_authority(actor: Any, data: dict[str, Any], *, is_sample: bool = False) -> Authority:
    require_actor(actor, Capability.CATALOG_CHANGE)
    unknown = set(data) - set(AUTHORITY_FIELDS)
    if unknown:
        raise ValueError(f"unknown authority fields: {sorted(unknown)}")
    check_authority(data)
    authority = Authority(**{**data, "name": data["name"].strip()}, is_sample=is_sample)
    authority.full_clean()
    authority.save()
    log(authority, "catalog.authority.create", actor, {"after": {k: getattr(authority, k) for k in data}})
    return authority


@transaction.atomic
def do_update_authority(actor: Any, authority: Authority, changes: dict[str, Any]) -> Authority:
    require_actor(actor, Capability.CATALOG_CHANGE)
    merged = {k: getattr(authority, k) for k in AUTHORITY_FIELDS} | changes
    check_authority(merged, exclude_pk=authority.pk)
    fields = [k for k in changes if getattr(authority, k) != changes[k]]
    before = {k: getattr(authority, k) for k in fields}
    for key in fields:
        setattr(authority, key, changes[key])
    authority.full_clean()
    authority.save()
    if fields:
        log(authority, "catalog.authority.update", actor, {"before": before, "after": {k: changes[k] for k in fields}})
    return authority


@transaction.atomic
def do_link_authority(actor: Any, unit: ArchivalUnit, authority: Authority, role: str) -> UnitAuthority:
    require_actor(actor, Capability.CATALOG_CHANGE)
    if role not in AuthorityRole.values:
        raise ValidationError(_("未知关系：%(role)s") % {"role": role})
    link, created = UnitAuthority.objects.get_or_create(unit=unit, authority=authority, role=role)
    if created:
        log(
            unit,
            "catalog.authority.link",
            actor,
            {"after": {"authority": str(authority.uuid), "name": authority.name, "role": role}},
        )
    return link


@transaction.atomic
def do_unlink_authority(actor: Any, link: UnitAuthority) -> None:
    require_actor(actor, Capability.CATALOG_CHANGE)
    log(
        link.unit,
        "catalog.authority.unlink",
        actor,
        {"before": {"authority": str(link.authority.uuid), "name": link.authority.name, "role": link.role}},
    )
    link.delete()
