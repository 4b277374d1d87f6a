"""Replication (复制): every preserved package goes, encrypted, to the targets the policy sends it to.

For one package at one target (``replicate_package``), every file of the package's OCFL object (read through the
storage backend, local or S3) that the target does not hold yet is encrypted by this node (crypto.envelope,
deterministic: an unchanged file is an unchanged envelope, so a new version sends only its new files) and written
as ``content/<content tag hex>``; then the version's manifest (JSON: the owner node, the object and package ids,
the version, every file of the object at that version with its path, size, SHA-256 and envelope name), itself an
envelope, as ``manifests/<content tag hex>``. Every envelope is confirmed by the target's receipt (its size and
SHA-256 against what was sent) before a StoredEnvelope row records it, one transaction each: a crash leaves rows
only for confirmed envelopes, and the next run continues (a half-written envelope is resumed from what the target
holds). The manifest's confirmation makes the version the replica's, with a PREMIS replication event on the
package and an entry in the backup register (备份登记).

"Every file of the object" is the object as it lies in the storage root: the declaration, the root inventory and
its sidecar, and each version's inventory, sidecar and content files — so the object can be put back byte for
byte from a target alone (the manifest's paths are relative to the object root).

``do_replicate`` runs the policy over every package: a target that fails with a StoreError that may pass
(``retry``: unreachable, not mounted) is reported and left for the next run, the others go on; a target that was
down catches up by itself, as the next run sends what it lacks.
"""

from __future__ import annotations

