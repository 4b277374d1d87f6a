"""Preserving a unit's files: every change is a new version of the unit's OCFL object, whose METS document (the DA/T
46 description, PREMIS objects, events and agents) is built from the digests the writer computes while it copies,
so the content is read once.

The order of ``do_preserve``: identify the formats (in process) → write the version through the storage root
(staging, then one atomic swap; the METS is made by the ``describe`` callback once the digests are known) → THEN, in
one transaction, the database rows (``index_object``) and the audit entry. A kill at any moment leaves the old
object or the new one, and no row names a version that is not in storage. A rerun finds the head already holding
the new content, writes nothing, and only finishes the database: never a second version.

``do_preserve_many`` does the same for many packages at once: every object staged (under its lock), ONE sync of the
storage for all, every object swapped in, one sync, THEN one transaction for all their rows (see ocfl/batch.py) —
the per-package fixed cost of a durable write and of a transaction is paid once per batch. Its crash safety is
do_preserve's, object by object, and a rerun of the same batch finishes it exactly once.
"""

from __future__ import annotations

import functools
import io
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from dangan.catalog.models import ArchivalUnit
from dangan.catalog.policy import can_view_unit
from dangan.core.actors import SYSTEM, actor_name
from dangan.core.audit import log
from dangan.preservation.description import changed_fields, description_for
from dangan.preservation.formats import FormatIdentification, FormatIdentifier, FormatPolicy, display_name
from dangan.preservation.iiif import request_derivatives
from dangan.preservation.iiif.identity import IMAGE_MIME_TYPES
from dangan.preservation.mets import Description, PackageRecord, build_mets
from dangan.preservation.models import PackageEvent, PackageFile, PackageVersion, PreservedPackage
from dangan.preservation.ocfl.batch import BatchWrite
from dangan.preservation.ocfl.crash import crash_point
from dangan.preservation.ocfl.digests import FileDigests
from dangan.preservation.ocfl.inventory import Inventory, conflicting_paths, path_problem
from dangan.preservation.ocfl.root import StorageRoot, VersionResult
from dangan.preservation.permissions import PRESERVE, require_actor_any
from dangan.preservation.premis import (
    PERSON_ID_TYPE,
    SOFTWARE_ID_TYPE,
    Agent,
    AgentType,
    Event,
    EventOutcome,
    EventType,
    FileRecord,
    Link,
    intellectual_entity_id,
    new_event,
    person_agent,
    software_agent,
)
from dangan.preservation.storage.backend import LockBusy
from dangan.preservation.store import (
    CONTENT_PREFIX,
    METADATA_PREFIX,
    METS_PATH,
    object_id_for,
    package_uuid_for_unit,
    storage_root,
)

from .indexing import index_object, read_mets

__all__ = [
    "PreserveItem",
    "PreserveResult",
    "check_preserve",
    "collect_files",
    "do_preserve",
    "do_preserve_many",
    "do_refresh_description",
]

Progress = Callable[[int, int], None]
# The METS fileGrp USE of files preserved under metadata/ beside the METS document (OCR text, for one).
METADATA_USE = "metadata"
# One package of do_preserve_many: the unit, its files (as do_preserve takes them), the version message ("" for the
# default).
PreserveItem = tuple[ArchivalUnit, Iterable[Path | str] | Mapping[str, Path], str]

_identifier = FormatIdentifier()
_policy = FormatPolicy.default()

# Crash points of this module (DANGAN_OCFL_CRASH_AT, see ocfl.crash): after the formats are identified, after the
# version is in storage and before the database knows it, after the database commit.
CRASH_STEPS = ("preservation.identified", "preservation.stored", "preservation.indexed")


@dataclass
class PreserveResult:
    package: PreservedPackage
    version: str
    created: bool  # a new version was written
    files_added: int = 0  # content files new or changed in it
    bytes_written: int = 0
    indexed: bool = False  # the database rows changed (a new version, or catching up after a crash)
    changed_paths: list[str] = field(default_factory=list)


# ---------------------------------------------------------------- input


