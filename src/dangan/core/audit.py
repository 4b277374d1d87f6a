"""`log()`: the one way any app records a change in the audit log; `verify_chain()` checks it.

Each entry is sealed with an HMAC over all of its columns and linked to the one before, and signed heads of the log
are kept outside the database (``core.auditlog``; docs/audit-log.md). Apps register their action types here, and
how their entries are shown to a reader in ``core.auditlog.display``.
"""

from __future__ import annotations

import json
from typing import Any

from django.core.serializers.json import DjangoJSONEncoder
from django.db import models, transaction

from dangan.utilities.registry import Registry, StrOrPromise

from .actors import account_of, actor_name
from .auditlog.anchors import anchor_after
from .auditlog.chain import GENESIS_HASH, append_entry, current_head, key_for_writing, lock_chain, seal_legacy_entries
from .auditlog.verify import ChainReport, verify_chain
from .models import AuditEntry

__all__ = [
    "GENESIS_HASH",
    "ChainReport",
    "action_label",
    "audit_actions",
    "log",
    "register_action",
    "verify_chain",
]

# Action types, registered by the app that owns them: key -> Chinese label.
audit_actions = Registry[StrOrPromise]("audit action types")


def register_action(key: str, label: StrOrPromise) -> str:
    audit_actions.register(key, label)
    return key


def action_label(key: str) -> str:
    return str(audit_actions.get(key)) if key in audit_actions else key


def _jsonable(data: Any) -> Any:
    return json.loads(json.dumps(data, cls=DjangoJSONEncoder, ensure_ascii=False))


def log(instance: models.Model | None, action: str, user: Any, data: dict[str, Any] | None = None) -> AuditEntry:
    """Record ``action`` on ``instance`` by ``user`` with ``data`` (usually ``{"before": …, "after": …}``).

    Must run inside the transaction that makes the change, so the change and its record commit together. Raises
    ``AuditKeyError`` (and so undoes the change) when the audit key is missing or is not the log's key.
    """
    if action not in audit_actions:
        raise KeyError(f"unregistered audit action {action!r}")
    account = account_of(user)
    username = _username(user)
    with transaction.atomic():
        lock_chain()
        head = current_head()
        key = key_for_writing(head)
        sealed = seal_legacy_entries(key, head)
        upgraded, head = sealed != head, sealed
        entry = append_entry(
            key,
            head,
            user_id=account.pk if account is not None else None,
            username=username,
            action=action,
            object_type=instance._meta.label_lower if instance is not None else "",
            object_id=str(getattr(instance, "uuid", None) or getattr(instance, "pk", "") or ""),
            object_repr=str(instance)[:300] if instance is not None else "",
            data=_jsonable(data or {}),
        )
    anchor_after(entry, force=upgraded)
    return entry


def _username(user: Any) -> str:
    """The name recorded for ``user``: an account's username, an operator's key (console, system), or — for the
    sign-in failures of nobody in particular — the name that was tried."""
    if isinstance(user, str):
        return user[:150]
    if user is None:
        raise TypeError("log() needs the actor: a user, CONSOLE or SYSTEM")
    return actor_name(user)
