"""Audits without download (验证): the owner proves each target's copies intact with a fresh challenge.

For one target (``audit_target``), every envelope recorded there (``StoredEnvelope``, of every replica at it) is one
population of chunks. A sampled audit asks the target (crypto.proofs.CopyChallenge) for a keyed proof of
``sample_size`` chunks drawn uniformly from all of them (≥ 99 % detection of a copy with 1 % of its chunks
damaged) and for one proof over every chunk of this audit's coverage slice (the envelopes whose tag falls in slice
``cycle_audit`` of ``audits_per_cycle``: every chunk is covered once per cycle); ``full`` covers every envelope.
The request names chunks by (envelope name, index) and ranges by first and last name with the counts expected, so
its size does not grow with the number of files. A partner computes the answer itself; S3, folders and discs are
read by range here (stores.base).

The owner computes the expected answer from its own OCFL files: each sampled chunk sealed again from the plaintext
(deterministic envelopes) and checked against the chunk's SHA-256 in the envelope's manifest. Where its own file no
longer matches, that chunk cannot be checked from the own copy: reported as ``unverifiable`` (the repair restores
the owner's file from a keeper), never as the keeper's fault. A range that fails is narrowed down by halving it
into smaller ranges (further small challenges) to the envelopes at fault, and those to their chunks and header.

Results: an ``AuditRun`` per target per run (the failures structured), ``StoredEnvelope.proven_at`` / ``fault``,
``Replica.proven_at`` / ``state`` (damaged, missing) / ``problem``, and a PREMIS fixity-check event per package
audited with the target as agent.
"""

from __future__ import annotations

import hashlib
import hmac
import io
import json
import logging
import secrets
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from dangan.core.actors import CONSOLE, SYSTEM, account_of, actor_name
from dangan.core.audit import log
from dangan.core.roles import Capability, has_capability
from dangan.preservation.actions.indexing import event_row
from dangan.preservation.ocfl.inventory import INVENTORY, OBJECT_DECLARATION, Inventory, sidecar_name
from dangan.preservation.ocfl.root import StorageRoot
from dangan.preservation.premis import (
    Agent,
    AgentType,
    EventOutcome,
    EventType,
    Link,
    intellectual_entity_id,
    new_event,
    person_agent,
    software_agent,
)
from dangan.preservation.storage.backend import join
from dangan.preservation.store import storage_root
from dangan.replication.choices import EnvelopeFault, EnvelopeKind, PartnerStatus, ReplicaState, TargetKind
from dangan.replication.crypto.envelope import ChunkCipher, EnvelopeHeader, Suite, make_header
from dangan.replication.crypto.keys import MasterKey
from dangan.replication.crypto.proofs import (
    NONCE_BYTES,
    CopyAnswer,
    CopyChallenge,
    NameRange,
    ProofHash,
    answer_copy,
    check_copy_answer,
    copy_ranges,
    sample_copy,
    sample_size,
    slot_of,
)
from dangan.replication.models import AuditOutcome, AuditRun, Replica, StoredEnvelope, Target
from dangan.replication.node import NodeNotReady, master_key, this_node
from dangan.replication.stores.base import StoreError, TargetStore
from dangan.replication.stores.registry import store_for

__all__ = [
    "ACTION_AUDIT",
    "AuditReport",
    "Failure",
    "TargetAudit",
    "audit_target",
    "audits_per_cycle",
    "check_audit",
    "do_audit",
    "do_start_audit",
    "due_targets",
]

logger = logging.getLogger(__name__)

ACTION_AUDIT = "replication.audit"
ACTION_START = "replication.audit.start"
TARGET_AGENT = "dangan replication target"
#: Ranges a failing range is split into per narrowing round; envelopes whose every chunk is asked when one fails.
SPLIT = 16
CHUNK_LEVEL_LIMIT = 4096

Progress = Callable[[str, int, int], None]


def audits_per_cycle() -> int:
    """Audits per coverage cycle (each covers one slice whole): REPLICATION_AUDITS_PER_CYCLE, default 3."""
    return max(1, int(getattr(settings, "REPLICATION_AUDITS_PER_CYCLE", 3)))


def cycle_days() -> int:
    return max(1, int(getattr(settings, "REPLICATION_AUDIT_CYCLE_DAYS", 90)))


# ---------------------------------------------------------------- results