import hashlib
import io
import json
import logging
from collections import deque
from collections.abc import Callable, Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any, BinaryIO

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import F
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from dangan.core.actors import CONSOLE, SYSTEM, account_of, actor_name
from dangan.core.audit import log
from dangan.core.roles import Capability, has_capability
from dangan.preservation.actions.indexing import event_row
from dangan.preservation.models import PreservedPackage
from dangan.preservation.ocfl.inventory import (
    INVENTORY,
    OBJECT_DECLARATION,
    Inventory,
    parse_version_name,
    sidecar_name,
    sidecar_text,
)
from dangan.preservation.ocfl.root import ObjectNotFound, StorageRoot
from dangan.preservation.premis import (
    Agent,
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
from dangan.replication.choices import EnvelopeKind, ReplicaState
from dangan.replication.crypto.envelope import (
    DEFAULT_CHUNK_SIZE,
    FRAME_BYTES,
    TAG_BYTES,
    Encryption,
    EnvelopeManifest,
    Suite,
    make_header,
)
from dangan.replication.crypto.errors import ContentMismatch, ReplicationCryptoError
from dangan.replication.crypto.keys import MasterKey
from dangan.replication.models import BackupRecord, RegisterKind, Replica, StoredEnvelope, Target
from dangan.replication.node import NodeNotReady, master_key, this_node
from dangan.replication.policy import PackagePlan, Policy, is_current, replicas_by_package, shortfalls
from dangan.replication.stores.base import Receipt, StoreError, TargetStore
from dangan.replication.stores.registry import store_for

__all__ = [
    "MANIFEST_FORMAT",
    "Missing",
    "PackageResult",
    "Report",
    "check_replicate",
    "do_replicate",
    "do_start_replicate",
    "manifest_document",
    "manifest_name",
    "plan",
    "replicate_package",
]

logger = logging.getLogger(__name__)

MANIFEST_FORMAT = "dangan-replication-manifest/1"
#: The kind of Link a replication event names its target with.
TARGET_LINK = "dangan replication target"

Progress = Callable[[str, int, int], None]


# ---------------------------------------------------------------- the plan


def plan(packages: Any = None, *, target: Target | None = None) -> list[PackagePlan]:
    """For each package (all by default, oldest first), the targets the policy sends it to and what its copies
    must add up to; ``target``: only that target."""
    policy = Policy.load(target)
    if packages is None:
        packages = PreservedPackage.objects.select_related("unit").order_by("created", "id")
    return policy.plan(packages)


# ---------------------------------------------------------------- one package at one target


@dataclass
class PackageResult:
    """What ``replicate_package`` did: the version now at the target, and what this run sent."""

    package: PreservedPackage
    target: Target
    version_number: int
    envelopes_sent: int = 0
    bytes_sent: int = 0
    unchanged: bool = False  # already current: nothing read, nothing sent


@dataclass
class _File:
    """A file of the object: its path under the object root, size, SHA-256, and how to read it."""

    path: str
    size: int
    sha256: str
    open: Callable[[], BinaryIO]


class _Sealing:
    """The envelope of one file, produced as often as the store asks (``pieces(offset)``): deterministic, so a
    resumed upload gets the same bytes from ``offset`` on. The SHA-256 of the whole envelope and the owner's
    manifest are known once a pass has reached the end."""

    def __init__(self, master: MasterKey, file: _File, object_id: str, suite: Suite, chunk_size: int) -> None:
        self.file, self._master, self._object_id, self._suite, self._chunk_size = (
            file,
            master,
            object_id,
            suite,
            chunk_size,
        )
        self.header = make_header(
            master,
            object_id=object_id,
            content_sha256=bytes.fromhex(file.sha256),
            suite=suite,
            chunk_size=chunk_size,
        )
        chunks = self.header.chunk_count(file.size)
        self.size = len(self.header.to_bytes()) + chunks * (FRAME_BYTES + TAG_BYTES) + file.size
        self.manifest: EnvelopeManifest | None = None
        self.sha256 = ""
        self.offsets: list[int] = []

    def pieces(self, offset: int) -> Iterator[bytes]:
        self.offsets.append(offset)
        digest = hashlib.sha256()
        position = 0
        with self.file.open() as reader:
            encryption = Encryption(
                self._master,
                reader,
                object_id=self._object_id,
                content_sha256=bytes.fromhex(self.file.sha256),
                suite=self._suite,
                chunk_size=self._chunk_size,
            )
            for piece in encryption:
                digest.update(piece)
                end = position + len(piece)
                if end > offset:
                    yield piece if position >= offset else piece[offset - position :]
                position = end
        self.manifest = encryption.manifest
        self.sha256 = digest.hexdigest()

    def finish(self) -> None:
        """Make sure a whole pass has run (the store may have had the envelope already, or stopped early)."""
        if self.manifest is None:
            for _piece in self.pieces(self.size):
                pass


def manifest_name(content_tag: bytes) -> str:
    return f"manifests/{content_tag.hex()}"


def _content_name(content_tag: bytes) -> str:
    return f"content/{content_tag.hex()}"


def _chunk_size(target: Target) -> int:
    return int((target.options or {}).get("chunk_size") or DEFAULT_CHUNK_SIZE)


def _bytes_file(path: str, data: bytes) -> _File:
    return _File(path, len(data), hashlib.sha256(data).hexdigest(), lambda: io.BytesIO(data))


def _object_files(
    root: StorageRoot, inventory: Inventory, object_path: str, known: dict[str, StoredEnvelope]
) -> list[_File]:
    """Every file of the object at its head, versions first (so a version's inventory is the first path its
    envelope is recorded under), then the root's. Sizes and digests of files already at the target come from
    their rows; the rest from the inventory's fixity block, or by hashing (an object written without SHA-256)."""
    backend = root.backend
    algorithm = inventory.digest_algorithm
    files: list[_File] = []

    def stored(path: str) -> _File:
        full = join(object_path, path)
        row = known.get(path)
        if row is not None:
            size, sha256 = row.plaintext_size, row.content_sha256
        else:
            size = backend.stat(full).size
            sha256 = inventory.fixity_for(path).get("sha256") or ""
            if not sha256:
                digest = hashlib.sha256()
                with backend.open_read(full) as handle:
                    while block := handle.read(1 << 20):
                        digest.update(block)
                sha256 = digest.hexdigest()
        return _File(path, size, sha256, lambda: backend.open_read(full))

    content = sorted(inventory.content_digests)
    for version in inventory.version_names():
        for name in (INVENTORY, sidecar_name(algorithm)):
            path = f"{version}/{name}"
            row = known.get(path)
            if row is not None:
                files.append(stored(path))
            else:  # small, and read once here so its digest and its bytes are the same view
                files.append(_bytes_file(path, backend.read_bytes(join(object_path, path))))
        files.extend(stored(path) for path in content if path.startswith(f"{version}/"))
    files.append(_bytes_file(OBJECT_DECLARATION, backend.read_bytes(join(object_path, OBJECT_DECLARATION))))
    raw = inventory.to_bytes()
    files.append(_bytes_file(INVENTORY, raw))
    files.append(_bytes_file(sidecar_name(algorithm), sidecar_text(raw, algorithm).encode()))
    return files


def _agents(actor: Any) -> list[Agent]:
    agents = [software_agent()]
    if actor is not SYSTEM:
        agents.append(person_agent(actor_name(actor), actor.get_full_name()))
    return agents


class _Sender:
    """Sends envelopes of one package to one target, each confirmed and recorded as it arrives."""

    def __init__(self, replica: Replica, store: TargetStore, master: MasterKey) -> None:
        self.replica = replica
        self.store = store
        self.master = master
        self.suite = Suite.parse(replica.target.cipher)
        self.chunk_size = _chunk_size(replica.target)
        self.object_id = str(replica.package.uuid)
        self.receipts: list[Receipt] = []
        self.sent = 0
        self.sent_bytes = 0
        self._pool: ThreadPoolExecutor | None = None

    def sealing(self, file: _File) -> _Sealing:
        return _Sealing(self.master, file, self.object_id, self.suite, self.chunk_size)

    def send(self, sealing: _Sealing, name: str, kind: str, path: str, version: int) -> StoredEnvelope:
        return self.record(self.transfer(sealing, name), sealing, name, kind, path, version)

    def transfer(self, sealing: _Sealing, name: str) -> Future[Receipt]:
        """Start sending one envelope; its receipt (or what failed) comes with the future. Only the store is
        touched here (no rows): several may be on their way at once (``parallel_puts``)."""

        language = translation.get_language()

        def put() -> Receipt:
            with translation.override(language):  # the caller's language for the messages, in any thread
                receipt = self.store.put(name, sealing.size, sealing.pieces)
                sealing.finish()
                return receipt

        if self._pool is None:
            done: Future[Receipt] = Future()
            try:
                done.set_result(put())
            except Exception as exc:  # given out by record(), as from a thread
                done.set_exception(exc)
            return done
        return self._pool.submit(put)

    def record(
        self, sending: Future[Receipt], sealing: _Sealing, name: str, kind: str, path: str, version: int
    ) -> StoredEnvelope:
        """The envelope's receipt checked against what was sent, then its row: in the order the files come."""
        try:
            receipt = sending.result()
        except ContentMismatch:
            # This node's own file is not what its inventory says (its fixity audit will name it): what reached
            # the target is not the envelope of that content, so it must not stay there under that name.
            self._discard(name)
            raise StoreError(
                _("本馆存储中的文件 %(path)s 与其摘要不符，未复制（请运行固定性检查）") % {"path": path}
            ) from None
        if receipt.size != sealing.size or receipt.sha256 != sealing.sha256:
            self._discard(name)
            raise StoreError(
                _("备份目标 %(target)s 的回执与发出的内容不符：%(name)s（%(got)s，应为 %(want)s）")
                % {
                    "target": self.replica.target.name,
                    "name": name,
                    "got": f"{receipt.size} {receipt.sha256[:16]}",
                    "want": f"{sealing.size} {sealing.sha256[:16]}",
                },
                retry=True,
            )
        assert sealing.manifest is not None
        manifest = sealing.manifest
        with transaction.atomic():
            row, _created = StoredEnvelope.objects.update_or_create(
                replica=self.replica,
                name=name,
                defaults={
                    "kind": kind,
                    "path": path,
                    "version_number": version,
                    "content_sha256": sealing.file.sha256,
                    "plaintext_size": sealing.file.size,
                    "ciphertext_size": manifest.ciphertext_size,
                    "chunks": len(manifest.chunk_digests),
                    "manifest": {**manifest.to_dict(), "sha256": sealing.sha256},
                    "stored_at": timezone.now(),
                },
            )
            Replica.objects.filter(pk=self.replica.pk).update(
                bytes=F("bytes") + manifest.ciphertext_size, chunks=F("chunks") + len(manifest.chunk_digests)
            )
        self.receipts.append(receipt)
        if sealing.offsets and sealing.offsets[0] < sealing.size:
            self.sent += 1
            self.sent_bytes += sealing.size - sealing.offsets[0]
        return row

    @contextmanager
    def parallel(self) -> Iterator[None]:
        """Within: ``transfer`` runs up to the store's ``parallel_puts`` envelopes at once, in threads. On the way
        out every transfer started has ended (those not started yet are cancelled)."""
        workers = int(getattr(self.store, "parallel_puts", 1) or 1)
        if workers <= 1:
            yield
            return
        self._pool = ThreadPoolExecutor(workers, thread_name_prefix="dangan-replicate")
        try:
            yield
        finally:
            pool, self._pool = self._pool, None
            pool.shutdown(wait=True, cancel_futures=True)

    def _discard(self, name: str) -> None:
        try:
            self.store.delete(name)
        except StoreError:
            logger.warning("could not remove %s from %s", name, self.store.describe())


def replicate_package(
    package: PreservedPackage,
    target: Target,
    *,
    actor: Any = CONSOLE,
    store: TargetStore | None = None,
    master: MasterKey | None = None,
    root: StorageRoot | None = None,
) -> PackageResult:
    """Bring ``package``'s copy at ``target`` up to the object's head version (see the module's docstring).
    Idempotent (a current copy is left alone, nothing read) and resumable. Raises StoreError when the target
    fails or refuses, ObjectNotFound when the package's object is not in the storage root."""
    store = store if store is not None else store_for(target)
    master = master if master is not None else master_key()
    replica, _created = Replica.objects.select_related("package", "target").get_or_create(
        package=package, target=target
    )
    replica.package, replica.target = package, target
    head = parse_version_name(package.head_version or "")
    if replica.state == ReplicaState.CURRENT and head and replica.version_number >= head[0]:
        return PackageResult(package, target, replica.version_number, unchanged=True)

    root = root if root is not None else storage_root()
    inventory = root.inventory(package.object_id)  # one read: every file below comes from this view
    version = parse_version_name(inventory.head)
    assert version is not None
    number = version[0]
    object_path = root.object_path(package.object_id)
    rows = {row.name: row for row in replica.envelopes.filter(stored_at__isnull=False)}
    by_path = {row.path: row for row in rows.values() if row.kind == EnvelopeKind.CONTENT}
    sender = _Sender(replica, store, master)
    listed: list[dict[str, Any]] = []
    try:
        with sender.parallel():
            # Several envelopes may be on their way at once (a store that takes them: a partner node); their
            # receipts are checked and their rows written here, one transaction each, in the order of the files.
            # ``window`` bounds how many are sealed ahead of the oldest one not yet recorded.
            window = 2 * int(getattr(store, "parallel_puts", 1) or 1)
            sending: deque[tuple[Future[Receipt], _Sealing, str, str]] = deque()
            for file in _object_files(root, inventory, object_path, by_path):
                sealing = sender.sealing(file)
                name = _content_name(sealing.header.content_tag)
                listed.append({"path": file.path, "size": file.size, "sha256": file.sha256, "envelope": name})
                if name in rows or any(name == queued for _f, _s, queued, _p in sending):
                    continue  # the same content twice in the object: one envelope
                sending.append((sender.transfer(sealing, name), sealing, name, file.path))
                while len(sending) >= window or (sending and sending[0][0].done()):
                    future, done, done_name, done_path = sending.popleft()
                    rows[done_name] = sender.record(future, done, done_name, EnvelopeKind.CONTENT, done_path, number)
            while sending:
                future, done, done_name, done_path = sending.popleft()
                rows[done_name] = sender.record(future, done, done_name, EnvelopeKind.CONTENT, done_path, number)
        data = manifest_document(package, inventory, listed)
        sealing = sender.sealing(_bytes_file(inventory.head, data))
        name = manifest_name(sealing.header.content_tag)
        if name not in rows:
            rows[name] = sender.send(sealing, name, EnvelopeKind.MANIFEST, inventory.head, number)
    except StoreError as exc:
        Replica.objects.filter(pk=replica.pk).update(problem=str(exc))
        raise
    _record(replica, package, target, inventory.head, number, name, sender, actor, head)
    return PackageResult(package, target, number, sender.sent, sender.sent_bytes)


def manifest_document(package: PreservedPackage, inventory: Inventory, listed: list[dict[str, Any]]) -> bytes:
    """The bytes of a version's manifest (``inventory`` is the object's inventory at that version, ``listed`` every
    file of the object then: path, size, sha256, envelope); deterministic, so part repair can rebuild it."""
    version = parse_version_name(inventory.head)
    assert version is not None
    document = {
        "format": MANIFEST_FORMAT,
        "owner": str(this_node().node_id),
        "object_id": inventory.id,
        "package": str(package.uuid),
        "version": version[0],
        "version_name": inventory.head,
        "files": sorted(listed, key=lambda item: item["path"]),
    }
    return json.dumps(document, ensure_ascii=False, sort_keys=True, separators=(",", ":")).encode()


def _record(
    replica: Replica,
    package: PreservedPackage,
    target: Target,
    version_name: str,
    number: int,
    manifest: str,
    sender: _Sender,
    actor: Any,
    head: tuple[int, int] | None,
) -> None:
    """The version is at the target: the replica says so, with a PREMIS event and a register entry."""
    now = timezone.now()
    receipts = "".join(f"{r.name} {r.size} {r.sha256}\n" for r in sorted(sender.receipts, key=lambda r: r.name))
    with transaction.atomic():
        replica.refresh_from_db()
        replica.version_number = max(replica.version_number, number)
        replica.state = ReplicaState.CURRENT if not head or number >= head[0] else ReplicaState.BEHIND
        replica.replicated_at = now
        replica.problem = ""
        replica.save(update_fields=["version_number", "state", "replicated_at", "problem"])
        where = " · ".join(x for x in (target.get_kind_display(), target.get_medium_display(), target.site) if x)
        event = new_event(
            EventType.REPLICATION,
            detail=_("加密复制到备份目标 %(target)s（%(where)s）：版本 %(version)s，本次发送 %(count)d 个密文对象")
            % {"target": target.name, "where": where, "version": version_name, "count": sender.sent},
            outcome=EventOutcome.SUCCESS,
            outcome_detail=_("目标回执已核对：%(count)d 个密文对象，共 %(bytes)d 字节")
            % {"count": replica.envelopes.count(), "bytes": replica.bytes},
            agents=_agents(actor),
            objects=[intellectual_entity_id(package.object_id), Link(TARGET_LINK, target.name)],
            date_time=now,
        )
        event_row(package, event).save()
        BackupRecord.objects.create(
            at=now,
            kind=RegisterKind.REPLICATION,
            package=package,
            package_uuid=package.uuid,
            target=target,
            target_name=target.name,
            version_number=number,
            envelopes=sender.sent,
            bytes=sender.sent_bytes,
            total_bytes=replica.bytes,
            manifest_name=manifest,
            receipt_sha256=hashlib.sha256(receipts.encode()).hexdigest(),
            account=account_of(actor),
            actor_name=actor_name(actor),
        )


# ---------------------------------------------------------------- the whole policy


@dataclass(frozen=True)
class Missing:
    """A copy the policy asks for that is not current: the package, the target (empty for a shortfall of the
    package's copies as a whole: copies, media kinds, sites) and why, in words."""

    package: str
    reference_code: str
    target: str
    why: str

    def as_dict(self) -> dict[str, str]:
        return {"package": self.package, "reference_code": self.reference_code, "target": self.target, "why": self.why}


@dataclass
class Report:
    """What ``do_replicate`` did and what is still missing."""

    packages: int = 0
    copies_required: int = 0
    copies_current: int = 0
    replicated: list[PackageResult] = field(default_factory=list)
    missing: list[Missing] = field(default_factory=list)
    targets_down: dict[str, str] = field(default_factory=dict)

    @property
    def ok(self) -> bool:
        return not self.missing

    def as_dict(self) -> dict[str, Any]:
        return {
            "ok": self.ok,
            "packages": self.packages,
            "copies_required": self.copies_required,
            "copies_current": self.copies_current,
            "sent_envelopes": sum(r.envelopes_sent for r in self.replicated),
            "sent_bytes": sum(r.bytes_sent for r in self.replicated),
            "replicated": [
                {
                    "package": str(r.package.uuid),
                    "target": r.target.name,
                    "version": r.version_number,
                    "envelopes": r.envelopes_sent,
                    "bytes": r.bytes_sent,
                }
                for r in self.replicated
            ],
            "missing": [m.as_dict() for m in self.missing],
            "targets_down": dict(self.targets_down),
        }


def check_replicate(actor: Any) -> None:
    """PermissionDenied unless ``actor`` manages replication; ValidationError when this node has no keys yet."""
    if not has_capability(actor, Capability.REPLICATION_MANAGE):
        raise PermissionDenied(_("只有备份管理员可以执行复制。"))
    try:
        master_key()
        this_node()
    except NodeNotReady as exc:
        raise ValidationError(str(exc), code="node_not_ready") from None


def _why(replica: Replica | None, head: int) -> str:
    if replica is None:
        return _("尚未复制")
    if replica.problem:
        return replica.problem
    if replica.state == ReplicaState.CURRENT:
        return _("尚未复制到版本 v%(head)d") % {"head": head}
    return _("%(state)s（目标上为 v%(have)d，应为 v%(head)d）") % {
        "state": replica.get_state_display(),
        "have": replica.version_number,
        "head": head,
    }


def do_replicate(actor: Any, target: Target | None = None, *, progress: Progress | None = None) -> Report:
    """Run the policy over every package (``target``: only that target): send what each target lacks, then
    report what the policy asks for that is still not there. A target failing with a StoreError that may pass is
    reported and skipped for the rest of the run; any other refusal is that one copy's problem."""
    check_replicate(actor)
    master = master_key()
    plans = plan(target=target)
    report = Report(packages=len(plans))
    total = sum(len(p.targets) for p in plans)
    stores: dict[int, TargetStore] = {}
    done = 0
    root: StorageRoot | None = None
    for package_plan in plans:
        package = package_plan.package
        for chosen in package_plan.targets:
            done += 1
            if progress is not None:
                progress(str(package.reference_code or package.uuid), done, total)
            if chosen.name in report.targets_down:
                continue
            replica = Replica.objects.filter(package=package, target=chosen).first()
            if replica is not None and replica.state in (ReplicaState.DAMAGED, ReplicaState.MISSING):
                continue  # for the repair, not for a transfer: reported below
            try:
                store = stores.get(chosen.pk) or stores.setdefault(chosen.pk, store_for(chosen))
                if root is None:
                    root = storage_root()
                result = replicate_package(package, chosen, actor=actor, store=store, master=master, root=root)
            except StoreError as exc:
                if exc.retry:
                    report.targets_down[chosen.name] = str(exc)
                Replica.objects.filter(package=package, target=chosen).update(problem=str(exc))
                continue
            except (ObjectNotFound, ReplicationCryptoError, OSError) as exc:
                message = (
                    _("本馆存储库中找不到该保存包")
                    if isinstance(exc, ObjectNotFound)
                    else str(exc) or type(exc).__name__
                )
                Replica.objects.filter(package=package, target=chosen).update(problem=message)
                continue
            if not result.unchanged:
                report.replicated.append(result)
    _missing(report, plans)
    with transaction.atomic():
        log(
            None,
            "replication.replicate",
            actor,
            {
                "target": target.name if target else None,
                "packages": report.packages,
                "replicated": len(report.replicated),
                "sent_envelopes": sum(r.envelopes_sent for r in report.replicated),
                "sent_bytes": sum(r.bytes_sent for r in report.replicated),
                "missing": len(report.missing),
                "targets_down": sorted(report.targets_down),
            },
        )
    return report


def _missing(report: Report, plans: list[PackagePlan]) -> None:
    """Fill ``report.missing``: each planned copy not current, then each package's shortfall of the policy."""
    enabled = {t.pk: t for t in Target.objects.filter(enabled=True)}
    by_package = replicas_by_package([p.package for p in plans])
    for package_plan in plans:
        package = package_plan.package
        if not package_plan.targets and not package_plan.requirement.rules:
            continue
        head = (parse_version_name(package.head_version or "") or (0, 0))[0]
        replicas = by_package.get(package.pk, [])
        at = {r.target_id: r for r in replicas}
        before = len(report.missing)
        for chosen in package_plan.targets:
            report.copies_required += 1
            replica = at.get(chosen.pk)
            if replica is not None and is_current(replica, head):
                report.copies_current += 1
                continue
            why = _why(replica, head)
            if chosen.name in report.targets_down and (replica is None or not replica.problem):
                why = report.targets_down[chosen.name]
            report.missing.append(Missing(str(package.uuid), package.reference_code, chosen.name, why))
        listed = len(report.missing) - before
        for shortfall in shortfalls(package_plan.requirement, replicas, enabled, head):
            if shortfall.what == "copies" and listed and shortfall.required <= len(package_plan.targets):
                continue  # the copies missing at its targets, listed above, say it already
            report.missing.append(Missing(str(package.uuid), package.reference_code, "", shortfall.message))


def do_start_replicate(actor: Any, target: Target | None = None) -> None:
    """Queue ``do_replicate`` as a background task (the workspace's "replicate now"); ValidationError when one is
    queued or running already (whoever started it, for whichever target: two runs would send the same envelopes)."""
    from dangan.core.actors import actor_id
    from dangan.core.jobs import hold_start_lock, task_path
    from dangan.replication.tasks.transfers import replicate_task

    check_replicate(actor)
    from django_tasks_db.models import DBTaskResult

    with transaction.atomic():
        hold_start_lock("replication.replicate")
        if DBTaskResult.objects.filter(task_path=task_path(replicate_task), status__in=("READY", "RUNNING")).exists():
            raise ValidationError(_("复制任务已在排队或进行中。"), code="already_running")
        user_id, target_id = actor_id(actor), target.pk if target else None
        transaction.on_commit(lambda: replicate_task.enqueue(user_id, target_id))
