"""Repair (修复): a damaged or missing copy is rewritten from a good one, and this node's own damaged file is put
back from a keeper's good copy.

Two kinds of damage, repaired in this order by ``do_repair``:

1. **A keeper's copy** — an envelope whose ``StoredEnvelope.fault`` is set (by an audit, or by this part's own
   cheap check: a replica marked damaged or missing is listed at its target, and each envelope absent or of the
   wrong size is marked as an audit would). The envelope is rewritten from a good source: the owner's own file
   (the deterministic envelope regenerated, as transfers seal it — after hashing the file, so a rotted file is
   never sealed), else another keeper's copy of the same envelope (same name = same content, cipher and chunk size
   = the same bytes: copied after checking the header and every chunk digest against the owner's manifest), else
   another keeper's copy of the same content under another cipher or chunk size (decrypted, checked, re-sealed).
   A complete envelope of the same size is confirmed by stores without sending (a flipped byte keeps the size), so
   a damaged one is deleted first; an incomplete one (a repair cut off) is resumed. Receipt checked, fault
   cleared, the replica's state recomputed, a register entry (kind repair), a PREMIS ``replication`` event saying
   it was a repair. An envelope on a written (write-once) Blu-ray disc cannot be rewritten: it is named, with the
   way out (``dangan replication discs rebuild`` from parity).
2. **This node's own file** — a content (or inventory) file the local fixity audit found changed, missing or
   unreadable (``AuditFailure`` rows of the package's last audit run), or that repair itself found not to match its
   SHA-256 while regenerating an envelope. A keeper's good envelope of that content (any target kind) is fetched to
   a staging file, its header and chunk digests checked against the owner's manifest, decrypted (GCM authenticates
   every chunk), the plaintext's SHA-256 checked against the inventory's, and the file replaced in the storage
   root through the backend (written under the staging area, fsynced, renamed into place under the object's lock:
   old bytes or new, never half). Then a PREMIS ``recovery`` event, and the object's fixity is checked again
   (a ``fixity check`` event; the package's fixity status is ok again when the whole object checks out).

A source found bad while repairing is marked (fault damaged) and the next source tried; nothing is written from
bytes that did not check out.
"""

from __future__ import annotations

import hashlib
import logging
import shutil
import tempfile
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from dangan.core.actors import CONSOLE, account_of, actor_name
from dangan.core.audit import log
from dangan.core.roles import Capability, has_capability
from dangan.preservation.actions.indexing import event_row
from dangan.preservation.choices import FailureKind, FixityStatus
from dangan.preservation.models import PreservedPackage
from dangan.preservation.ocfl.inventory import INVENTORY, Inventory, parse_version_name
from dangan.preservation.ocfl.root import ObjectNotFound, StorageRoot
from dangan.preservation.ocfl.staging import STAGING
from dangan.preservation.premis import EventOutcome, EventType, Link, intellectual_entity_id, new_event
from dangan.preservation.storage.backend import join, parent
from dangan.preservation.store import storage_root
from dangan.replication.choices import EnvelopeFault, EnvelopeKind, ReplicaState
from dangan.replication.crypto.envelope import FRAME_BYTES, TAG_BYTES, Suite, decrypt_file
from dangan.replication.crypto.errors import ReplicationCryptoError
from dangan.replication.crypto.keys import MasterKey
from dangan.replication.models import BackupRecord, RegisterKind, Replica, StoredEnvelope, Target
from dangan.replication.node import NodeNotReady, master_key, this_node
from dangan.replication.stores.base import StoredObject, StoreError, TargetStore
from dangan.replication.stores.registry import store_for

from .transfers import TARGET_LINK, _agents, _bytes_file, _File, _object_files, _Sealing, manifest_document

__all__ = ["RepairReport", "Repaired", "Unrepaired", "check_repair", "do_repair", "do_start_repair"]

logger = logging.getLogger(__name__)

Progress = Callable[[str, int, int], None]
#: Ciphertext bytes per read from a source (a partner answers each read in memory).
READ_BYTES = 8 * 1024 * 1024
#: What the owner's file is called as a source in results.
OWNER = "owner"
_OWN_KINDS = (FailureKind.CHANGED, FailureKind.MISSING, FailureKind.UNREADABLE)


@dataclass(frozen=True)
class Repaired:
    """One copy rewritten (``target`` the keeper, ``what`` = "copy") or one own file put back (``target`` empty,
    ``what`` = "own"), and where the good bytes came from (``source``: "owner" or a target's name)."""

    package: str
    reference_code: str
    path: str
    target: str
    source: str
    what: str
    envelope: str = ""

    def as_dict(self) -> dict[str, str]:
        return {
            "package": self.package,
            "reference_code": self.reference_code,
            "path": self.path,
            "target": self.target,
            "source": self.source,
            "what": self.what,
            "envelope": self.envelope,
        }


