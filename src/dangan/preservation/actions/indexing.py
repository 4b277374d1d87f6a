"""The database as an index of the storage root: the rows of one object from its inventory and the METS document of
each version (``index_object``), and of every object (``rebuild_from_storage``, ``dangan rebuild``).

Preserving a package and rebuilding call the same ``index_object``, so a rebuilt index equals the one the actions
wrote. What is not in storage is not rebuilt: the audit results (fixity status, fixity-check events not yet written
into a METS document) and the audit runs themselves.
"""

from __future__ import annotations

import io
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from django.db import connection, transaction
from django.utils.translation import gettext as _

from dangan.catalog.models import ArchivalUnit
from dangan.core.audit import log
from dangan.preservation.choices import FixityStatus
from dangan.preservation.formats import FormatIdentifier
from dangan.preservation.mets import MetsError, PackageRecord, parse_mets
from dangan.preservation.models import PackageEvent, PackageFile, PackageVersion, PreservedPackage
from dangan.preservation.ocfl.inventory import INVENTORY, Inventory, InventoryError
from dangan.preservation.ocfl.root import FileInfo, ObjectNotFound, StorageRoot
from dangan.preservation.permissions import REBUILD, require_actor_any
from dangan.preservation.premis import FILE_ID_TYPE, Event
from dangan.preservation.storage.backend import join
from dangan.preservation.store import METS_PATH, object_id_for, storage_root

__all__ = ["IndexResult", "RebuildReport", "index_object", "package_uuid_of", "rebuild_from_storage"]

_identifier = FormatIdentifier()


@dataclass
class IndexResult:
    package: PreservedPackage
    versions_added: int = 0
    files_added: int = 0
    events_added: int = 0
    created: bool = False

    @property
    def changed(self) -> bool:
        return self.created or bool(self.versions_added or self.events_added)


def package_uuid_of(object_id: str) -> uuid.UUID:
    return uuid.UUID(object_id_for(object_id)[len("urn:uuid:") :])


def read_mets(
    root: StorageRoot, object_id: str, version: str | None = None, *, inventory: Inventory | None = None
) -> tuple[bytes, PackageRecord] | None:
    """The METS document of a version (default the head), or None when that version has none. ``inventory``: the
    object's root inventory, when the caller has just read it."""
    try:
        with root.open_file(object_id, METS_PATH, version, inventory=inventory) as handle:
            data = handle.read()
    except KeyError:
        return None
    return data, parse_mets(data)


def _link_json(links: list[Any]) -> list[dict[str, str]]:
    return [{"type": link.type, "value": link.value, "role": link.role} for link in links]


def event_row(package: PreservedPackage, event: Event, **extra: Any) -> PackageEvent:
    files = [link.value for link in event.objects if link.type == FILE_ID_TYPE]
    return PackageEvent(
        package=package,
        identifier=event.identifier,
        event_type=event.type,
        date_time=event.date_time,
        detail=event.detail,
        outcome=event.outcome,
        outcome_detail=event.outcome_detail,
        agents=_link_json(event.agents),
        linked_objects=_link_json(event.objects),
        file_path=files[0] if len(files) == 1 else "",
        **extra,
    )


def index_object(
    root: StorageRoot, object_id: str, *, full: bool = False, unit: ArchivalUnit | None = None
) -> IndexResult:
    """Bring one object's rows in line with storage: the versions the database lacks are added (with their files
    and the events their METS documents first record); ``full`` first removes every row that came from storage.
    ``unit``: the catalog unit the caller expects the package to describe, saving a query when its METS names it.
    Runs in the caller's transaction (one is opened if there is none)."""
    with transaction.atomic():
        return _index_object(root, object_id_for(object_id), full, unit)