def collect_files(paths: Iterable[Path | str]) -> dict[str, Path]:
    """Logical paths for the files to preserve: a file becomes ``content/<name>``, a directory
    ``content/<directory name>/<path inside it>`` for every file below it (as ``cp -r`` would copy it)."""
    files: dict[str, Path] = {}

    def add(logical: str, source: Path) -> None:
        if logical in files:
            raise ValidationError(_("文件路径重复：%(path)s") % {"path": logical})
        files[logical] = source

    for given in paths:
        path = Path(given)
        if path.is_dir():
            found = sorted(p for p in path.rglob("*") if p.is_file())
            if not found:
                raise ValidationError(_("目录中没有文件：%(path)s") % {"path": path})
            for source in found:
                add(CONTENT_PREFIX + path.resolve().name + "/" + source.relative_to(path).as_posix(), source)
        elif path.is_file():
            add(CONTENT_PREFIX + path.name, path)
        else:
            raise ValidationError(_("文件不存在：%(path)s") % {"path": path})
    return files


def check_preserve(
    actor: Any, unit: ArchivalUnit, files: Mapping[str, Path], metadata: Mapping[str, bytes] | None = None
) -> None:
    require_actor_any(actor, PRESERVE)
    if not can_view_unit(actor, unit):
        raise PermissionDenied(_("您无权查看该档案。"))
    if not files and not metadata:
        raise ValidationError(_("请至少指定一个文件。"))
    for logical, data in (metadata or {}).items():
        if not logical.startswith(METADATA_PREFIX) or logical == METS_PATH or path_problem(logical):
            raise ValidationError(_("元数据文件路径不合规：%(path)s") % {"path": logical})
        if not isinstance(data, bytes):
            raise ValidationError(_("元数据文件内容应为字节：%(path)s") % {"path": logical})
    for logical, source in files.items():
        if not logical.startswith(CONTENT_PREFIX) or path_problem(logical):
            raise ValidationError(_("文件路径不合规：%(path)s") % {"path": logical})
        if not Path(source).is_file():
            raise ValidationError(_("文件不存在：%(path)s") % {"path": source})
    given = [*files, *(metadata or {})]
    clash = conflicting_paths(given)
    if clash:
        raise ValidationError(_("“%(file)s”既是文件又是“%(other)s”的目录") % {"file": clash[0], "other": clash[1]})
    # The new files join those the package holds already: none may be a file where the other has a directory.
    head = PackageVersion.objects.filter(package__unit=unit).order_by("-number").first()
    if head is not None:
        stored = set(PackageFile.objects.filter(version=head).values_list("logical_path", flat=True)) - set(given)
        clash = conflicting_paths([*given, *sorted(stored)])
        if clash:
            raise ValidationError(
                _("“%(file)s”与保存包中的“%(other)s”冲突：同一路径不能既是文件又是目录，请改名后再保存。")
                % {"file": clash[0].removeprefix(CONTENT_PREFIX), "other": clash[1].removeprefix(CONTENT_PREFIX)}
            )


# ---------------------------------------------------------------- agents and events


def _agents(actor: Any) -> list[Agent]:
    """The software, and the person who acted: an account, or the console operator (the system is the software)."""
    agents = [software_agent()]
    if actor is not SYSTEM:
        agents.append(person_agent(actor_name(actor), actor.get_full_name()))
    return agents


def _agent_from_link(link: Link) -> Agent:
    if link.type == SOFTWARE_ID_TYPE:
        version = link.value.removeprefix("dangan-")
        return Agent(link.value, f"dangan {version}", AgentType.SOFTWARE, SOFTWARE_ID_TYPE, version=version)
    if link.type == PERSON_ID_TYPE:
        return person_agent(link.value)
    return Agent(link.value, link.value, AgentType.ORGANIZATION, link.type)


def pending_events(package_uuid: Any) -> list[Event]:
    """Events of the package so far only in the database (fixity checks), to be written into its next METS."""
    return pending_events_many([package_uuid]).get(str(package_uuid), [])


def pending_events_many(package_uuids: Iterable[Any]) -> dict[str, list[Event]]:
    """pending_events of many packages in one query: package uuid (str) → its events (packages without any left out)."""
    rows = (
        PackageEvent.objects.filter(package__uuid__in=list(package_uuids), version__isnull=True)
        .select_related("package")
        .order_by("date_time", "id")
    )
    found: dict[str, list[Event]] = {}
    for row in rows:
        found.setdefault(str(row.package.uuid), []).append(
            Event(
                identifier=row.identifier,
                type=row.event_type,
                date_time=row.date_time,
                detail=row.detail,
                outcome=row.outcome,
                outcome_detail=row.outcome_detail,
                agents=[Link(a["type"], a["value"], a.get("role", "")) for a in row.agents],
                objects=[Link(o["type"], o["value"], o.get("role", "")) for o in row.linked_objects],
            )
        )
    return found


