"""Key escrow (密钥托管): this node's master key split into k-of-n shares for custodians, and put back together on a
new machine. The shares are shown once and never stored here; the audit log records that a split was made (k, n,
the custodians, the key id) and that a key was restored — never a share."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils.translation import gettext as _

from dangan.core.audit import log
from dangan.core.roles import Capability, has_capability
from dangan.replication.crypto import shares
from dangan.replication.crypto.errors import ReplicationCryptoError
from dangan.replication.crypto.keys import MASTER_KEY_FILE, MasterKey
from dangan.replication.node import master_key

__all__ = ["check_export_key_shares", "do_export_key_shares", "do_restore_master_key"]


def _check_actor(actor: Any) -> None:
    # The console only: a share in a web page would pass through a browser's memory, cache and history.
    if not getattr(actor, "is_operator", False) or not has_capability(actor, Capability.REPLICATION_MANAGE):
        raise PermissionDenied(_("密钥份额只能在服务器控制台导出或导入。"))


def check_export_key_shares(actor: Any, threshold: int, custodians: Sequence[str]) -> None:
    _check_actor(actor)
    names = [" ".join(name.split()) for name in custodians]
    if len(names) < 2:
        raise ValidationError(_("至少要有两位保管人。"))
    if len(set(names)) != len(names):
        raise ValidationError(_("保管人姓名重复。"))
    if any(not name or "|" in name for name in names):
        raise ValidationError(_("保管人姓名不能为空，也不能含有“|”。"))
    if not 2 <= threshold <= len(names):
        raise ValidationError(
            _("恢复所需份数应在 2 到保管人数（%(n)s）之间，给的是 %(k)s。") % {"n": len(names), "k": threshold}
        )


def do_export_key_shares(actor: Any, threshold: int, custodians: Sequence[str]) -> list[str]:
    """One printable share line per custodian; any ``threshold`` of them give the master key back."""
    check_export_key_shares(actor, threshold, custodians)
    key = master_key()
    lines = [share.to_line() for share in shares.split(key, threshold, list(custodians))]
    log(
        None,
        "replication.keys.export",
        actor,
        {"k": threshold, "n": len(lines), "custodians": list(custodians), "key_id": key.key_id.hex()},
    )
    return lines


def do_restore_master_key(actor: Any, lines: Iterable[str]) -> MasterKey:
    """Put the master key back together from custodians' share lines and install it in REPLICATION_HOME (a new
    machine's: an existing key is never replaced)."""
    _check_actor(actor)
    home = settings.REPLICATION_HOME
    if (home / MASTER_KEY_FILE).exists():
        raise ValidationError(_("本节点已有主密钥（%(path)s），不会覆盖。") % {"path": home / MASTER_KEY_FILE})
    typed = [line.strip() for line in lines if line.strip() and not line.lstrip().startswith("#")]
    try:
        key = shares.combine(typed)
    except ReplicationCryptoError as exc:
        raise ValidationError(str(exc)) from exc
    home.mkdir(parents=True, exist_ok=True)
    key.install(home)
    log(None, "replication.keys.restore", actor, {"key_id": key.key_id.hex(), "shares": len(typed)})
    return key
