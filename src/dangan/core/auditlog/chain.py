"""The chain: how an entry is sealed, appended, and how older entries are pinned by a seal.

Every entry is sealed with HMAC-SHA256 (the audit key) over all of its columns — id, time, account id, user name,
action, object, content, the previous entry's hash, the scheme and the key's id — so an entry cannot be changed,
removed or inserted by anyone who lacks the key: the link to the previous entry and the entry's own seal would no
longer match, and recomputing them needs the key.

A *seal entry* (``core.audit.seal`` at the upgrade from the old unkeyed SHA-256 chain, ``core.audit.rekey`` when a
lost key is replaced) records the last id, its hash, the number of entries and a SHA-256 digest of every column of
every entry before it. Entries that the current key cannot check (the old scheme, or a lost key) are trusted only
as far as such a seal, itself checked with the current key, pins them. History is never rewritten.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from dataclasses import dataclass
from typing import Any

from django.core.serializers.json import DjangoJSONEncoder
from django.db import connection
from django.utils import timezone
from django.utils.translation import gettext as _

from dangan.core.models import AuditEntry
from dangan.core.models.audit import AuditScheme

from .key import AuditKey, AuditKeyError, create_key_file, key_source, load_key, set_aside_key_file

GENESIS_HASH = "0" * 64
SEAL_ACTION = "core.audit.seal"
REKEY_ACTION = "core.audit.rekey"
SEAL_ACTIONS = (SEAL_ACTION, REKEY_ACTION)
_CHAIN_LOCK = 0x6461_6E67  # PostgreSQL advisory lock serialising appends (SQLite serialises writers anyway)


@dataclass(frozen=True)
class Head:
    """The last entry of the log: what the next one links to."""

    id: int
    entry_hash: str
    scheme: int
    key_id: str


def _json(value: Any) -> str:
    return json.dumps(value, sort_keys=True, ensure_ascii=False, separators=(",", ":"), cls=DjangoJSONEncoder)


def canonical(entry: AuditEntry) -> bytes:
    """Every column of ``entry`` but its own hash, as the bytes that its seal covers."""
    payload = {
        "id": entry.pk,
        "timestamp": entry.timestamp.astimezone(dt.UTC).isoformat(),
        "user_id": entry.user_id,
        "username": entry.username,
        "action": entry.action,
        "object_type": entry.object_type,
        "object_id": entry.object_id,
        "object_repr": entry.object_repr,
        "data": entry.data,
        "previous_hash": entry.previous_hash,
        "scheme": entry.scheme,
        "key_id": entry.key_id,
    }
    return _json(payload).encode()


def legacy_canonical(entry: AuditEntry) -> bytes:
    """The bytes the old scheme's SHA-256 covered (not the id, not the account id); kept to check old entries."""
    payload = {
        "timestamp": entry.timestamp.isoformat(),
        "username": entry.username,
        "action": entry.action,
        "object_type": entry.object_type,
        "object_id": entry.object_id,
        "object_repr": entry.object_repr,
        "data": entry.data,
        "previous_hash": entry.previous_hash,
    }
    return json.dumps(payload, sort_keys=True, ensure_ascii=False, cls=DjangoJSONEncoder).encode()


def legacy_hash(entry: AuditEntry) -> str:
    return hashlib.sha256(legacy_canonical(entry)).hexdigest()


def entry_mac(key: AuditKey, entry: AuditEntry) -> str:
    return key.mac(canonical(entry))


class PinDigest:
    """The running digest a seal records: every column and the hash of each entry, in id order."""

    def __init__(self) -> None:
        self._sha = hashlib.sha256()
        self.count = 0

    def add(self, entry: AuditEntry) -> None:
        self._sha.update(canonical(entry) + b"\x00" + entry.entry_hash.encode() + b"\n")
        self.count += 1

    def hexdigest(self) -> str:
        return self._sha.hexdigest()


def lock_chain() -> None:
    """Serialise appends to the chain until the end of the transaction."""
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_xact_lock(%s)", [_CHAIN_LOCK])


def current_head() -> Head | None:
    row = AuditEntry.objects.order_by("-id").values_list("id", "entry_hash", "scheme", "key_id").first()
    return Head(*row) if row else None


def key_for_writing(head: Head | None) -> AuditKey:
    """The key to seal the next entry with. A log without keyed entries gets a new key file if it has none; a log
    with keyed entries needs exactly the key that sealed them (else nothing is written)."""
    key = load_key()
    if key is None:
        # An old-format head after keyed entries is a rewrite: still a keyed log, never a reason for a new key.
        sealed_with = (
            AuditEntry.objects.filter(scheme=AuditScheme.HMAC_SHA256)
            .order_by("-id")
            .values_list("key_id", flat=True)
            .first()
        )
        if sealed_with is not None:
            raise AuditKeyError(
                _(
                    "审计密钥缺失（%(source)s）：审计日志已用密钥 %(key_id)s 封存，没有它不能记录新的操作。"
                    "请从备份恢复密钥文件；确已丢失时由运维人员执行 dangan auditlog new-key --reason …"
                )
                % {"source": key_source(), "key_id": sealed_with}
            )
        try:
            key = create_key_file()
        except FileExistsError:  # another process created it a moment ago
            key = load_key()
            assert key is not None
    elif head is not None and head.scheme == AuditScheme.HMAC_SHA256 and head.key_id != key.key_id:
        raise AuditKeyError(
            _(
                "审计密钥不符（%(source)s）：审计日志由密钥 %(expected)s 封存，当前密钥为 %(actual)s。"
                "请恢复正确的密钥文件。"
            )
            % {"source": key_source(), "expected": head.key_id, "actual": key.key_id}
        )
    return key