def _identification_event(record: FileRecord, found: FormatIdentification, agent: Agent, now: datetime) -> Event:
    parts = [found.puid or _("未识别"), display_name(found.puid, found.format_name, found.format_version)]
    parts.append(found.mime_type)
    notes = [found.warning] if found.warning else []
    if found.puid and not (decision := _policy.check(found.puid)).accepted:
        notes.append(decision.message)
    return new_event(
        EventType.FORMAT_IDENTIFICATION,
        detail=_("按内容识别格式（dangan 内置识别器，PRONOM 标识）"),
        outcome=EventOutcome.WARNING if notes or not found.puid else EventOutcome.SUCCESS,
        outcome_detail=" · ".join(p for p in parts if p) + ("；" + "；".join(notes) if notes else ""),
        agents=[agent],
        objects=[record.link()],
        date_time=now,
    )


class _Describer:
    """The ``describe`` callback of write_version: the new METS document from the head's and the staged digests.

    When nothing changed — same content, same description, no event waiting to be written — it returns the head's
    own METS bytes, so the writer adds no version (how a rerun after a crash finishes without a duplicate)."""

    def __init__(
        self,
        root: StorageRoot,
        object_id: str,
        description: Description,
        sources: Mapping[str, Path],
        identified: Mapping[str, FormatIdentification],
        agents: list[Agent],
        now: datetime,
        pending: list[Event] | None = None,
    ) -> None:
        """``pending``: the package's pending_events when the caller fetched them for many packages at once."""
        self.root = root
        self.pending = pending
        self.object_id = object_id
        self.description = description
        self.sources = sources
        self.identified = identified
        self.agents = agents
        self.now = now
        self.changed: list[str] = []
        self.digests: Mapping[str, FileDigests] = {}

    def __call__(self, digests: Mapping[str, FileDigests], current: Inventory | None, version: str) -> dict[str, bytes]:
        self.digests = digests
        previous = current.state() if current is not None else {}
        self.changed = sorted(p for p, d in digests.items() if (previous.get(p) or "").lower() != d.sha512)
        head = read_mets(self.root, self.object_id) if current is not None else None
        waiting = self.pending if self.pending is not None else pending_events(self.object_id[len("urn:uuid:") :])
        if head is not None:
            data, record = head
            modified = changed_fields(record.description, self.description)
            known = {e.identifier for e in record.events}
            waiting = [e for e in waiting if e.identifier not in known]
            if not self.changed and not modified and not waiting:
                return {METS_PATH: data}
        else:
            record = PackageRecord(package_id=self.object_id, description=self.description, created=self.now)
            modified = []
        record.description = self.description
        if waiting:
            links = {(link.type, link.value): link for e in waiting for link in e.agents}
            record.add_events(waiting, agents=[_agent_from_link(link) for link in links.values()])
        record.add_events(self._events(record, version, head is None, modified), agents=self.agents)
        return {METS_PATH: build_mets(record)}

    def _events(self, record: PackageRecord, version: str, first: bool, modified: list[str]) -> list[Event]:
        software = self.agents[0]
        package = intellectual_entity_id(self.object_id)
        files = {f.path: f for f in record.files}
        events: list[Event] = []
        if self.changed:
            for path in self.changed:
                found = self.identified[path]
                digests = self.digests[path]
                files[path] = FileRecord(
                    path=path,
                    size=digests.size,
                    sha512=digests.sha512,
                    sha256=digests.sha256 or "",
                    sm3=digests.sm3 or "",
                    mime_type=found.mime_type,
                    puid=found.puid,
                    format_name=found.format_name,
                    format_version=found.format_version,
                    format_note=found.warning,
                    original_name=Path(self.sources[path]).name if path in self.sources else path.rsplit("/", 1)[-1],
                    use="original" if path.startswith(CONTENT_PREFIX) else METADATA_USE,
                )
            record.files = [files[p] for p in sorted(files)]
            changed_links = [files[p].link() for p in self.changed]
            if first:
                events.append(
                    new_event(
                        EventType.INFORMATION_PACKAGE_CREATION,
                        detail=_("生成保存包（OCFL 1.1 对象，METS 1.12.1 + PREMIS 3 元数据）"),
                        agents=self.agents,
                        objects=[package],
                        date_time=self.now,
                    )
                )
            events.append(
                new_event(
                    EventType.MESSAGE_DIGEST_CALCULATION,
                    detail=_("SHA-512、SHA-256、SM3，复制时一次读取计算"),
                    agents=[software],
                    objects=changed_links,
                    date_time=self.now,
                )
            )
            events += [_identification_event(files[p], self.identified[p], software, self.now) for p in self.changed]
            events.append(
                new_event(
                    EventType.INGESTION,
                    detail=_("入库：第 %(version)s 版，新增或更新 %(count)d 个文件")
                    % {"version": version, "count": len(self.changed)},
                    agents=self.agents,
                    objects=[package, *changed_links],
                    date_time=self.now,
                )
            )
        if modified:
            events.append(
                new_event(
                    EventType.METADATA_MODIFICATION,
                    detail=_("著录项变更：%(fields)s") % {"fields": "、".join(modified)},
                    agents=self.agents,
                    objects=[package],
                    date_time=self.now,
                )
            )
        return events


