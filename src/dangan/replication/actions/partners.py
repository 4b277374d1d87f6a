"""Pairing with another dangan node (结对) and the agreement (结对协议): add a partner after checking its identity
document against the fingerprint its operator gave, change the agreement, suspend, resume and remove it.

A partner is pinned by its public key. Adding one fetches ``GET <url>/replication/identity`` and checks it with
``replication.node.check_identity_document``; the partner and the target that sends to it are made in one
transaction. Removing one keeps the rows for the record but trusts its key for nothing and counts nothing it held
as a copy: its target is disabled and every replica there is marked missing.
"""

from __future__ import annotations

import ipaddress
import json
from datetime import date
from typing import Any
from urllib.parse import urlsplit

import urllib3
from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import validate_slug
from django.db import transaction
from django.db.models import Sum
from django.utils import timezone
from django.utils.translation import gettext as _

from dangan.core.actions.accounts import require_actor
from dangan.core.audit import log
from dangan.core.roles import Capability
from dangan.replication.choices import Medium, PartnerStatus, ReplicaState, TargetKind
from dangan.replication.models import KeptEnvelope, Partner, Replica, Target
from dangan.replication.node import IdentityDocumentError, NodeNotReady, check_identity_document, this_node
from dangan.utilities.concurrency import EditConflict

__all__ = [
    "AGREEMENT_FIELDS",
    "PairingRefused",
    "check_add_partner",
    "check_manage_partners",
    "do_add_partner",
    "do_remove_partner",
    "do_resume_partner",
    "do_suspend_partner",
    "do_update_agreement",
    "fetch_identity_document",
    "kept_bytes",
]

AGREEMENT_FIELDS = ("parties", "scope", "starts", "ends", "contacts", "quota_bytes")
IDENTITY_TIMEOUT_S = 15.0
_MAX_DOCUMENT_BYTES = 64 * 1024


class PairingRefused(ValidationError):
    """The other node could not be reached, or its identity is not the one expected (a ValidationError, so forms
    and the CLI show it like any other refusal)."""


def check_manage_partners(actor: Any) -> None:
    require_actor(actor, Capability.REPLICATION_MANAGE)


def _is_loopback(host: str) -> bool:
    if host.lower() in ("localhost", "localhost."):
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False


def normalise_url(url: str) -> str:
    """The partner's base URL as stored: scheme and host checked, no query, no trailing slash. Plain HTTP is refused
    beyond loopback addresses unless ``REPLICATION_ALLOW_HTTP``."""
    text = (url or "").strip()
    parts = urlsplit(text)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise ValidationError(_("地址应为 https://主机[:端口][/路径]：%(url)s") % {"url": text})
    if parts.query or parts.fragment or parts.username or parts.password:
        raise ValidationError(_("地址不能含查询参数、片段或用户名密码：%(url)s") % {"url": text})
    if parts.scheme == "http" and not _is_loopback(parts.hostname) and not settings.REPLICATION_ALLOW_HTTP:
        raise ValidationError(
            _("不加密的 http:// 只能用于本机地址；请用 https://，或设置 DANGAN_REPLICATION_ALLOW_HTTP=1：%(url)s")
            % {"url": text}
        )
    return f"{parts.scheme}://{parts.netloc}{parts.path.rstrip('/')}"


def fetch_identity_document(url: str) -> dict[str, Any]:
    """``GET <url>/replication/identity``: the other node's identity document, unchecked (PairingRefused when it
    cannot be fetched or is not a JSON object)."""
    address = f"{url}/replication/identity"
    http = urllib3.PoolManager(timeout=urllib3.Timeout(total=IDENTITY_TIMEOUT_S), retries=False)
    try:
        answer = http.request(
            "GET", address, preload_content=False, redirect=False, headers={"Accept": "application/json"}
        )
        try:
            body = answer.read(_MAX_DOCUMENT_BYTES + 1)
        finally:
            answer.release_conn()
    except urllib3.exceptions.HTTPError as exc:
        raise PairingRefused(_("无法连接对方节点 %(url)s：%(error)s") % {"url": address, "error": exc}) from None
    if answer.status != 200:
        raise PairingRefused(
            _("对方节点 %(url)s 未给出身份信息（HTTP %(status)s）。") % {"url": address, "status": answer.status}
        )
    try:
        if len(body) > _MAX_DOCUMENT_BYTES:
            raise ValueError("too large")
        document = json.loads(body)
    except ValueError:
        document = None
    if not isinstance(document, dict):
        raise PairingRefused(_("对方节点 %(url)s 的身份信息不是 JSON 对象。") % {"url": address})
    return document