@dataclass(frozen=True)
class Unrepaired:
    """What could not be repaired, and why (in Chinese): a copy at ``target``, or an own file (``target`` empty)."""

    package: str
    reference_code: str
    path: str
    target: str
    reason: str
    what: str = "copy"

    def as_dict(self) -> dict[str, str]:
        return {
            "package": self.package,
            "reference_code": self.reference_code,
            "path": self.path,
            "target": self.target,
            "what": self.what,
            "reason": self.reason,
        }


@dataclass
class RepairReport:
    repaired: list[Repaired] = field(default_factory=list)
    failed: list[Unrepaired] = field(default_factory=list)
    checked_copies: int = 0  # envelopes found faulty at a target
    checked_files: int = 0  # own files found damaged
    bytes_sent: int = 0

    @property
    def ok(self) -> bool:
        return not self.failed

    def as_dict(self) -> dict[str, Any]:
        return {
            "ok": self.ok,
            "damaged_copies": self.checked_copies,
            "damaged_files": self.checked_files,
            "repaired": [r.as_dict() for r in self.repaired],
            "failed": [f.as_dict() for f in self.failed],
            "bytes_sent": self.bytes_sent,
        }


class _Bad(Exception):
    """A source that cannot give good bytes (the message says why)."""


def check_repair(actor: Any) -> None:
    """PermissionDenied unless ``actor`` manages replication; ValidationError when this node has no keys yet."""
    if not has_capability(actor, Capability.REPLICATION_MANAGE):
        raise PermissionDenied(_("只有备份管理员可以执行修复。"))
    try:
        master_key()
        this_node()
    except NodeNotReady as exc:
        raise ValidationError(str(exc), code="node_not_ready") from None


# ---------------------------------------------------------------- the run


class _Run:
    def __init__(
        self,
        actor: Any,
        target: Target | None,
        progress: Progress | None,
        stores: dict[int, TargetStore] | None,
        root: StorageRoot | None,
    ) -> None:
        self.actor, self.target, self.progress = actor, target, progress
        self.stores: dict[int, TargetStore] = dict(stores or {})
        self.master: MasterKey = master_key()
        self._root = root
        self.report = RepairReport()
        self.scratch = Path(tempfile.mkdtemp(prefix="dangan-repair-"))
        self.bad_own: dict[tuple[int, str], str] = {}  # (package pk, path) → expected sha256, found while repairing
        self.down: dict[int, str] = {}  # targets that failed with retry in this run
        self.attempted: set[int] = set()  # envelope rows tried in this run

    @property
    def root(self) -> StorageRoot:
        if self._root is None:
            self._root = storage_root()
        return self._root

    def store(self, target: Target) -> TargetStore:
        if target.pk not in self.stores:
            self.stores[target.pk] = store_for(target)
        return self.stores[target.pk]

    def tick(self, label: str, done: int, total: int) -> None:
        if self.progress is not None:
            self.progress(label, done, total)

    def close(self) -> None:
        shutil.rmtree(self.scratch, ignore_errors=True)


def do_repair(
    actor: Any = CONSOLE,
    target: Target | None = None,
    *,
    progress: Progress | None = None,
    stores: dict[int, TargetStore] | None = None,
    root: StorageRoot | None = None,
) -> RepairReport:
    """Repair every faulty copy (``target``: only copies at that target) and every damaged own file that has a good
    copy somewhere (see the module's docstring). ``stores``: target pk → store, for tests wrapping real stores."""
    check_repair(actor)
    run = _Run(actor, target, progress, stores, root)
    try:
        _find_missing(run)
        _repair_copies(run)
        _repair_own_files(run)
        _repair_copies(run)  # sources found bad meanwhile, now that own files are whole again
    finally:
        run.close()
    report = run.report
    with transaction.atomic():
        log(
            None,
            "replication.repair",
            actor,
            {
                "target": target.name if target else None,
                # Package ids, not 档号: whoever reads the audit log may not see every unit.
                "repaired": [_unnamed(r.as_dict()) for r in report.repaired[:200]],
                "failed": [_unnamed(f.as_dict()) for f in report.failed[:200]],
                "bytes_sent": report.bytes_sent,
            },
        )
    return report


def _unnamed(item: dict[str, str]) -> dict[str, str]:
    return {key: value for key, value in item.items() if key != "reference_code"}


