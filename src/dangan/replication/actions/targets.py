"""Replication targets (备份目标): add an S3-compatible store, a folder (NAS, tape under LTFS) or a set of Blu-ray
discs as a place copies go; change, disable and enable them. A partner's target is made by pairing (part partners),
not here.

check_* validates and raises ``ValidationError`` (Chinese messages, keyed by field); do_* writes in a transaction and
logs to the audit log (``replication.target.*``). Only holders of REPLICATION_MANAGE (and the console) may change
targets. An S3 target's ``options`` hold the endpoint, the region and the NAMES of the environment variables with
its credentials; adding or changing one asks the bucket whether it answers to them.
"""

from __future__ import annotations

import os
import re
from pathlib import Path
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from dangan.core.actors import check_actor
from dangan.core.audit import log
from dangan.core.roles import Capability
from dangan.replication.choices import Cipher, Medium, TargetKind
from dangan.replication.models import Target
from dangan.replication.stores.base import StoreError

__all__ = [
    "DEFAULT_MEDIUM",
    "S3_OPTIONS",
    "check_target",
    "do_add_target",
    "do_disable_target",
    "do_enable_target",
    "do_update_target",
    "target_summary",
]

#: The kinds made here (a partner's target is made by pairing).
KINDS = (TargetKind.S3, TargetKind.FOLDER, TargetKind.DISCS)
DEFAULT_MEDIUM = {TargetKind.S3: Medium.OBJECT, TargetKind.FOLDER: Medium.DISK, TargetKind.DISCS: Medium.OPTICAL}
S3_OPTIONS = ("endpoint", "region", "access_key_env", "secret_key_env")
_NAME = re.compile(r"^[a-z0-9][a-z0-9_-]{0,63}$")
_ENV_NAME = re.compile(r"^[A-Za-z_][A-Za-z0-9_]{0,127}$")
_REGION = re.compile(r"^[a-z0-9-]{1,64}$")


def _require(actor: Any) -> None:
    check_actor(actor)
    if not actor.has_capability(Capability.REPLICATION_MANAGE):
        raise PermissionDenied(_("您没有管理异地备份的权限。"))


def target_summary(target: Target) -> dict[str, Any]:
    """What the CLI's ``--json``, the audit log and the pages show of a target (no secrets: there are none)."""
    return {
        "name": target.name,
        "kind": target.kind,
        "medium": target.medium,
        "site": target.site,
        "location": target.location,
        "cipher": target.cipher,
        "enabled": target.enabled,
        "options": {k: v for k, v in (target.options or {}).items() if k in S3_OPTIONS},
        "partner": target.partner.name if target.partner is not None else None,
    }


# ---------------------------------------------------------------- validation


def _check_options(kind: str, options: dict[str, Any]) -> dict[str, Any]:
    if kind != TargetKind.S3:
        if options:
            raise ValidationError({"options": _("只有对象存储目标有连接选项。")})
        return {}
    unknown = sorted(set(options) - set(S3_OPTIONS))
    if unknown:
        raise ValidationError(
            {
                "options": _("不认识的选项：%(names)s（密钥不得保存在数据库中，请填写存放密钥的环境变量名称）")
                % {"names": "、".join(unknown)}
            }
        )
    cleaned = {k: str(options.get(k) or "").strip() for k in S3_OPTIONS}
    errors: dict[str, str] = {}
    endpoint = cleaned["endpoint"]
    if not re.match(r"^https?://[^/?#\s]+/?$", endpoint):
        errors["endpoint"] = _("请填写对象存储的服务地址，如 https://s3.example.cn 或 http://127.0.0.1:8333")
    cleaned["endpoint"] = endpoint.rstrip("/")
    cleaned["region"] = cleaned["region"] or "us-east-1"
    if not _REGION.match(cleaned["region"]):
        errors["region"] = _("区域名称不合规")
    for option in ("access_key_env", "secret_key_env"):
        variable = cleaned[option]
        if not _ENV_NAME.match(variable):
            errors[option] = _("请填写存放访问凭据的环境变量名称（字母、数字、下划线），不要填写凭据本身")
        elif not os.environ.get(variable):
            errors[option] = _("环境变量 %(name)s 未设置") % {"name": variable}
    if errors:
        raise ValidationError(errors)
    return cleaned


def _check_location(kind: str, location: str) -> str:
    text = (location or "").strip()
    if kind == TargetKind.S3:
        from dangan.replication.stores.s3 import parse_location

        try:
            return str(parse_location(text))
        except ValueError as exc:
            raise ValidationError({"location": str(exc)}) from exc
    path = Path(text)
    if not text or not path.is_absolute():
        raise ValidationError({"location": _("请填写文件夹的绝对路径，如 /mnt/nas/dangan")})
    if not path.is_dir():
        raise ValidationError({"location": _("文件夹 %(path)s 不存在") % {"path": text}})
    if not os.access(path, os.W_OK | os.X_OK):
        raise ValidationError({"location": _("无权写入文件夹 %(path)s") % {"path": text}})
    return str(path)


def _check_answers(name: str, kind: str, location: str, options: dict[str, Any]) -> None:
    """An S3 target's bucket must answer to its credentials before the target is saved."""
    if kind != TargetKind.S3:
        return
    from dangan.replication.stores.s3 import s3_store

    store = s3_store(Target(name=name, kind=kind, location=location, options=options), retries=1)
    try:
        store.check()
    except StoreError as exc:
        raise ValidationError({"location": str(exc)}) from exc
    finally:
        store.close()