@dataclass(frozen=True)
class Failure:
    """One thing an audit found: ``what`` is a stable code (damaged, missing, chunks-missing, unreadable,
    header-damaged, stale-answer, forged-answer, refused, unverifiable, target-removed, target-disabled)."""

    target: str
    what: str
    detail: str
    package: str = ""
    reference_code: str = ""
    envelope: str = ""
    path: str = ""
    chunk: int | None = None

    def as_dict(self) -> dict[str, Any]:
        return {
            "package": self.package,
            "reference_code": self.reference_code,
            "target": self.target,
            "envelope": self.envelope,
            "path": self.path,
            "chunk": self.chunk,
            "what": self.what,
            "detail": self.detail,
        }


@dataclass
class TargetAudit:
    target: str
    run_id: int
    outcome: str
    full: bool = False
    envelopes: int = 0
    chunks: int = 0
    chunks_sampled: int = 0
    chunks_covered: int = 0
    request_bytes: int = 0
    answer_bytes: int = 0
    failures: list[Failure] = field(default_factory=list)
    message: str = ""

    @property
    def ok(self) -> bool:
        return self.outcome == AuditOutcome.PROVEN

    def as_dict(self) -> dict[str, Any]:
        return {
            "target": self.target,
            "run": self.run_id,
            "outcome": self.outcome,
            "full": self.full,
            "envelopes": self.envelopes,
            "chunks": self.chunks,
            "chunks_sampled": self.chunks_sampled,
            "chunks_covered": self.chunks_covered,
            "request_bytes": self.request_bytes,
            "answer_bytes": self.answer_bytes,
            "message": self.message,
            "failures": [failure.as_dict() for failure in self.failures],
        }


@dataclass
class AuditReport:
    targets: list[TargetAudit] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return all(item.ok for item in self.targets)

    @property
    def failures(self) -> list[Failure]:
        return [failure for item in self.targets for failure in item.failures]

    def as_dict(self) -> dict[str, Any]:
        return {
            "ok": self.ok,
            "targets": [item.as_dict() for item in self.targets],
            "failures": [failure.as_dict() for failure in self.failures],
        }


# ---------------------------------------------------------------- the owner's own view of a copy


class OwnCopyDamaged(OSError):
    """The owner's own file no longer gives the sealed chunk its manifest records: not the keeper's fault."""


class _OwnEnvelope:
    """One recorded envelope as the owner rebuilds it: the header from its manifest, chunk i sealed again from the
    owner's plaintext and checked against the SHA-256 the manifest holds for it."""

    def __init__(self, row: StoredEnvelope, plaintext: Callable[[StoredEnvelope], Callable[[int, int], bytes]]) -> None:
        self.row = row
        manifest = row.manifest or {}
        self.header = bytes.fromhex(str(manifest.get("header", "")))
        self._digests = [str(value) for value in manifest.get("chunk_sha256", [])]
        self._plaintext = plaintext
        self._reader: Callable[[int, int], bytes] | None = None
        self._cipher: ChunkCipher | None = None

    def __len__(self) -> int:
        return self.row.chunks

    def cipher(self, master: MasterKey) -> ChunkCipher:
        if self._cipher is None:
            self._cipher = ChunkCipher(master, EnvelopeHeader.read(io.BytesIO(self.header)))
        return self._cipher

    def chunk(self, index: int) -> bytes:
        if not 0 <= index < self.row.chunks:
            raise IndexError(index)
        assert self._cipher is not None
        size = self._cipher.header.chunk_size
        try:
            if self._reader is None:
                self._reader = self._plaintext(self.row)
            plaintext = self._reader(index * size, size)
        except OSError as exc:
            raise OwnCopyDamaged(str(exc)) from None
        sealed = self._cipher.seal(index, plaintext, last=index == self.row.chunks - 1)
        if index >= len(self._digests) or hashlib.sha256(sealed).hexdigest() != self._digests[index]:
            raise OwnCopyDamaged(_("本馆文件 %(path)s 与复制时不符") % {"path": self.row.path})
        return sealed