def do_start_repair(actor: Any, target: Target | None = None) -> None:
    """Queue ``do_repair`` as a background task (the workspace's 立即修复); ValidationError when one is queued or
    running already."""
    from django_tasks_db.models import DBTaskResult

    from dangan.core.actors import actor_id
    from dangan.core.jobs import hold_start_lock, task_path
    from dangan.replication.tasks.repair import repair_task

    check_repair(actor)
    with transaction.atomic():
        hold_start_lock("replication.repair")
        if DBTaskResult.objects.filter(task_path=task_path(repair_task), status__in=("READY", "RUNNING")).exists():
            raise ValidationError(_("修复任务已在排队或进行中。"), code="already_running")
        user_id, target_id = actor_id(actor), target.pk if target else None
        transaction.on_commit(lambda: repair_task.enqueue(user_id, target_id))


# ---------------------------------------------------------------- keepers' copies


def _faulty(run: _Run) -> Q:
    query = Q(stored_at__isnull=False, replica__target__enabled=True) & ~Q(fault="")
    if run.target is not None:
        query &= Q(replica__target=run.target)
    return query


def _find_missing(run: _Run) -> None:
    """The cheap check: every replica marked damaged or missing at an enabled target whose envelopes carry no fault
    yet is listed at its target; an envelope absent or of another size is marked, as an audit would."""
    replicas = Replica.objects.filter(
        state__in=(ReplicaState.DAMAGED, ReplicaState.MISSING), target__enabled=True
    ).select_related("target", "package")
    if run.target is not None:
        replicas = replicas.filter(target=run.target)
    listings: dict[int, dict[str, StoredObject]] = {}  # one listing per target
    for replica in replicas:
        rows = list(replica.envelopes.filter(stored_at__isnull=False, fault=""))
        if not rows or replica.target.pk in run.down:
            continue
        if replica.target.pk not in listings:
            try:
                listings[replica.target.pk] = {item.name: item for item in run.store(replica.target).list()}
            except StoreError as exc:
                run.down[replica.target.pk] = str(exc)
                continue
        held = listings[replica.target.pk]
        now = timezone.now()
        marked = 0
        for row in rows:
            item = held.get(row.name)
            if item is not None and item.complete and item.size == row.ciphertext_size:
                continue
            marked += 1
            row.fault = EnvelopeFault.MISSING if item is None or not item.complete else EnvelopeFault.DAMAGED
            row.fault_found_at = now
            row.fault_detail = (
                _("修复前检查：目标上没有该密文对象")
                if item is None
                else _("修复前检查：目标上有 %(held)d 字节（%(state)s），应为 %(size)d 字节")
                % {"held": item.size, "state": _("完整") if item.complete else _("未完成"), "size": row.ciphertext_size}
            )
            row.save(update_fields=["fault", "fault_found_at", "fault_detail"])
        if not marked and not replica.envelopes.exclude(fault="").exists():
            # Marked damaged, yet every envelope is there whole by its size: only an audit of every chunk can say
            # which one holds the damage.
            package = replica.package
            run.report.failed.append(
                Unrepaired(
                    str(package.uuid),
                    package.reference_code,
                    "",
                    replica.target.name,
                    _(
                        "副本标记为%(state)s，但各密文对象都在且大小正确：请先运行 dangan replication audit "
                        "--target %(target)s --full 找出损坏的密文对象"
                    )
                    % {"state": replica.get_state_display(), "target": replica.target.name},
                )
            )


def _repair_copies(run: _Run) -> None:
    rows = list(
        StoredEnvelope.objects.filter(_faulty(run))
        .select_related("replica", "replica__target", "replica__package")
        .order_by("replica__package_id", "replica__target__name", "path")
    )
    rows = [row for row in rows if row.pk not in run.attempted]
    run.attempted.update(row.pk for row in rows)
    run.report.checked_copies += len(rows)
    for number, row in enumerate(rows, 1):
        replica, target, package = row.replica, row.replica.target, row.replica.package
        run.tick(f"{package.reference_code or package.uuid} {row.path}", number, len(rows))
        if target.pk in run.down:
            run.report.failed.append(_unrepaired(row, run.down[target.pk]))
            continue
        try:
            store = run.store(target)
            written = _on_written_disc(store, row.name)
            if written:
                raise _Bad(
                    _(
                        "该密文对象在已写入的一次性光盘 %(disc)s 上，无法原地重写；"
                        "请用 dangan replication discs rebuild 由校验盘重建该光盘"
                    )
                    % {"disc": written}
                )
            source, sent = _rewrite(run, row, store)
        except _Bad as exc:
            run.report.failed.append(_unrepaired(row, str(exc)))
            continue
        except StoreError as exc:
            if exc.retry:
                run.down[target.pk] = str(exc)
            Replica.objects.filter(pk=replica.pk).update(problem=str(exc))
            run.report.failed.append(_unrepaired(row, str(exc)))
            continue
        run.report.bytes_sent += sent
        run.report.repaired.append(
            Repaired(str(package.uuid), package.reference_code, row.path, target.name, source, "copy", row.name)
        )