def _index_object(root: StorageRoot, object_id: str, full: bool, unit: ArchivalUnit | None = None) -> IndexResult:
    # The root inventory is read once: every version, file and METS document below comes from this one view.
    inventory = root.inventory(object_id)
    package_uuid = package_uuid_of(object_id)
    if connection.vendor == "postgresql":
        # Two jobs indexing one new object must not both insert its package (SQLite serialises writers anyway).
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_xact_lock(%s)", [int.from_bytes(package_uuid.bytes[:8], "big") >> 1])
    package = PreservedPackage.objects.select_for_update().filter(uuid=package_uuid).first()
    if package is not None and not full and package.head_version == inventory.head:
        return IndexResult(package)  # the rows already describe the head (versions never change once written)
    created = package is None
    if package is not None and full:
        PackageEvent.objects.filter(package=package, version__isnull=False).delete()
        PackageVersion.objects.filter(package=package).delete()
    known = set() if package is None else set(package.versions.values_list("number", flat=True))
    versions = [v for v in inventory.versions() if v.number not in known]
    documents = {v.name: read_mets(root, object_id, v.name, inventory=inventory) for v in versions}
    head = documents[inventory.head] if inventory.head in documents else read_mets(root, object_id, inventory=inventory)
    record = head[1] if head else None
    files = {v.name: root.files(object_id, v.name, inventory=inventory) for v in versions}

    if package is None:
        package = PreservedPackage(uuid=package_uuid)
    if record is not None:
        description = record.description
        try:
            unit_uuid = uuid.UUID(description.unit_uuid)
        except ValueError:
            unit_uuid = package_uuid  # not one of ours: the package stands for itself
        if package.unit_uuid != unit_uuid or package.unit_id is None:
            package.unit = (
                unit
                if unit is not None and unit.uuid == unit_uuid
                else ArchivalUnit.objects.filter(uuid=unit_uuid).first()
            )
        package.unit_uuid = unit_uuid
        package.label = description.title[:1000]
        package.reference_code = (description.reference_code or "")[:80]
        package.package_created = record.created
    elif created:
        package.unit_uuid = package_uuid
    package.object_path = root.object_path(object_id)
    package.head_version = inventory.head
    package.version_count = len(inventory.version_names())
    if created:
        # A new package has no other rows: its totals come from the versions about to be written, in the same
        # INSERT (what the queries below would find).
        package.file_count, package.total_bytes = _totals(files[inventory.head])
        package.stored_files, package.stored_bytes = _totals(
            list({f.content_path: f for v in files.values() for f in v}.values())
        )
    package.save()

    result = IndexResult(package, created=created)
    events = {} if created else {e.identifier: e for e in PackageEvent.objects.filter(package=package)}
    head_row = None
    for info in versions:
        document = documents[info.name]
        version_row, rows = _version_rows(package, info, files[info.name], document)
        if info.name == inventory.head:
            head_row = version_row
        result.versions_added += 1
        result.files_added += len(rows)
        for event in document[1].events if document else []:
            existing = events.get(event.identifier)
            if existing is None:
                events[event.identifier] = event_row(package, event, version=version_row)
                result.events_added += 1
            elif existing.version_id is None and existing.pk:
                existing.version = version_row  # a fixity check now written into a METS document
                existing.save(update_fields=["version"])
                result.events_added += 1
    PackageEvent.objects.bulk_create([e for e in events.values() if e.pk is None], batch_size=500)
    if created:
        return result

    head_row = head_row or package.versions.get(name=inventory.head)
    package.file_count, package.total_bytes = head_row.file_count, head_row.total_bytes
    stored = dict(PackageFile.objects.filter(package=package).values_list("content_path", "size").distinct())
    package.stored_files, package.stored_bytes = len(stored), sum(stored.values())
    package.save(update_fields=["file_count", "total_bytes", "stored_files", "stored_bytes", "updated"])
    return result


def _totals(files: list[FileInfo]) -> tuple[int, int]:
    return len(files), sum(f.size for f in files)