def append_entry(
    key: AuditKey,
    head: Head | None,
    *,
    user_id: int | None,
    username: str,
    action: str,
    object_type: str = "",
    object_id: str = "",
    object_repr: str = "",
    data: dict[str, Any] | None = None,
) -> AuditEntry:
    """Append one sealed entry after ``head``; the caller holds the chain lock inside a transaction.

    The id is chosen here, because the seal covers it and so must be known before the insert.
    """
    entry = AuditEntry(
        id=_next_id(head),
        timestamp=timezone.now(),
        user_id=user_id,
        username=username,
        action=action,
        object_type=object_type,
        object_id=object_id,
        object_repr=object_repr,
        data=data or {},
        previous_hash=head.entry_hash if head else GENESIS_HASH,
        scheme=AuditScheme.HMAC_SHA256,
        key_id=key.key_id,
    )
    entry.entry_hash = entry_mac(key, entry)
    entry.save(force_insert=True)
    return entry


def _next_id(head: Head | None) -> int:
    """The head's id + 1; on PostgreSQL the table's own sequence (ids keep growing, and a row inserted any other way
    never collides), which under the chain lock is also above the head."""
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SELECT nextval(pg_get_serial_sequence(%s, 'id'))", [AuditEntry._meta.db_table])
            value = int(cursor.fetchone()[0])
        if head is None or value > head.id:
            return value
    return head.id + 1 if head else 1


def head_of(entry: AuditEntry) -> Head:
    return Head(entry.pk, entry.entry_hash, entry.scheme, entry.key_id)


def pin_summary(upto: int) -> dict[str, Any]:
    """What a seal records of the entries up to id ``upto``: the last id and hash, the count and the digest."""
    digest = PinDigest()
    last_hash = GENESIS_HASH
    for entry in AuditEntry.objects.filter(id__lte=upto).order_by("id").iterator(chunk_size=2000):
        digest.add(entry)
        last_hash = entry.entry_hash
    return {"last_id": upto, "last_hash": last_hash, "count": digest.count, "digest": digest.hexdigest()}


def seal_legacy_entries(key: AuditKey, head: Head | None) -> Head | None:
    """If the log ends with entries of the old unkeyed scheme, pin them with a seal entry (once, at the upgrade);
    returns the new head. The caller holds the chain lock inside a transaction."""
    if head is None or head.scheme != AuditScheme.LEGACY_SHA256:
        return head
    if AuditEntry.objects.filter(scheme=AuditScheme.HMAC_SHA256).exists():
        # Old-scheme entries after keyed ones are a rewrite (a downgrade), never an upgrade: verification reports
        # them, and they are not sealed.
        return head
    summary = pin_summary(head.id)
    entry = append_entry(
        key,
        head,
        user_id=None,
        username="system",
        action=SEAL_ACTION,
        data={"sealed": summary, "legacy_scheme": AuditScheme.LEGACY_SHA256.value},
    )
    return head_of(entry)


def replace_lost_key(actor_name: str, user_id: int | None, reason: str) -> tuple[AuditEntry, AuditKey]:
    """Start sealing with a new key after the old one was lost: the entries sealed with the old key are pinned by
    a ``core.audit.rekey`` entry (sealed with the new key). Refused while the configured key still matches the log.
    The caller holds the chain lock inside a transaction."""
    head = current_head()
    if head is None or head.scheme != AuditScheme.HMAC_SHA256:
        raise AuditKeyError(_("审计日志中还没有用密钥封存的记录，无需更换密钥。"))
    key = load_key_or_none()
    if key is not None and head.key_id == key.key_id:
        raise AuditKeyError(_("当前审计密钥与日志相符，无需更换。"))
    if key is None or not _from_environment(key):
        # A wrong or unreadable key file is kept beside the new one (it may turn out to be needed), never deleted.
        set_aside_key_file(f"replaced-{timezone.now():%Y%m%dT%H%M%S}")
        key = create_key_file()
    summary = pin_summary(head.id)
    entry = append_entry(
        key,
        head,
        user_id=user_id,
        username=actor_name,
        action=REKEY_ACTION,
        data={"sealed": summary, "previous_key_id": head.key_id, "reason": reason},
    )
    return entry, key


def load_key_or_none() -> AuditKey | None:
    """The configured key, or None when it is missing or unreadable."""
    try:
        return load_key()
    except AuditKeyError:
        return None


def _from_environment(key: AuditKey) -> bool:
    return key.source == "DANGAN_AUDIT_KEY"