def _unrepaired(row: StoredEnvelope, reason: str) -> Unrepaired:
    package = row.replica.package
    return Unrepaired(str(package.uuid), package.reference_code, row.path, row.replica.target.name, reason)


def _on_written_disc(store: TargetStore, name: str) -> str:
    """The label of the written disc holding ``name`` at a disc-set target, or ""."""
    written = getattr(store, "written_disc", None)
    return str(written(name) or "") if callable(written) else ""


def _rewrite(run: _Run, row: StoredEnvelope, store: TargetStore) -> tuple[str, int]:
    """Rewrite ``row``'s envelope at ``store`` from the first good source; the source's name and the bytes sent."""
    header = bytes.fromhex(str(row.manifest.get("header", "")))
    reasons: list[str] = []
    pieces: Callable[[int], Iterator[bytes]] | None = None
    source = ""
    staged: Path | None = None
    # 1. The owner's own file, sealed again (deterministic).
    try:
        sealing = _own_sealing(run, row)
        if sealing.header.to_bytes() != header or sealing.size != row.ciphertext_size:
            raise _Bad(_("本馆重新生成的密文对象与记录的头部或大小不符（密码算法或块大小已改？）"))
        pieces, source = sealing.pieces, OWNER
    except _Bad as exc:
        reasons.append(f"{_('本馆文件')}：{exc}")
    # 2. Another keeper's copy: the same envelope, or the same content sealed otherwise.
    if pieces is None:
        for other in _good_copies(run, row):
            try:
                staged = _fetch(run, other)
                if other.name != row.name:
                    staged = _reseal(run, row, other, staged)
                pieces, source = _file_pieces(staged), other.replica.target.name
                break
            except _Bad as exc:
                reasons.append(f"{other.replica.target.name}：{exc}")
            except StoreError as exc:
                reasons.append(f"{other.replica.target.name}：{exc}")
    if pieces is None:
        raise _Bad(_("没有可用的完好副本：") + "；".join(reasons or [_("其他目标上都没有该文件的副本")]))
    try:
        held = store.stat(row.name)
        if held is not None and (held.complete or held.size > row.ciphertext_size):
            store.delete(row.name)  # the same size would be confirmed without sending: the damaged bytes must go
            held = None
        offset = held.size if held is not None else 0  # an incomplete one (a repair cut off) is resumed
        try:
            receipt = store.put(row.name, row.ciphertext_size, pieces)
        except ReplicationCryptoError:  # this node's file changed while it was sealed: what went out must go
            store.delete(row.name)
            raise _Bad(_("本馆文件在加密时被改动，已删除写出的部分")) from None
    finally:
        if staged is not None:
            staged.unlink(missing_ok=True)
    want = str(row.manifest.get("sha256", ""))
    if receipt.size != row.ciphertext_size or (want and receipt.sha256 != want):
        try:
            store.delete(row.name)
        except StoreError:
            logger.warning("could not remove %s from %s", row.name, store.describe())
        raise StoreError(
            _("备份目标 %(target)s 的回执与发出的内容不符：%(name)s")
            % {"target": row.replica.target.name, "name": row.name},
            retry=True,
        )
    _record_copy(run, row, source, receipt.sha256, row.ciphertext_size - offset)
    return source, row.ciphertext_size - offset


def _own_sealing(run: _Run, row: StoredEnvelope) -> _Sealing:
    """The envelope of ``row`` regenerated from this node's own file (hashed first: a file that no longer has its
    SHA-256 is never sealed, and is recorded as damaged for part 2)."""
    package, target = row.replica.package, row.replica.target
    suite = Suite.parse(target.cipher)
    chunk_size = int(row.manifest.get("chunk_size") or 0)
    object_id = str(package.uuid)
    try:
        object_path = run.root.object_path(package.object_id)
        if row.kind == EnvelopeKind.MANIFEST:
            file = _manifest_file(run, row, object_path)
        else:
            full = join(object_path, row.path)
            backend = run.root.backend
            digest = hashlib.sha256()
            with backend.open_read(full) as handle:
                while block := handle.read(1 << 20):
                    digest.update(block)
            if digest.hexdigest() != row.content_sha256:
                run.bad_own[(package.pk, row.path)] = row.content_sha256
                raise _Bad(_("本馆存储中的 %(path)s 与其 SHA-256 不符") % {"path": row.path})
            file = _File(row.path, row.plaintext_size, row.content_sha256, lambda: backend.open_read(full))
    except (FileNotFoundError, ObjectNotFound):
        if row.kind != EnvelopeKind.MANIFEST:
            run.bad_own[(package.pk, row.path)] = row.content_sha256
        raise _Bad(_("本馆存储中没有 %(path)s") % {"path": row.path}) from None
    except OSError as exc:
        raise _Bad(_("读取本馆存储失败：%(error)s") % {"error": exc}) from None
    return _Sealing(run.master, file, object_id, suite, chunk_size)