def _version_rows(
    package: PreservedPackage,
    info: Any,
    files: list[FileInfo],
    document: tuple[bytes, PackageRecord] | None,
) -> tuple[PackageVersion, list[PackageFile]]:
    version_row = PackageVersion.objects.create(
        package=package,
        number=info.number,
        name=info.name,
        created=info.created,
        message=info.message or "",
        user_name=info.user_name or "",
        user_address=info.user_address or "",
        file_count=len(files),
        total_bytes=sum(f.size for f in files),
    )
    record = document[1] if document else None
    rows = []
    for f in files:
        row = PackageFile(
            package=package,
            version=version_row,
            logical_path=f.logical_path,
            content_path=f.content_path,
            size=f.size,
            sha512=f.sha512 or "",
            sha256=f.sha256 or "",
            sm3=f.sm3 or "",
        )
        described = record.file(f.logical_path) if record else None
        if described is not None:
            row.puid, row.mime_type = described.puid, described.mime_type
            row.format_name, row.format_version = described.format_name, described.format_version
            row.format_note, row.original_name, row.use = described.format_note, described.original_name, described.use
        elif f.logical_path == METS_PATH and document is not None:
            found = _identifier.identify_file(io.BytesIO(document[0]), len(document[0]), "mets.xml")
            row.puid, row.mime_type = found.puid, found.mime_type
            row.format_name, row.format_version = found.format_name, found.format_version
            row.use = "metadata"
        rows.append(row)
    PackageFile.objects.bulk_create(rows, batch_size=500)
    return version_row, rows


# ---------------------------------------------------------------- the whole storage root


@dataclass
class RebuildReport:
    objects: int = 0
    versions: int = 0
    files: int = 0
    events: int = 0
    without_unit: list[str] = field(default_factory=list)  # object ids whose unit is not in the catalog
    missing: list[str] = field(default_factory=list)  # packages in the database whose object is not in storage
    errors: list[str] = field(default_factory=list)  # objects that could not be read

    @property
    def ok(self) -> bool:
        return not self.missing and not self.errors


def rebuild_from_storage(actor: Any, *, progress: Callable[[int, int], None] | None = None) -> RebuildReport:
    """Recreate every package's rows from the storage root alone (``actor``: CONSOLE from ``dangan rebuild``).

    Each object is indexed afresh in its own transaction; audit results and fixity-check events that are only in
    the database stay. Packages whose object is not in storage are kept, marked missing, and reported."""
    require_actor_any(actor, REBUILD)
    root = storage_root()
    root.recover()
    paths = sorted(root.object_paths())
    report = RebuildReport()
    found: set[str] = set()
    if progress is not None:
        progress(0, len(paths))
    for done, path in enumerate(paths, 1):
        try:
            object_id = _object_id_at(root, path)
            found.add(object_id)
            result = index_object(root, object_id, full=True)
        except (InventoryError, MetsError, ObjectNotFound, KeyError, ValueError, OSError) as exc:
            report.errors.append(f"{path}: {exc}")
        else:
            report.objects += 1
            report.versions += result.versions_added
            report.files += result.files_added
            report.events += result.events_added
            if result.package.unit_id is None:
                report.without_unit.append(object_id)
        if progress is not None:
            progress(done, len(paths))
    present = {package_uuid_of(i) for i in found}
    with transaction.atomic():
        gone = [
            p for p in PreservedPackage.objects.order_by("pk").only("uuid", "fixity_status") if p.uuid not in present
        ]
        for package in gone:
            report.missing.append(package.object_id)
            if package.fixity_status != FixityStatus.MISSING:
                package.fixity_status = FixityStatus.MISSING
                package.save(update_fields=["fixity_status", "updated"])
        log(
            None,
            "preservation.rebuild",
            actor,
            {
                "objects": report.objects,
                "versions": report.versions,
                "files": report.files,
                "events": report.events,
                "missing": report.missing[:100],
                "errors": report.errors[:100],
                "message": _("从存储库重建保存包索引"),
            },
        )
    return report


def _object_id_at(root: StorageRoot, path: str) -> str:
    return Inventory.from_bytes(root.backend.read_bytes(join(path, INVENTORY))).id