# ---------------------------------------------------------------- the actions


def do_preserve(
    actor: Any,
    unit: ArchivalUnit,
    paths: Iterable[Path | str] | Mapping[str, Path],
    *,
    message: str = "",
    progress: Progress | None = None,
    metadata: Mapping[str, bytes] | None = None,
) -> PreserveResult:
    """Preserve files for ``unit``: a new version of its package holding them (beside the files it already had; a
    file of the same name is replaced). ``paths`` are files and directories (see collect_files) or a ready mapping
    of logical path → source. ``actor`` is a user, or CONSOLE for ``dangan preserve``.

    ``metadata``: more files that describe the content rather than being it (logical path under ``metadata/``, never
    the METS document itself → bytes), e.g. the OCR text of the pages as ``metadata/ocr/0001.alto.xml``. They are
    listed in the METS (fileGrp USE="metadata", with their digests, format and events) like content files.

    Nothing new (same files, same description) writes no version. Call it outside a transaction: storage is written
    first, the database after (inside one, a rollback would leave storage ahead of the database until the next
    preserve, audit or rebuild catches up)."""
    files = dict(paths) if isinstance(paths, Mapping) else collect_files(paths)
    extra = dict(metadata or {})
    check_preserve(actor, unit, files, extra)
    identified = {logical: _identifier.identify(source) for logical, source in files.items()}
    for logical, data in extra.items():
        identified[logical] = _identifier.identify_file(io.BytesIO(data), len(data), logical.rsplit("/", 1)[-1])
    crash_point("preservation.identified")
    default = _("保存 %(count)d 个文件") % {"count": len(files) + len(extra)}
    return _write(actor, unit, files, identified, message or default, progress, extra)


def do_preserve_many(
    actor: Any,
    items: Sequence[PreserveItem],
    *,
    events: Mapping[int, Sequence[Event]] | None = None,
) -> list[PreserveResult]:
    """Preserve the files of many units (``items``: (unit, paths, message), each as do_preserve takes them) with one
    sync of the storage and one database transaction for all; the results in the order of ``items``. Each unit at
    most once. All the checks come first: a bad item writes nothing. Call it outside a transaction, as do_preserve.

    ``events``: unit pk → PREMIS events that happened to the unit's content before it came here (accession's
    four-property and virus checks), written into the new version's METS. Give them stable identifiers: an event
    the package already holds is not written again."""
    prepared = []
    seen: set[Any] = set()
    for unit, paths, message in items:
        if unit.pk in seen:
            raise ValidationError(_("同一档案在一批中出现两次：%(unit)s") % {"unit": unit})
        seen.add(unit.pk)
        files = dict(paths) if isinstance(paths, Mapping) else collect_files(paths)
        check_preserve(actor, unit, files)
        prepared.append((unit, files, message or _("保存 %(count)d 个文件") % {"count": len(files)}))
    identified = [
        {logical: _identifier.identify(source) for logical, source in files.items()} for _u, files, _m in prepared
    ]
    crash_point("preservation.identified")
    if not prepared:
        return []
    root = storage_root()
    now = timezone.now()
    agents = _agents(actor)
    package_uuids = [package_uuid_for_unit(unit.uuid) for unit, _f, _m in prepared]
    object_ids = [object_id_for(u) for u in package_uuids]
    pending = pending_events_many(package_uuids)
    given = events or {}
    describers = [
        _Describer(
            root,
            object_id,
            description_for(unit),
            files,
            found,
            agents,
            now,
            [*pending.get(str(package), []), *given.get(unit.pk, ())],
        )
        for (unit, files, _m), object_id, package, found in zip(
            prepared, object_ids, package_uuids, identified, strict=True
        )
    ]
    written: dict[int, VersionResult] = {}
    remaining = sorted(range(len(prepared)), key=lambda i: (root.object_path(object_ids[i]), object_ids[i]))
    while remaining:
        # An object another writer holds is left for the next round (which waits for its first lock only while
        # holding none): two batches never wait on each other.
        deferred = []
        with BatchWrite(root) as batch:
            added: list[int] = []
            for i in remaining:
                _unit, files, message = prepared[i]
                try:
                    batch.add(
                        object_ids[i],
                        dict(files),
                        {},
                        message=message,
                        user_name=actor_name(actor),
                        user_address=getattr(actor, "email", "") or None,
                        created=now,
                        keep_previous=True,
                        describe=describers[i],
                        blocking=not added,
                    )
                except LockBusy:
                    deferred.append(i)
                    continue
                added.append(i)
            written.update(zip(added, batch.commit(), strict=True))
        remaining = deferred
    crash_point("preservation.stored")
    with transaction.atomic():
        results = [
            _index(actor, unit, root, object_ids[i], written[i], describers[i], message)
            for i, (unit, _f, message) in enumerate(prepared)
        ]
    crash_point("preservation.indexed")
    return results