class _OwnCopy:
    """The owner's records of one target's copy (crypto.proofs.HeldCopy): names from StoredEnvelope rows, chunks
    rebuilt from the storage root."""

    def __init__(self, rows: dict[str, StoredEnvelope], master: MasterKey, root: StorageRoot | None) -> None:
        self._rows, self._master, self._root = rows, master, root
        self._sorted = sorted(rows)
        self._opened: dict[str, _OwnEnvelope | None] = {}
        self._manifests: dict[int, bytes] = {}

    def names(self, first: str, last: str) -> list[str]:
        return [name for name in self._sorted if first <= name <= last]

    def open(self, name: str) -> _OwnEnvelope | None:
        if name not in self._opened:
            row = self._rows.get(name)
            held = None
            if row is not None:
                held = _OwnEnvelope(row, self._plaintext)
                try:
                    held.cipher(self._master)
                except Exception:  # a manifest without a usable header: nothing can be checked from it
                    held = None
            self._opened[name] = held
        return self._opened[name]

    def _storage(self) -> StorageRoot:
        if self._root is None:
            self._root = storage_root()
        return self._root

    def _plaintext(self, row: StoredEnvelope) -> Callable[[int, int], bytes]:
        root = self._storage()
        package = row.replica.package
        if row.kind == EnvelopeKind.MANIFEST:
            data = self._manifest_bytes(row)
            return lambda offset, size: data[offset : offset + size]
        full = join(root.object_path(package.object_id), row.path)
        backend = root.backend

        def read(offset: int, size: int) -> bytes:
            with backend.open_read(full) as handle:
                try:
                    handle.seek(offset)
                except (OSError, io.UnsupportedOperation):
                    remaining = offset
                    while remaining and (skipped := handle.read(min(remaining, 1 << 20))):
                        remaining -= len(skipped)
                return handle.read(size)

        return read

    def _manifest_bytes(self, row: StoredEnvelope) -> bytes:
        """The version manifest the transfer sealed (actions.transfers), built again from the object at that
        version; OSError when it does not come out as the recorded content."""
        if row.pk in self._manifests:
            return self._manifests[row.pk]
        root = self._storage()
        replica = row.replica
        package = replica.package
        object_path = root.object_path(package.object_id)
        backend = root.backend
        raw = backend.read_bytes(join(object_path, f"{row.path}/{INVENTORY}"))
        inventory = Inventory.from_bytes(raw)
        manifest = row.manifest or {}
        suite, chunk_size = Suite.parse(str(manifest.get("suite", "SM4-GCM"))), int(manifest.get("chunk_size", 0))
        known = {
            other.path: other for other in replica.envelopes.filter(kind=EnvelopeKind.CONTENT, stored_at__isnull=False)
        }
        algorithm = inventory.digest_algorithm
        listed: list[dict[str, Any]] = []

        def add(path: str, size: int, sha256: str) -> None:
            header = make_header(
                self._master,
                object_id=str(package.uuid),
                content_sha256=bytes.fromhex(sha256),
                suite=suite,
                chunk_size=chunk_size,
            )
            listed.append(
                {"path": path, "size": size, "sha256": sha256, "envelope": f"content/{header.content_tag.hex()}"}
            )

        def by_bytes(path: str, data: bytes) -> None:
            add(path, len(data), hashlib.sha256(data).hexdigest())

        content = sorted(inventory.content_digests)
        for version in inventory.version_names():
            for name in (INVENTORY, sidecar_name(algorithm)):
                path = f"{version}/{name}"
                by_bytes(path, backend.read_bytes(join(object_path, path)))
            for path in content:
                if not path.startswith(f"{version}/"):
                    continue
                row_for = known.get(path)
                if row_for is not None:
                    add(path, row_for.plaintext_size, row_for.content_sha256)
                else:
                    sha = inventory.fixity_for(path).get("sha256") or ""
                    if not sha:
                        sha = hashlib.sha256(backend.read_bytes(join(object_path, path))).hexdigest()
                    add(path, backend.stat(join(object_path, path)).size, sha)
        by_bytes(OBJECT_DECLARATION, backend.read_bytes(join(object_path, OBJECT_DECLARATION)))
        by_bytes(INVENTORY, raw)
        by_bytes(
            sidecar_name(algorithm), backend.read_bytes(join(object_path, f"{row.path}/{sidecar_name(algorithm)}"))
        )
        document = {
            "format": "dangan-replication-manifest/1",
            "owner": str(this_node().node_id),
            "object_id": inventory.id,
            "package": str(package.uuid),
            "version": row.version_number,
            "version_name": inventory.head,
            "files": sorted(listed, key=lambda item: str(item["path"])),
        }
        data = json.dumps(document, ensure_ascii=False, sort_keys=True, separators=(",", ":")).encode()
        if hashlib.sha256(data).hexdigest() != row.content_sha256:
            raise OSError(_("无法由本馆存储重建版本清单 %(version)s") % {"version": row.path})
        self._manifests[row.pk] = data
        return data


