"""Key escrow (密钥托管): this node's master key and node identity split into k-of-n shares for custodians
(DANGAN-SHARE-2; crypto/shares.py), and put back together on a new machine. The shares are shown once and never
stored here; the audit log records that a split was made (k, n, the custodians, the key id) and that a key was
restored — never a share.

On a machine that lost everything the operator runs ``dangan init`` (database, audit key — and a fresh node
identity and master key) and then ``keys restore``: keys that this node has never used (no partner, no target
copy, nothing kept for a partner) are moved aside (``<file>.unused-<time>``, nothing deleted) and the escrowed ones
installed; keys in use are never replaced. Version 1 shares (the master key alone) leave the identity as it is."""

from __future__ import annotations

import json
from collections.abc import Iterable, Sequence
from typing import Any

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone
from django.utils.translation import gettext as _

from dangan.core.audit import log
from dangan.core.roles import Capability, has_capability
from dangan.replication import node as node_module
from dangan.replication.crypto import shares
from dangan.replication.crypto._files import write_secret_file
from dangan.replication.crypto.errors import ReplicationCryptoError
from dangan.replication.crypto.identity import IDENTITY_FILE, IDENTITY_FORMAT, NodeIdentity
from dangan.replication.crypto.keys import MASTER_KEY_FILE, MasterKey
from dangan.replication.node import master_key, this_node

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
    lines = [share.to_line() for share in shares.split(key, threshold, list(custodians), identity=this_node())]
    log(
        None,
        "replication.keys.export",
        actor,
        {
            "k": threshold,
            "n": len(lines),
            "custodians": list(custodians),
            "key_id": key.key_id.hex(),
            "node_id": str(this_node().node_id),
            "share_version": 2,
        },
    )
    return lines


def _keys_in_use() -> bool:
    """Whether this node has used its keys: paired, replicated, or kept anything for a partner."""
    from dangan.replication.models import KeptEnvelope, Partner, StoredEnvelope

    return Partner.objects.exists() or StoredEnvelope.objects.exists() or KeptEnvelope.objects.exists()


def _move_aside(path: Any, stamp: str) -> None:
    if path.exists():
        path.rename(path.with_name(f"{path.name}.unused-{stamp}"))


def _install_identity(identity: NodeIdentity, home: Any) -> None:
    document = {
        "format": IDENTITY_FORMAT,
        "node_id": str(identity.node_id),
        "public_key": str(identity.public_key),
        "private_key": identity._private.hex(),  # written only here, as NodeIdentity.create writes it
        "created": identity.created,
    }
    write_secret_file(home / IDENTITY_FILE, (json.dumps(document, indent=2) + "\n").encode("ascii"))


def do_restore_master_key(actor: Any, lines: Iterable[str]) -> MasterKey:
    """Put the master key (and, from version 2 shares, the node identity) back together from custodians' share
    lines and install them in REPLICATION_HOME: a new machine's, or one whose keys were never used (those are moved
    aside); keys in use, or the same key again, are never replaced."""
    _check_actor(actor)
    home = settings.REPLICATION_HOME
    typed = [line.strip() for line in lines if line.strip() and not line.lstrip().startswith("#")]
    try:
        key, identity = shares.combine_bundle(typed)
    except ReplicationCryptoError as exc:
        raise ValidationError(str(exc)) from exc
    existing = home / MASTER_KEY_FILE
    if existing.exists():
        try:
            same = MasterKey.load(home).key_id == key.key_id
        except ReplicationCryptoError:
            same = False
        if same or _keys_in_use():
            raise ValidationError(_("本节点已有主密钥（%(path)s），不会覆盖。") % {"path": existing})
    replaced = existing.exists() or (identity is not None and (home / IDENTITY_FILE).exists())
    stamp = timezone.now().strftime("%Y%m%dT%H%M%S")
    home.mkdir(parents=True, exist_ok=True)
    _move_aside(existing, stamp)
    if identity is not None:
        _move_aside(home / IDENTITY_FILE, stamp)
        _install_identity(identity, home)
    key.install(home)
    node_module._cached.clear()  # this process reads the keys again
    log(
        None,
        "replication.keys.restore",
        actor,
        {
            "key_id": key.key_id.hex(),
            "shares": len(typed),
            "node_id": str(identity.node_id) if identity is not None else "",
            "replaced_unused_keys": replaced,
        },
    )
    return key