def do_refresh_description(actor: Any, package: PreservedPackage) -> PreserveResult | None:
    """Write the unit's current description into its package (a new version with a metadata modification event) if
    it differs from the head's; None when the package's unit is no longer in the catalog."""
    require_actor_any(actor, PRESERVE)
    if package.unit_id is None:
        return None
    unit = ArchivalUnit.objects.select_related("fonds", "category", "parent").filter(pk=package.unit_id).first()
    if unit is None:
        return None
    return _write(actor, unit, {}, {}, _("更新著录信息"), None)


def _write(
    actor: Any,
    unit: ArchivalUnit,
    files: Mapping[str, Path],
    identified: Mapping[str, FormatIdentification],
    message: str,
    progress: Progress | None,
    metadata: Mapping[str, bytes] | None = None,
) -> PreserveResult:
    root = storage_root()
    object_id = object_id_for(package_uuid_for_unit(unit.uuid))
    now = timezone.now()
    describer = _Describer(root, object_id, description_for(unit), files, identified, _agents(actor), now)
    result = root.write_version(
        object_id,
        dict(files),
        dict(metadata or {}),
        message=message,
        user_name=actor_name(actor),
        user_address=getattr(actor, "email", "") or None,
        created=now,
        progress=progress,
        keep_previous=True,
        describe=describer,
    )
    crash_point("preservation.stored")
    with transaction.atomic():
        preserved = _index(actor, unit, root, object_id, result, describer, message)
    crash_point("preservation.indexed")
    return preserved


def _index(
    actor: Any,
    unit: ArchivalUnit,
    root: StorageRoot,
    object_id: str,
    result: VersionResult,
    describer: _Describer,
    message: str,
) -> PreserveResult:
    """The database rows of a written object and its audit entry; the caller holds the transaction."""
    indexed = index_object(root, object_id, unit=unit)
    package = indexed.package
    if result.created and any(
        (found := describer.identified.get(path)) is not None and found.mime_type in IMAGE_MIME_TYPES
        for path in describer.changed
    ):
        # Viewing derivatives of the new images, by the worker once this transaction has committed.
        transaction.on_commit(functools.partial(request_derivatives, package))
    if indexed.changed:
        log(
            package,
            "preservation.package.preserve",
            actor,
            {
                "unit": str(unit.uuid),
                "object_id": object_id,
                "version": result.version,
                "new_version": result.created,
                "files": describer.changed[:200],
                "file_count": len(describer.changed),
                "bytes_written": result.bytes_written,
                "message": message,
            },
        )
    return PreserveResult(
        package=package,
        version=result.version,
        created=result.created,
        files_added=len(describer.changed) if result.created else 0,
        bytes_written=result.bytes_written,
        indexed=indexed.changed,
        changed_paths=describer.changed if result.created else [],
    )