# ---------------------------------------------------------------- one target


def _challenge(
    samples: dict[str, tuple[int, ...]] | None = None, ranges: Sequence[NameRange] = (), headers: Iterable[str] = ()
) -> CopyChallenge:
    return CopyChallenge(
        secrets.token_bytes(NONCE_BYTES), samples or {}, tuple(ranges), ProofHash.HMAC_SM3, tuple(headers)
    )


class _StaleAnswer(Exception):
    """The target answered another challenge than the one sent (a replay): nothing it said can be used."""


class _Exchange:
    """Challenges sent to one target and their traffic (request and answer bodies, as JSON)."""

    def __init__(self, store: TargetStore, own: _OwnCopy) -> None:
        self.store, self.own = store, own
        self.request_bytes = self.answer_bytes = 0

    def ask(self, challenge: CopyChallenge) -> tuple[CopyAnswer, CopyAnswer]:
        answer = self.store.prove(challenge)
        if not hmac.compare_digest(answer.nonce, challenge.nonce):
            raise _StaleAnswer()
        traffic = getattr(self.store, "last_traffic", None)
        if traffic is not None and traffic != (0, 0):
            self.request_bytes += traffic[0]
            self.answer_bytes += traffic[1]
        else:
            self.request_bytes += len(json.dumps({"challenge": challenge.to_dict()}, separators=(",", ":")))
            self.answer_bytes += len(json.dumps(answer.to_dict(), separators=(",", ":")))
        return answer, answer_copy(challenge, self.own)


def _previous(target: Target) -> AuditRun | None:
    return (
        AuditRun.objects.filter(target=target, full=False)
        .exclude(outcome__in=(AuditOutcome.RUNNING, AuditOutcome.UNREACHABLE))
        .order_by("-started_at", "-id")
        .first()
    )


def _next_in_cycle(target: Target, now: datetime) -> tuple[int, int, datetime]:
    """(audit number in the cycle, audits per cycle, when the cycle began) for the next sampled audit."""
    per_cycle = audits_per_cycle()
    previous = _previous(target)
    if previous is None or previous.audits_per_cycle != per_cycle or previous.cycle_started_at is None:
        return 0, per_cycle, now
    number = (previous.cycle_audit + 1) % per_cycle
    return number, per_cycle, (now if number == 0 else previous.cycle_started_at)


def due_targets(now: datetime | None = None) -> list[Target]:
    """Enabled targets whose next sampled audit is due (cycle_days / audits_per_cycle after the last)."""
    now = now or timezone.now()
    interval = timedelta(days=cycle_days() / audits_per_cycle())
    due = []
    for target in Target.objects.filter(enabled=True).order_by("name"):
        previous = _previous(target)
        if previous is None or previous.started_at + interval <= now:
            due.append(target)
    return due


def _recorded(target: Target) -> dict[str, StoredEnvelope]:
    rows: dict[str, StoredEnvelope] = {}
    query = (
        StoredEnvelope.objects.filter(replica__target=target, stored_at__isnull=False)
        .select_related("replica__package")
        .order_by("name", "id")
    )
    for row in query:
        rows.setdefault(row.name, row)
    return rows