def check_target(
    name: str,
    kind: str,
    location: str,
    *,
    medium: str = "",
    site: str = "",
    cipher: str = Cipher.SM4_GCM,
    options: dict[str, Any] | None = None,
    instance: Target | None = None,
    probe: bool = True,
) -> dict[str, Any]:
    """The cleaned fields of a target (``instance``: the one being changed), or ValidationError."""
    errors: dict[str, Any] = {}
    name = (name or "").strip()
    if instance is None:
        if not _NAME.match(name):
            errors["name"] = _("名称只能用小写字母、数字、连字符和下划线，至多 64 个字符")
        elif Target.objects.filter(name=name).exists():
            errors["name"] = _("已有名为 %(name)s 的备份目标") % {"name": name}
        if kind == TargetKind.PARTNER:
            errors["kind"] = _("结对档案馆的备份目标在结对时建立（dangan replication partner add）")
        elif kind not in KINDS:
            errors["kind"] = _("备份目标类型应为 s3、folder 或 discs")
    medium = medium or (DEFAULT_MEDIUM.get(TargetKind(kind)) if kind in KINDS else "") or ""
    if medium not in Medium.values:
        errors["medium"] = _("介质应为 %(choices)s 之一") % {"choices": "、".join(Medium.values)}
    if cipher not in Cipher.values:
        errors["cipher"] = _("加密算法应为 sm4-gcm 或 aes-256-gcm")
    site = (site or "").strip()
    if len(site) > 200:
        errors["site"] = _("存放地点至多 200 个字")
    if errors:
        raise ValidationError(errors)
    cleaned_options = _check_options(kind, dict(options or {}))
    cleaned_location = _check_location(kind, location)
    if instance is not None and instance.replicas.exists():
        if cleaned_location != instance.location or cleaned_options.get("endpoint", "") != (instance.options or {}).get(
            "endpoint", ""
        ):
            errors["location"] = _("该目标已有备份副本，不能改换位置；请新增一个目标")
        if cipher != instance.cipher:
            errors["cipher"] = _("该目标已有备份副本，不能改换加密算法")
        if errors:
            raise ValidationError(errors)
    if probe:
        _check_answers(name, kind, cleaned_location, cleaned_options)
    return {
        "name": name,
        "kind": kind,
        "location": cleaned_location,
        "medium": medium,
        "site": site,
        "cipher": cipher,
        "options": cleaned_options,
    }


# ---------------------------------------------------------------- changes


def do_add_target(
    actor: Any,
    name: str,
    kind: str,
    location: str,
    *,
    medium: str = "",
    site: str = "",
    cipher: str = Cipher.SM4_GCM,
    options: dict[str, Any] | None = None,
) -> Target:
    """Add a target of kind s3, folder or discs (for s3: once its bucket answered to the credentials)."""
    _require(actor)
    fields = check_target(name, kind, location, medium=medium, site=site, cipher=cipher, options=options)
    with transaction.atomic():
        target = Target.objects.create(**fields)
        log(target, "replication.target.add", actor, {"after": target_summary(target)})
    return target


def do_update_target(
    actor: Any,
    target: Target,
    *,
    location: str | None = None,
    medium: str | None = None,
    site: str | None = None,
    cipher: str | None = None,
    options: dict[str, Any] | None = None,
    version: int | None = None,
) -> Target:
    """Change what is given (None: unchanged). A target that holds copies keeps its location and cipher. With
    ``version`` (the form's), a change made meanwhile by somebody else is refused."""
    _require(actor)
    if target.kind == TargetKind.PARTNER:
        raise ValidationError({"kind": _("结对档案馆的备份目标随结对修改")})
    fields = check_target(
        target.name,
        target.kind,
        target.location if location is None else location,
        medium=target.medium if medium is None else medium,
        site=target.site if site is None else site,
        cipher=target.cipher if cipher is None else cipher,
        options=(target.options if options is None else options),
        instance=target,
    )
    with transaction.atomic():
        current = Target.objects.select_for_update().get(pk=target.pk)
        if version is not None and current.version != version:
            raise ValidationError(_("该备份目标已被他人修改，请刷新后重试"))
        before = target_summary(current)
        for field in ("location", "medium", "site", "cipher", "options"):
            setattr(current, field, fields[field])
        current.version += 1
        current.save()
        after = target_summary(current)
        if before != after:
            log(current, "replication.target.update", actor, {"before": before, "after": after})
    return current


def _set_enabled(actor: Any, target: Target, enabled: bool) -> Target:
    _require(actor)
    with transaction.atomic():
        current = Target.objects.select_for_update().get(pk=target.pk)
        if current.enabled == enabled:
            return current
        current.enabled = enabled
        current.version += 1
        current.save(update_fields=["enabled", "version", "updated"])
        action = "replication.target.enable" if enabled else "replication.target.disable"
        log(current, action, actor, {"name": current.name})
    return current


def do_disable_target(actor: Any, target: Target) -> Target:
    """Send nothing more to the target; what it holds stays and still counts as copies."""
    return _set_enabled(actor, target, False)


def do_enable_target(actor: Any, target: Target) -> Target:
    return _set_enabled(actor, target, True)