def check_add_partner(actor: Any, name: str, url: str, *, medium: str = Medium.DISK, quota_bytes: int = 0) -> str:
    """Whether a partner may be added under ``name`` at ``url``, before anything is fetched. Returns the URL as it
    will be stored."""
    check_manage_partners(actor)
    try:
        validate_slug(name)
    except ValidationError:
        raise ValidationError(_("名称只能由字母、数字、连字符和下划线组成：%(name)s") % {"name": name}) from None
    if len(name) > 64:
        raise ValidationError(_("名称不能超过 64 个字符。"))
    if Partner.objects.filter(name=name).exists() or Target.objects.filter(name=name).exists():
        raise ValidationError(_("名称“%(name)s”已被使用。") % {"name": name})
    if medium not in Medium.values:
        raise ValidationError(_("未知介质：%(medium)s") % {"medium": medium})
    if quota_bytes < 0:
        raise ValidationError(_("容量上限不能为负数。"))
    return normalise_url(url)


def _check_agreement(agreement: dict[str, Any]) -> None:
    unknown = set(agreement) - set(AGREEMENT_FIELDS)
    if unknown:
        raise ValidationError(_("未知的协议字段：%(fields)s") % {"fields": ", ".join(sorted(unknown))})
    starts, ends = agreement.get("starts"), agreement.get("ends")
    for value in (starts, ends):
        if value is not None and not isinstance(value, date):
            raise ValidationError(_("日期格式不对：%(value)s") % {"value": value})
    if starts and ends and ends < starts:
        raise ValidationError(_("协议终止日期不能早于生效日期。"))
    if int(agreement.get("quota_bytes") or 0) < 0:
        raise ValidationError(_("容量上限不能为负数。"))


def do_add_partner(
    actor: Any,
    name: str,
    url: str,
    fingerprint: str,
    *,
    title: str = "",
    site: str = "",
    medium: str = Medium.DISK,
    quota_bytes: int = 0,
    **agreement: Any,
) -> Partner:
    """Pair with the node at ``url``: fetch its identity document, check it against ``fingerprint`` (as its
    operator gave it), and make the partner and its target. Refuses a name in use, this node itself, a node already
    paired (and not removed), plain HTTP beyond loopback, and a document that is not signed by the key with that
    fingerprint (the message names both fingerprints)."""
    stored_url = check_add_partner(actor, name, url, medium=medium, quota_bytes=quota_bytes)
    _check_agreement({**agreement, "quota_bytes": quota_bytes})
    try:
        me = this_node()
    except NodeNotReady as exc:
        raise ValidationError(str(exc)) from None
    document = fetch_identity_document(stored_url)
    try:
        public_key = check_identity_document(document, fingerprint)
    except IdentityDocumentError as exc:
        raise PairingRefused(str(exc)) from None
    with transaction.atomic():
        check_add_partner(actor, name, url, medium=medium, quota_bytes=quota_bytes)
        return _create_partner(
            actor, name, stored_url, document, public_key, me, title, site, medium, quota_bytes, agreement
        )


def _create_partner(
    actor: Any,
    name: str,
    stored_url: str,
    document: dict[str, Any],
    public_key: Any,
    me: Any,
    title: str,
    site: str,
    medium: str,
    quota_bytes: int,
    agreement: dict[str, Any],
) -> Partner:
    node_id = str(document["node_id"])
    if node_id == str(me.node_id) or public_key == me.public_key:
        raise ValidationError(_("%(url)s 是本节点自己，不能与自己结对。") % {"url": stored_url})
    paired = Partner.objects.filter(node_id=node_id).exclude(status=PartnerStatus.REMOVED).first()
    if paired is not None:
        raise ValidationError(
            _("该节点（%(node_id)s）已以“%(name)s”结对。") % {"node_id": node_id, "name": paired.name}
        )
    partner = Partner.objects.create(
        name=name,
        title=title.strip() or str(document.get("name") or ""),
        url=stored_url,
        node_id=node_id,
        public_key=str(public_key),
        fingerprint=str(public_key.fingerprint),
        quota_bytes=quota_bytes,
        **{key: value if value is not None else _empty(key) for key, value in agreement.items()},
    )
    target = Target.objects.create(
        name=name,
        kind=TargetKind.PARTNER,
        medium=medium,
        site=site.strip(),
        partner=partner,
        cipher=settings.REPLICATION_CIPHER,
    )
    log(
        partner,
        "replication.partner.add",
        actor,
        {
            "after": {
                "name": name,
                "url": stored_url,
                "node_id": node_id,
                "node_name": str(document.get("name") or ""),
                "fingerprint": partner.fingerprint,
                "target": target.name,
                "medium": medium,
                "site": target.site,
                "quota_bytes": quota_bytes,
            }
        },
    )
    return partner


def _empty(field: str) -> Any:
    return None if field in ("starts", "ends") else 0 if field == "quota_bytes" else ""


def _locked(partner: Partner) -> Partner:
    return Partner.objects.select_for_update().get(pk=partner.pk)