def _manifest_file(run: _Run, row: StoredEnvelope, object_path: str) -> _File:
    """A version's manifest document, rebuilt from that version's inventory (as transfers wrote it when that
    version was the head); refused when it does not come out with the recorded SHA-256."""
    backend = run.root.backend
    inventory = Inventory.from_bytes(backend.read_bytes(join(object_path, row.path, INVENTORY)))
    version = parse_version_name(inventory.head)
    assert version is not None
    known = {
        r.path: r
        for r in row.replica.envelopes.filter(kind=EnvelopeKind.CONTENT, stored_at__isnull=False)
        if r.version_number <= version[0]
    }
    files = _object_files(run.root, inventory, object_path, known)
    suite = Suite.parse(row.replica.target.cipher)
    chunk_size = int(row.manifest.get("chunk_size") or 0)
    listed = []
    for file in files:
        sealing = _Sealing(run.master, file, str(row.replica.package.uuid), suite, chunk_size)
        listed.append(
            {
                "path": file.path,
                "size": file.size,
                "sha256": file.sha256,
                "envelope": f"content/{sealing.header.content_tag.hex()}",
            }
        )
    data = manifest_document(row.replica.package, inventory, listed)
    if hashlib.sha256(data).hexdigest() != row.content_sha256:
        raise _Bad(_("由本馆清单重建的版本清单与记录的摘要不符"))
    return _bytes_file(row.path, data)


def _good_copies(run: _Run, row: StoredEnvelope) -> list[StoredEnvelope]:
    """Other targets' envelopes of the same content with no fault, the same envelope first."""
    others = (
        StoredEnvelope.objects.filter(
            replica__package=row.replica.package,
            content_sha256=row.content_sha256,
            stored_at__isnull=False,
            fault="",
            replica__target__enabled=True,
        )
        .exclude(pk=row.pk)
        .exclude(replica__target=row.replica.target)
        .exclude(replica__target_id__in=list(run.down))
        .select_related("replica", "replica__target", "replica__package")
    )
    return sorted(others, key=lambda other: (other.name != row.name, other.replica.target.name))