def audit_target(
    target: Target,
    *,
    actor: Any = CONSOLE,
    full: bool = False,
    store: TargetStore | None = None,
    master: MasterKey | None = None,
    root: StorageRoot | None = None,
    progress: Progress | None = None,
) -> TargetAudit:
    """Audit every copy at ``target`` once (see the module's docstring) and record what was found."""
    now = timezone.now()
    number, per_cycle, cycle_started = (0, 1, now) if full else _next_in_cycle(target, now)
    run = AuditRun.objects.create(
        target=target,
        started_at=now,
        full=full,
        cycle_audit=number,
        audits_per_cycle=per_cycle,
        cycle_started_at=cycle_started,
        account=account_of(actor),
        actor_name=actor_name(actor),
    )
    result = TargetAudit(target.name, run.pk, AuditOutcome.RUNNING, full=full)
    rows = _recorded(target)
    result.envelopes, result.chunks = len(rows), sum(row.chunks for row in rows.values())
    refusal = _not_auditable(target)
    if refusal is not None:
        what, detail = refusal
        for replica in (
            Replica.objects.filter(target=target).exclude(state=ReplicaState.PENDING).select_related("package")
        ):
            result.failures.append(
                Failure(target.name, what, detail, str(replica.package.uuid), replica.package.reference_code)
            )
        result.message = detail
        return _finish(run, result, rows, set(), target, actor)
    if not rows:
        result.outcome = AuditOutcome.PROVEN
        result.message = _("该目标上没有已确认的密文对象")
        return _finish(run, result, rows, set(), target, actor)
    store = store if store is not None else store_for(target)
    own = _OwnCopy(rows, master if master is not None else master_key(), root)
    exchange = _Exchange(store, own)
    envelopes = [(name, rows[name].chunks) for name in sorted(rows)]
    if full:
        ranges = copy_ranges(envelopes)
        samples: dict[str, tuple[int, ...]] = {}
    else:
        ranges = copy_ranges([item for item in envelopes if slot_of(item[0], per_cycle) == number])
        samples = sample_copy(envelopes, sample_size(result.chunks))
    result.chunks_sampled = sum(len(indices) for indices in samples.values())
    result.chunks_covered = sum(item.chunks for item in ranges)
    if progress is not None:
        progress(target.name, 0, len(rows))
    try:
        challenge = _challenge(samples, ranges)
        answer, expected = exchange.ask(challenge)
        checked = check_copy_answer(challenge, answer, expected)
        suspects = _suspects(challenge, checked, exchange, ranges, envelopes)
        faults = _locate(exchange, rows, suspects)
        result.failures.extend(_failures(target, rows, faults))
        covered = {name for item in ranges for name in own.names(item.first, item.last)}
        proven = (covered | set(samples)) - set(faults)
    except _StaleAnswer:
        result.request_bytes, result.answer_bytes = exchange.request_bytes, exchange.answer_bytes
        result.failures.append(
            Failure(target.name, "stale-answer", _("应答针对的不是本次挑战（旧应答或重放），副本未获验证"))
        )
        return _finish(run, result, rows, set(), target, actor)
    except StoreError as exc:
        result.request_bytes, result.answer_bytes = exchange.request_bytes, exchange.answer_bytes
        if exc.retry:
            result.outcome = AuditOutcome.UNREACHABLE
            result.message = str(exc)
            result.failures.append(Failure(target.name, "unreachable", str(exc)))
        else:
            code = getattr(exc, "code", "") or ""
            what = "refused" if code else "forged-answer"
            result.failures.append(Failure(target.name, what, str(exc)))
            result.message = str(exc)
        return _finish(run, result, rows, set(), target, actor)
    result.request_bytes, result.answer_bytes = exchange.request_bytes, exchange.answer_bytes
    if progress is not None:
        progress(target.name, len(rows), len(rows))
    return _finish(run, result, rows, proven, target, actor)


def _not_auditable(target: Target) -> tuple[str, str] | None:
    if (
        target.kind == TargetKind.PARTNER
        and target.partner is not None
        and target.partner.status == PartnerStatus.REMOVED
    ):
        return (
            "target-removed",
            _("结对档案馆 %(name)s 已解除结对，其保存的副本不计为副本") % {"name": target.name},
        )
    if not target.enabled:
        return "target-disabled", _("备份目标 %(name)s 已停用，其副本未获验证") % {"name": target.name}
    return None


@dataclass
class _Fault:
    what: str
    detail: str
    chunks: list[int] = field(default_factory=list)