def _snapshot(partner: Partner) -> dict[str, Any]:
    return {field: getattr(partner, field) for field in AGREEMENT_FIELDS}


@transaction.atomic
def do_update_agreement(actor: Any, partner: Partner, *, version: int | None = None, **changes: Any) -> Partner:
    """Change the agreement (parties, scope, starts, ends, contacts, quota_bytes). ``version`` is the one the form
    was filled in from (None: no check, for the console); a stale one raises EditConflict."""
    check_manage_partners(actor)
    current = _locked(partner)
    if current.status == PartnerStatus.REMOVED:
        raise ValidationError(_("结对已解除，协议不能再修改。"))
    if version is not None and version != current.version:
        raise EditConflict(_("结对协议已被他人修改，请查看最新内容后再保存。"), current_version=current.version)
    merged = {**_snapshot(current), **changes}
    _check_agreement(merged)
    before = _snapshot(current)
    for field, value in changes.items():
        setattr(current, field, value if value is not None else _empty(field))
    after = _snapshot(current)
    if after == before:
        return current
    current.version += 1
    current.save(update_fields=[*changes, "version", "updated"])
    changed = [field for field in AGREEMENT_FIELDS if before[field] != after[field]]
    log(
        current,
        "replication.partner.agreement",
        actor,
        {"before": {f: before[f] for f in changed}, "after": {f: after[f] for f in changed}},
    )
    return current


def _target_of(partner: Partner) -> Target | None:
    return Target.objects.select_for_update().filter(partner=partner).first()


def _set_target_enabled(partner: Partner, enabled: bool) -> None:
    target = _target_of(partner)
    if target is not None and target.enabled != enabled:
        target.enabled = enabled
        target.version += 1
        target.save(update_fields=["enabled", "version", "updated"])


@transaction.atomic
def do_suspend_partner(actor: Any, partner: Partner, reason: str = "") -> Partner:
    """Send nothing to it and accept nothing from it for now (its target is disabled); what it holds is kept."""
    check_manage_partners(actor)
    current = _locked(partner)
    if current.status != PartnerStatus.ACTIVE:
        raise ValidationError(
            _("只能暂停正常状态的结对（“%(name)s”当前为%(status)s）。")
            % {"name": current.name, "status": current.get_status_display()}
        )
    current.status = PartnerStatus.SUSPENDED
    current.suspended_at = timezone.now()
    current.save(update_fields=["status", "suspended_at", "updated"])
    _set_target_enabled(current, False)
    log(
        current,
        "replication.partner.suspend",
        actor,
        {"before": {"status": "active"}, "after": {"status": "suspended"}, "reason": reason},
    )
    return current


@transaction.atomic
def do_resume_partner(actor: Any, partner: Partner) -> Partner:
    """Undo a suspension: its target is enabled again."""
    check_manage_partners(actor)
    current = _locked(partner)
    if current.status != PartnerStatus.SUSPENDED:
        raise ValidationError(
            _("只能恢复已暂停的结对（“%(name)s”当前为%(status)s）。")
            % {"name": current.name, "status": current.get_status_display()}
        )
    current.status = PartnerStatus.ACTIVE
    current.suspended_at = None
    current.save(update_fields=["status", "suspended_at", "updated"])
    _set_target_enabled(current, True)
    log(
        current, "replication.partner.resume", actor, {"before": {"status": "suspended"}, "after": {"status": "active"}}
    )
    return current


@transaction.atomic
def do_remove_partner(actor: Any, partner: Partner, reason: str = "") -> Partner:
    """End the pairing: its key is trusted for nothing, its target is disabled, and every replica at its target is
    marked missing (nothing it held counts as a copy). The rows stay for the record."""
    check_manage_partners(actor)
    current = _locked(partner)
    if current.status == PartnerStatus.REMOVED:
        raise ValidationError(_("与“%(name)s”的结对已解除。") % {"name": current.name})
    before = current.status
    now = timezone.now()
    current.status = PartnerStatus.REMOVED
    current.removed_at = now
    current.save(update_fields=["status", "removed_at", "updated"])
    _set_target_enabled(current, False)
    problem = _("%(date)s 与结对档案馆“%(name)s”解除结对，其保存的副本不再计为副本。") % {
        "date": timezone.localdate(now).isoformat(),
        "name": current.name,
    }
    affected = Replica.objects.filter(target__partner=current).update(state=ReplicaState.MISSING, problem=problem)
    log(
        current,
        "replication.partner.remove",
        actor,
        {"before": {"status": before}, "after": {"status": "removed"}, "replicas_missing": affected, "reason": reason},
    )
    return current


def kept_bytes(partner: Partner) -> int:
    """How many bytes this node keeps for ``partner`` (what counts against the agreed quota)."""
    total = KeptEnvelope.objects.filter(partner=partner).aggregate(total=Sum("size"))["total"]
    return int(total or 0)