def _fetch(run: _Run, row: StoredEnvelope) -> Path:
    """``row``'s envelope read from its target into a scratch file, checked as it arrives against the owner's
    manifest (the header, every sealed chunk's SHA-256, the size and the whole SHA-256). A source that fails the
    check is marked damaged (as an audit would) and _Bad raised."""
    manifest = row.manifest
    header = bytes.fromhex(str(manifest.get("header", "")))
    digests = [str(d) for d in manifest.get("chunk_sha256", [])]
    chunk_size = int(manifest.get("chunk_size") or 0)
    if not header or len(digests) != row.chunks or not chunk_size:
        raise _Bad(_("该副本的密文清单不全，无法核对"))
    sealed = chunk_size + FRAME_BYTES + TAG_BYTES
    store = run.store(row.replica.target)
    path = run.scratch / uuid.uuid4().hex
    whole = hashlib.sha256()
    try:
        with open(path, "wb") as out:
            got = store.read(row.name, 0, len(header))
            if got != header:
                raise _Bad(_("密文对象头部与本馆记录不符"))
            whole.update(got)
            out.write(got)
            per_read = max(1, READ_BYTES // sealed)
            for first in range(0, len(digests), per_read):
                count = min(per_read, len(digests) - first)
                data = store.read(row.name, len(header) + first * sealed, count * sealed)
                for i in range(count):
                    index = first + i
                    last = index == len(digests) - 1
                    piece = data[i * sealed : (i + 1) * sealed] if not last else data[i * sealed :]
                    if hashlib.sha256(piece).hexdigest() != digests[index]:
                        raise _Bad(_("第 %(index)d 块与本馆记录的摘要不符") % {"index": index})
                whole.update(data)
                out.write(data)
        size = path.stat().st_size
        want = str(manifest.get("sha256", ""))
        if size != row.ciphertext_size or (want and whole.hexdigest() != want):
            raise _Bad(_("密文对象的大小或 SHA-256 与本馆记录不符"))
    except FileNotFoundError:
        _mark(row, EnvelopeFault.MISSING, _("修复时读取：目标上没有该密文对象"))
        path.unlink(missing_ok=True)
        raise _Bad(_("目标上没有该密文对象")) from None
    except OSError as exc:  # a disc image unreadable, the scratch folder full
        path.unlink(missing_ok=True)
        raise _Bad(_("读取失败：%(error)s") % {"error": exc}) from None
    except _Bad as exc:
        _mark(row, EnvelopeFault.DAMAGED, _("修复时读取：%(why)s") % {"why": exc})
        path.unlink(missing_ok=True)
        raise
    return path


def _mark(row: StoredEnvelope, fault: str, detail: str) -> None:
    StoredEnvelope.objects.filter(pk=row.pk).update(fault=fault, fault_found_at=timezone.now(), fault_detail=detail)
    Replica.objects.filter(pk=row.replica_id).update(
        state=ReplicaState.MISSING if fault == EnvelopeFault.MISSING else ReplicaState.DAMAGED
    )


def _decrypt(run: _Run, row: StoredEnvelope, staged: Path) -> Path:
    """The plaintext of a fetched, checked envelope, with its SHA-256 checked against the record."""
    plain = run.scratch / f"{staged.name}.plain"
    try:
        decrypt_file(run.master, staged, plain)
    except (ReplicationCryptoError, ValueError) as exc:
        _mark(row, EnvelopeFault.DAMAGED, _("修复时解密失败：%(why)s") % {"why": exc})
        raise _Bad(_("解密失败：%(why)s") % {"why": exc}) from None
    finally:
        staged.unlink(missing_ok=True)
    digest = hashlib.sha256()
    with open(plain, "rb") as handle:
        while block := handle.read(1 << 20):
            digest.update(block)
    if digest.hexdigest() != row.content_sha256:
        plain.unlink(missing_ok=True)
        raise _Bad(_("解密后的内容与记录的 SHA-256 不符"))
    return plain


def _reseal(run: _Run, row: StoredEnvelope, other: StoredEnvelope, staged: Path) -> Path:
    """Another cipher or chunk size at the source: decrypt it and seal the plaintext as ``row`` was sealed."""
    plain = _decrypt(run, other, staged)
    sealing = _Sealing(
        run.master,
        _File(row.path, row.plaintext_size, row.content_sha256, lambda: open(plain, "rb")),  # noqa: SIM115
        str(row.replica.package.uuid),
        Suite.parse(row.replica.target.cipher),
        int(row.manifest.get("chunk_size") or 0),
    )
    sealed = run.scratch / f"{plain.name}.sealed"
    with open(sealed, "wb") as out:
        for piece in sealing.pieces(0):
            out.write(piece)
    plain.unlink(missing_ok=True)
    if sealing.sha256 != str(row.manifest.get("sha256", sealing.sha256)):
        raise _Bad(_("重新加密的密文对象与记录不符"))
    return sealed


def _file_pieces(path: Path) -> Callable[[int], Iterator[bytes]]:
    def pieces(offset: int) -> Iterator[bytes]:
        with open(path, "rb") as handle:
            handle.seek(offset)
            while block := handle.read(1 << 20):
                yield block

    return pieces


def _record_copy(run: _Run, row: StoredEnvelope, source: str, sha256: str, sent: int) -> None:
    """The envelope is whole at its target again: fault cleared, the replica's state recomputed, a register entry
    and a PREMIS replication event that says it was a repair."""
    replica, target, package = row.replica, row.replica.target, row.replica.package
    now = timezone.now()
    with transaction.atomic():
        StoredEnvelope.objects.filter(pk=row.pk).update(fault="", fault_found_at=None, fault_detail="", stored_at=now)
        replica.refresh_from_db()
        if not replica.envelopes.exclude(fault="").exists():
            head = (parse_version_name(package.head_version or "") or (0, 0))[0]
            replica.state = ReplicaState.CURRENT if replica.version_number >= head else ReplicaState.BEHIND
            if replica.version_number == 0:
                replica.state = ReplicaState.PENDING
            replica.problem = ""
            replica.save(update_fields=["state", "problem"])
        where = _("本馆文件") if source == OWNER else _("备份目标 %(name)s 的副本") % {"name": source}
        event = new_event(
            EventType.REPLICATION,
            detail=_("修复：备份目标 %(target)s 上 %(path)s 的密文对象（%(fault)s）已由%(where)s重写")
            % {"target": target.name, "path": row.path, "fault": row.get_fault_display(), "where": where},
            outcome=EventOutcome.SUCCESS,
            outcome_detail=_("目标回执已核对：%(size)d 字节，SHA-256 %(sha)s")
            % {"size": row.ciphertext_size, "sha": sha256},
            agents=_agents(run.actor),
            objects=[intellectual_entity_id(package.object_id), Link(TARGET_LINK, target.name)],
            date_time=now,
        )
        event_row(package, event).save()
        BackupRecord.objects.create(
            at=now,
            kind=RegisterKind.REPAIR,
            package=package,
            package_uuid=package.uuid,
            target=target,
            target_name=target.name,
            version_number=row.version_number,
            envelopes=1,
            bytes=sent,
            total_bytes=replica.bytes,
            manifest_name=row.name if row.kind == EnvelopeKind.MANIFEST else "",
            receipt_sha256=hashlib.sha256(f"{row.name} {row.ciphertext_size} {sha256}\n".encode()).hexdigest(),
            account=account_of(run.actor),
            actor_name=actor_name(run.actor),
            note=_("修复 %(path)s（%(fault)s），来源：%(source)s")
            % {"path": row.path, "fault": row.get_fault_display(), "source": source},
        )


# ---------------------------------------------------------------- this node's own files


@dataclass(frozen=True)
class _OwnDamage:
    package: PreservedPackage
    path: str  # relative to the object root
    sha256: str


def _own_damage(run: _Run) -> list[_OwnDamage]:
    """The files the local fixity audit found damaged (still listed by the package's last audit run) and those
    this run found not matching their SHA-256, with the SHA-256 they must have."""
    found: dict[tuple[int, str], _OwnDamage] = {}
    packages = PreservedPackage.objects.filter(fixity_status=FixityStatus.FAILED, last_audit_run__isnull=False)
    for package in packages:
        failures = package.audit_failures.filter(run_id=package.last_audit_run_id, kind__in=_OWN_KINDS)
        for failure in failures:
            if failure.content_path:
                found[(package.pk, failure.content_path)] = _OwnDamage(
                    package, failure.content_path, _expected_sha256(run, package, failure.content_path)
                )
    for (package_pk, path), sha256 in run.bad_own.items():
        if (package_pk, path) not in found:
            found[(package_pk, path)] = _OwnDamage(PreservedPackage.objects.get(pk=package_pk), path, sha256)
    return list(found.values())


def _expected_sha256(run: _Run, package: PreservedPackage, path: str) -> str:
    row = (
        StoredEnvelope.objects.filter(replica__package=package, path=path, kind=EnvelopeKind.CONTENT)
        .exclude(content_sha256="")
        .first()
    )
    if row is not None:
        return row.content_sha256
    try:
        return run.root.inventory(package.object_id).fixity_for(path).get("sha256") or ""
    except (ObjectNotFound, KeyError, OSError):
        return ""


def _sha256_of(backend: Any, path: str) -> str | None:
    digest = hashlib.sha256()
    try:
        with backend.open_read(path) as handle:
            while block := handle.read(1 << 20):
                digest.update(block)
    except (FileNotFoundError, OSError):
        return None
    return digest.hexdigest()


def _repair_own_files(run: _Run) -> None:
    damaged = _own_damage(run)
    run.report.checked_files += len(damaged)
    for number, item in enumerate(damaged, 1):
        package = item.package
        run.tick(f"{package.reference_code or package.uuid} {item.path}", number, len(damaged))
        try:
            object_path = run.root.object_path(package.object_id)
        except OSError as exc:
            run.report.failed.append(_own_failed(item, str(exc)))
            continue
        full = join(object_path, item.path)
        if not item.sha256:
            run.report.failed.append(_own_failed(item, _("不知道该文件应有的 SHA-256，无法核对副本")))
            continue
        if _sha256_of(run.root.backend, full) == item.sha256:
            _recheck(run, package, item.path, source="")  # already good (repaired meanwhile): check again
            continue
        reasons: list[str] = []
        sources = (
            StoredEnvelope.objects.filter(
                replica__package=package,
                content_sha256=item.sha256,
                stored_at__isnull=False,
                fault="",
                replica__target__enabled=True,
            )
            .exclude(replica__target_id__in=list(run.down))
            .select_related("replica", "replica__target", "replica__package")
            .order_by("replica__target__name")
        )
        done = False
        for row in sources:
            try:
                plain = _decrypt(run, row, _fetch(run, row))
            except (_Bad, StoreError) as exc:
                reasons.append(f"{row.replica.target.name}：{exc}")
                continue
            try:
                _put_back(run.root, object_path, item.path, plain)
            except OSError as exc:
                reasons.append(_("写回本馆存储失败：%(error)s") % {"error": exc})
                break
            finally:
                plain.unlink(missing_ok=True)
            _recheck(run, package, item.path, source=row.replica.target.name)
            _record_restore(run, package, item.path, row)
            run.report.repaired.append(
                Repaired(str(package.uuid), package.reference_code, item.path, "", row.replica.target.name, "own")
            )
            done = True
            break
        if not done:
            run.report.failed.append(
                _own_failed(item, _("没有可用的完好副本：") + "；".join(reasons or [_own_none(item)]))
            )


def _record_restore(run: _Run, package: PreservedPackage, path: str, row: StoredEnvelope) -> None:
    """The backup register's entry (kind restore) for a file put back from ``row``'s target."""
    target = row.replica.target
    version = parse_version_name(path.split("/", 1)[0]) or (row.version_number, 0)
    BackupRecord.objects.create(
        at=timezone.now(),
        kind=RegisterKind.RESTORE,
        package=package,
        package_uuid=package.uuid,
        target=target,
        target_name=target.name,
        version_number=version[0],
        envelopes=1,
        bytes=row.ciphertext_size,
        total_bytes=row.replica.bytes,
        receipt_sha256=hashlib.sha256(
            f"{row.name} {row.ciphertext_size} {row.manifest.get('sha256', '')}\n".encode()
        ).hexdigest(),
        account=account_of(run.actor),
        actor_name=actor_name(run.actor),
        note=_("本馆损坏的 %(path)s 由 %(target)s 的副本恢复") % {"path": path, "target": target.name},
    )


def _own_none(item: _OwnDamage) -> str:
    faulty = StoredEnvelope.objects.filter(replica__package=item.package, content_sha256=item.sha256).exclude(fault="")
    targets = sorted({row.replica.target.name for row in faulty.select_related("replica__target")})
    if targets:
        return _("各目标上的副本均已损坏或缺失（%(targets)s）") % {"targets": "、".join(targets)}
    return _("没有任何目标保存该文件的副本")


def _own_failed(item: _OwnDamage, reason: str) -> Unrepaired:
    return Unrepaired(str(item.package.uuid), item.package.reference_code, item.path, "", reason, "own")


def _put_back(root: StorageRoot, object_path: str, path: str, plain: Path) -> None:
    """Replace ``object_path/path`` with ``plain`` in one step: written under the staging area, fsynced, then
    renamed into place under the object's lock (a crash leaves the old file and a stray file in staging)."""
    backend = root.backend
    root.staging.ensure()
    temporary = join(STAGING, f"repair-{uuid.uuid4().hex}")
    with open(plain, "rb") as source, backend.open_write(temporary) as out:
        while block := source.read(1 << 20):
            out.write(block)
    backend.fsync(temporary)
    full = join(object_path, path)
    with root.staging.locked(object_path):
        backend.mkdir(parent(full), parents=True, exist_ok=True)
        backend.rename(temporary, full, replace=True)
        backend.fsync(parent(full))


def _recheck(run: _Run, package: PreservedPackage, path: str, *, source: str) -> None:
    """PREMIS recovery event (when something was put back) and the object's fixity checked again."""
    now = timezone.now()
    try:
        report = run.root.verify_object(package.object_id)
        failures = report.failures
    except (ObjectNotFound, KeyError, OSError):
        failures = None
    with transaction.atomic():
        if source:
            event_row(
                package,
                new_event(
                    EventType.RECOVERY,
                    detail=_("修复：本馆存储中损坏的 %(path)s 已由备份目标 %(target)s 的副本恢复")
                    % {"path": path, "target": source},
                    outcome=EventOutcome.SUCCESS,
                    outcome_detail=_("副本逐块核对、解密认证通过，明文 SHA-256 与清单一致"),
                    agents=_agents(run.actor),
                    objects=[
                        intellectual_entity_id(package.object_id),
                        Link(TARGET_LINK, source),
                        Link("content path", path),
                    ],
                    date_time=now,
                ),
            ).save()
        ok = failures is not None and not failures
        event_row(
            package,
            new_event(
                EventType.FIXITY_CHECK,
                detail=_("修复后固定性检查（SHA-512）"),
                outcome=EventOutcome.SUCCESS if ok else EventOutcome.FAIL,
                outcome_detail=""
                if ok
                else "；".join(f"{f.kind} {f.path}" for f in (failures or [])[:20]) or _("对象缺失"),
                agents=_agents(run.actor),
                objects=[intellectual_entity_id(package.object_id)],
                date_time=now,
            ),
        ).save()
        package.fixity_status = FixityStatus.OK if ok else FixityStatus.FAILED
        package.last_audit = now
        package.save(update_fields=["fixity_status", "last_audit", "updated"])