def _suspects(
    challenge: CopyChallenge,
    checked: Any,
    exchange: _Exchange,
    ranges: Sequence[NameRange],
    envelopes: Sequence[tuple[str, int]],
) -> dict[str, dict[str, Any]]:
    """The envelopes that failed: those of a failed sampled chunk, and those a failed range narrows down to (each
    with the keeper's and the owner's counts for it)."""
    suspects: dict[str, dict[str, Any]] = {}
    for name, _index in (*checked.damaged, *checked.missing, *checked.unverifiable):
        suspects.setdefault(name, {})
    counts = dict(envelopes)
    pending = [
        [(name, counts[name]) for name in exchange.own.names(ranges[i].first, ranges[i].last)]
        for i in checked.ranges_failed
    ]
    while pending:
        parts: list[list[tuple[str, int]]] = []
        for group in pending:
            if not group:
                continue
            pieces = min(SPLIT, len(group))
            parts.extend(group[i * len(group) // pieces : (i + 1) * len(group) // pieces] for i in range(pieces))
        parts = [part for part in parts if part]
        if not parts:
            break
        narrowing = _challenge(ranges=[NameRange(p[0][0], p[-1][0], len(p), sum(c for _n, c in p)) for p in parts])
        answer, expected = exchange.ask(narrowing)
        result = check_copy_answer(narrowing, answer, expected)
        pending = []
        for position in result.ranges_failed:
            part = parts[position]
            if len(part) == 1:
                theirs = answer.ranges[position] if position < len(answer.ranges) else None
                suspects.setdefault(part[0][0], {})["range"] = (theirs, expected.ranges[position])
            else:
                pending.append(part)
    return suspects


def _locate(
    exchange: _Exchange, rows: dict[str, StoredEnvelope], suspects: dict[str, dict[str, Any]]
) -> dict[str, _Fault]:
    """Each suspect envelope down to what is wrong: absent, shortened, unreadable, its header, or which chunks."""
    if not suspects:
        return {}
    samples = {name: tuple(range(min(rows[name].chunks, CHUNK_LEVEL_LIMIT))) for name in suspects}
    challenge = _challenge(samples, headers=suspects)
    answer, expected = exchange.ask(challenge)
    checked = check_copy_answer(challenge, answer, expected)
    faults: dict[str, _Fault] = {}
    by_name: dict[str, dict[str, list[int]]] = {}
    for kind, items in (
        ("damaged", checked.damaged),
        ("missing", checked.missing),
        ("unverifiable", checked.unverifiable),
    ):
        for name, index in items:
            by_name.setdefault(name, {}).setdefault(kind, []).append(index)
    for name in suspects:
        row = rows[name]
        found = by_name.get(name, {})
        if found.get("unverifiable"):
            chunks = found["unverifiable"]
            faults[name] = _Fault(
                "unverifiable",
                _("本馆自己的文件已与复制时不符，无法用本馆副本核对（请由其他副本修复本馆文件）：%(path)s")
                % {"path": row.path},
                chunks,
            )
            continue
        header_ok = (
            name in answer.headers and name in expected.headers and answer.headers[name] == expected.headers[name]
        )
        missing, damaged = found.get("missing", []), found.get("damaged", [])
        if name not in answer.headers:
            theirs = (suspects[name].get("range") or (None, None))[0]
            if theirs is not None and theirs.envelopes:
                faults[name] = _Fault("unreadable", _("目标上的密文对象无法读取（文件头损坏或文件已不在）"), [])
            else:
                faults[name] = _Fault("missing", _("目标上没有这个密文对象"), [])
        elif missing and len(missing) == row.chunks and not damaged and header_ok:
            faults[name] = _Fault("chunks-missing", _("目标上只剩文件头，全部块缺失"), sorted(missing))
        elif not header_ok and name in answer.headers:
            faults[name] = _Fault("header-damaged", _("密文对象的文件头已损坏"), damaged + missing)
        elif missing:
            faults[name] = _Fault(
                "chunks-missing",
                _("目标上缺少第 %(chunks)s 块（文件被截短）") % {"chunks": _spans(missing)},
                sorted(missing + damaged),
            )
        elif damaged:
            faults[name] = _Fault("damaged", _("第 %(chunks)s 块未通过验证") % {"chunks": _spans(damaged)}, damaged)
        # else: the suspect proves now (e.g. an envelope the target holds that the owner has no record of spoiled a
        # range); nothing to report
    return faults


def _spans(indices: Sequence[int]) -> str:
    """ "3、7–9" for chunks 3, 7, 8, 9."""
    spans: list[list[int]] = []
    for value in sorted(set(indices)):
        if spans and value == spans[-1][1] + 1:
            spans[-1][1] = value
        else:
            spans.append([value, value])
    return "、".join(str(a) if a == b else f"{a}–{b}" for a, b in spans)


def _failures(target: Target, rows: dict[str, StoredEnvelope], faults: dict[str, _Fault]) -> list[Failure]:
    failures = []
    for name, fault in sorted(faults.items()):
        row = rows[name]
        package = row.replica.package
        failures.append(
            Failure(
                target.name,
                fault.what,
                fault.detail,
                str(package.uuid),
                package.reference_code,
                name,
                row.path,
                fault.chunks[0] if fault.chunks else None,
            )
        )
    return failures


_KEEPER_FAULT = {
    "missing": EnvelopeFault.MISSING,
    "chunks-missing": EnvelopeFault.MISSING,
    "unreadable": EnvelopeFault.DAMAGED,
    "header-damaged": EnvelopeFault.DAMAGED,
    "damaged": EnvelopeFault.DAMAGED,
}


def _agents(actor: Any, target: Target) -> list[Agent]:
    agents = [software_agent()]
    if actor is not SYSTEM and actor is not CONSOLE and hasattr(actor, "get_full_name"):
        agents.append(person_agent(actor_name(actor), actor.get_full_name()))
    agents.append(
        Agent(
            identifier_value=target.name,
            name=target.name,
            type=AgentType.ORGANIZATION if target.kind == TargetKind.PARTNER else AgentType.HARDWARE,
            identifier_type=TARGET_AGENT,
        )
    )
    return agents


def _finish(
    run: AuditRun,
    result: TargetAudit,
    rows: dict[str, StoredEnvelope],
    proven: set[str],
    target: Target,
    actor: Any,
) -> TargetAudit:
    """Record the run, the envelopes' and replicas' state, and a PREMIS event per package audited."""
    now = timezone.now()
    if result.outcome == AuditOutcome.RUNNING:
        result.outcome = AuditOutcome.FAILED if result.failures else AuditOutcome.PROVEN
    contacted = result.outcome != AuditOutcome.UNREACHABLE and not any(
        f.what in ("target-removed", "target-disabled", "forged-answer", "refused", "stale-answer")
        for f in result.failures
    )
    by_replica: dict[int, list[Failure]] = {}
    for failure in result.failures:
        if failure.envelope and failure.envelope in rows:
            by_replica.setdefault(rows[failure.envelope].replica_id, []).append(failure)
    whole_copy = [f for f in result.failures if not f.envelope]
    with transaction.atomic():
        run.finished_at = now
        run.envelopes, run.chunks = result.envelopes, result.chunks
        run.chunks_sampled, run.chunks_covered = result.chunks_sampled, result.chunks_covered
        run.request_bytes, run.answer_bytes = result.request_bytes, result.answer_bytes
        run.outcome = result.outcome
        run.failures = [failure.as_dict() for failure in result.failures]
        run.message = result.message
        run.save()
        if contacted and proven:
            StoredEnvelope.objects.filter(pk__in=[rows[name].pk for name in proven]).update(proven_at=now)
        for failure in result.failures:
            fault = _KEEPER_FAULT.get(failure.what)
            if fault is None or failure.envelope not in rows:
                continue
            StoredEnvelope.objects.filter(pk=rows[failure.envelope].pk).update(
                fault=fault, fault_found_at=now, fault_detail=failure.detail
            )
        replicas = {row.replica_id: row.replica for row in rows.values()}
        for replica_id, replica in replicas.items():
            failures = by_replica.get(replica_id, [])
            keeper = [f for f in failures if f.what in _KEEPER_FAULT]
            if keeper:
                state = (
                    ReplicaState.MISSING
                    if any(_KEEPER_FAULT[f.what] == EnvelopeFault.MISSING for f in keeper)
                    else ReplicaState.DAMAGED
                )
                problem = _("验证发现问题（%(when)s）：%(what)s") % {
                    "when": timezone.localtime(now).strftime("%Y-%m-%d %H:%M"),
                    "what": "；".join(f"{f.path}：{f.detail}" for f in keeper[:5]),
                }
                Replica.objects.filter(pk=replica_id).update(state=state, problem=problem)
            elif contacted and not failures and not whole_copy:
                Replica.objects.filter(pk=replica_id).update(proven_at=now)
            _event(replica, target, failures or whole_copy, result, actor, now)
        if result.outcome == AuditOutcome.UNREACHABLE and not replicas:
            pass
        log(
            run,
            ACTION_AUDIT,
            actor,
            {
                "target": target.name,
                "full": result.full,
                "outcome": result.outcome,
                "envelopes": result.envelopes,
                "chunks_sampled": result.chunks_sampled,
                "chunks_covered": result.chunks_covered,
                "failures": len(result.failures),
            },
        )
    return result


def _event(
    replica: Replica, target: Target, failures: list[Failure], result: TargetAudit, actor: Any, now: datetime
) -> None:
    if result.outcome == AuditOutcome.UNREACHABLE:
        return  # nothing was checked: no fixity event
    package = replica.package
    ok = not failures
    detail = _("验证备份目标 %(target)s 上的副本（不下载）：抽查 %(sampled)d 块，覆盖 %(covered)d 块") % {
        "target": target.name,
        "sampled": result.chunks_sampled,
        "covered": result.chunks_covered,
    }
    outcome_detail = (
        _("副本完好") if ok else "；".join(f"{f.path or f.envelope or target.name}：{f.detail}" for f in failures[:10])
    )
    event = new_event(
        EventType.FIXITY_CHECK,
        detail=detail,
        outcome=EventOutcome.SUCCESS if ok else EventOutcome.FAIL,
        outcome_detail=outcome_detail,
        agents=_agents(actor, target),
        objects=[intellectual_entity_id(package.object_id), Link(TARGET_AGENT, target.name)],
        date_time=now,
    )
    event_row(package, event).save()


# ---------------------------------------------------------------- every target


def check_audit(actor: Any) -> None:
    """PermissionDenied unless ``actor`` manages replication; ValidationError when this node has no keys yet."""
    if not has_capability(actor, Capability.REPLICATION_MANAGE):
        raise PermissionDenied(_("只有备份管理员可以发起验证。"))
    try:
        master_key()
        this_node()
    except NodeNotReady as exc:
        raise ValidationError(str(exc), code="node_not_ready") from None


def do_audit(
    actor: Any,
    target: Target | None = None,
    *,
    full: bool = False,
    progress: Progress | None = None,
    stores: dict[int, TargetStore] | None = None,
) -> AuditReport:
    """Audit the copies at ``target`` (every enabled target by default). ``full``: every chunk."""
    check_audit(actor)
    master = master_key()
    targets = [target] if target is not None else list(Target.objects.filter(enabled=True).order_by("name"))
    report = AuditReport()
    root: StorageRoot | None = None
    for chosen in targets:
        store = (stores or {}).get(chosen.pk)
        try:
            report.targets.append(
                audit_target(chosen, actor=actor, full=full, store=store, master=master, root=root, progress=progress)
            )
        except StoreError as exc:  # the store could not even be built (a missing folder, no credentials)
            run = AuditRun.objects.create(target=chosen, started_at=timezone.now(), full=full)
            failed = TargetAudit(chosen.name, run.pk, AuditOutcome.UNREACHABLE, full=full, message=str(exc))
            failed.failures.append(Failure(chosen.name, "unreachable", str(exc)))
            report.targets.append(_finish(run, failed, {}, set(), chosen, actor))
    return report


def do_start_audit(actor: Any, target: Target | None = None, *, full: bool = False) -> None:
    """Queue ``do_audit`` as a background task (the workspace's "audit now"); ValidationError when one is queued
    or running already."""
    from django_tasks_db.models import DBTaskResult

    from dangan.core.actors import actor_id
    from dangan.core.jobs import hold_start_lock, task_path
    from dangan.replication.tasks.audits import audit_task

    check_audit(actor)
    with transaction.atomic():
        hold_start_lock(ACTION_START)
        if DBTaskResult.objects.filter(task_path=task_path(audit_task), status__in=("READY", "RUNNING")).exists():
            raise ValidationError(_("验证任务已在排队或进行中。"), code="already_running")
        user_id, target_id = actor_id(actor), target.pk if target else None
        log(None, ACTION_START, actor, {"target": target.name if target else None, "full": full})
        transaction.on_commit(lambda: audit_task.enqueue(user_id, target_id, full))


def queue_due_audits(now: datetime) -> int:
    """The periodic job: an audit task for each enabled target whose next audit is due (none while one is queued)."""
    from django_tasks_db.models import DBTaskResult

    from dangan.core.jobs import task_path
    from dangan.replication.tasks.audits import audit_task

    if DBTaskResult.objects.filter(task_path=task_path(audit_task), status__in=("READY", "RUNNING")).exists():
        return 0
    try:
        master_key()
    except NodeNotReady:
        return 0
    due = due_targets(now)
    for target in due:
        audit_task.enqueue(None, target.pk, False)
    return len(due)
