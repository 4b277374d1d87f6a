"""`log()`: the one way any app records a change in the audit log; `verify_chain()` checks it."""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

from django.core.serializers.json import DjangoJSONEncoder
from django.db import connection, models, transaction
from django.utils import timezone

from dangan.utilities.registry import Registry, StrOrPromise

from .actors import account_of, actor_name
from .models import AuditEntry

GENESIS_HASH = "0" * 64

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

    Must run inside the transaction that makes the change, so the change and its record commit together.
    """
    if action not in audit_actions:
        raise KeyError(f"unregistered audit action {action!r}")
    user_obj = account_of(user)
    with transaction.atomic():
        _lock_chain()
        last = AuditEntry.objects.order_by("-id").values_list("entry_hash", flat=True).first()
        entry = AuditEntry(
            timestamp=timezone.now(),
            user=user_obj,
            username=_username(user),
            action=action,
            object_type=instance._meta.label_lower if instance is not None else "",
            object_id=str(getattr(instance, "uuid", None) or getattr(instance, "pk", "") or ""),
            object_repr=str(instance)[:300] if instance is not None else "",
            data=_jsonable(data or {}),
            previous_hash=last or GENESIS_HASH,
        )
        entry.entry_hash = entry.compute_hash()
        entry.save()
    return entry


def _username(user: Any) -> str:
    """The name recorded for ``user``: an account's username, an operator's key (console, system), or — for the
    sign-in failures of nobody in particular — the name that was tried."""
    if isinstance(user, str):
        return user[:150]
    if user is None:
        raise TypeError("log() needs the actor: a user, CONSOLE or SYSTEM")
    return actor_name(user)


def _lock_chain() -> None:
    """Serialise appends to the chain. SQLite already serialises writers; PostgreSQL needs a lock."""
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_xact_lock(%s)", [0x6461_6E67])


@dataclass
class ChainReport:
    checked: int
    broken_at: int | None = None
    reason: str = ""

    @property
    def ok(self) -> bool:
        return self.broken_at is None


def verify_chain() -> ChainReport:
    """Walk the whole log and report the first entry whose hash or link does not match."""
    previous = GENESIS_HASH
    checked = 0
    for entry in AuditEntry.objects.order_by("id").iterator(chunk_size=2000):
        if entry.previous_hash != previous:
            return ChainReport(checked, entry.pk, "link")
        if entry.compute_hash() != entry.entry_hash:
            return ChainReport(checked, entry.pk, "content")
        previous = entry.entry_hash
        checked += 1
    return ChainReport(checked)
