"""Fixity checks of stored objects: re-hash every content file and compare with the inventory — changed, missing and
extra files, inventory/sidecar mismatches. Built for audits over many objects: several files are hashed at once."""

from __future__ import annotations

import enum
from dataclasses import dataclass, field

from dangan.preservation.ocfl.digests import KNOWN_ALGORITHMS, hash_file, new_hasher, run_parallel
from dangan.preservation.ocfl.inventory import (
    INVENTORY,
    Inventory,
    InventoryError,
    parse_sidecar,
    sidecar_name,
)
from dangan.preservation.storage.backend import StorageBackend, join


class FailureKind(enum.StrEnum):
    CHANGED = "changed"  # the bytes no longer have the recorded digest
    MISSING = "missing"  # in the manifest, not on storage
    EXTRA = "extra"  # on storage in a content directory, not in the manifest
    SIDECAR = "sidecar"  # an inventory does not match its sidecar digest (or the sidecar is missing)
    INVENTORY = "inventory"  # the root inventory is missing or unreadable, or differs from the head's copy
    UNREADABLE = "unreadable"  # the file could not be read


@dataclass(frozen=True, slots=True)
class Failure:
    kind: FailureKind
    path: str  # relative to the object root
    message: str
    algorithm: str | None = None
    expected: str | None = None
    actual: str | None = None


@dataclass
class VerifyReport:
    object_path: str
    object_id: str | None = None
    files_checked: int = 0
    bytes_checked: int = 0
    failures: list[Failure] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.failures

    def of_kind(self, kind: FailureKind) -> list[Failure]:
        return [f for f in self.failures if f.kind is kind]


@dataclass
class Snapshot:
    """What an object looks like on storage at one moment (no content read): taken under the object's lock so that a
    version committed during a long verification cannot look like extra files."""

    object_path: str
    inventory: Inventory | None
    content_files: dict[str, int]  # content path → size, for files found in version content directories
    failures: list[Failure]


def _check_sidecar(backend: StorageBackend, directory: str, raw: bytes, algorithm: str, where: str) -> Failure | None:
    name = sidecar_name(algorithm)
    try:
        recorded = parse_sidecar(backend.read_bytes(join(directory, name)).decode("utf-8", "replace"))
    except FileNotFoundError:
        return Failure(
            FailureKind.SIDECAR, join(where, name), f"the sidecar {name} of {where or 'the root'} is missing"
        )
    h = new_hasher(algorithm)
    h.update(raw)
    actual = h.hexdigest()
    if recorded is None or recorded.lower() != actual:
        return Failure(
            FailureKind.SIDECAR,
            join(where, INVENTORY),
            f"{join(where, INVENTORY)} does not match the digest in its sidecar {name}",
            algorithm,
            recorded,
            actual,
        )
    return None


def snapshot_object(backend: StorageBackend, object_path: str) -> Snapshot:
    failures: list[Failure] = []
    try:
        raw = backend.read_bytes(join(object_path, INVENTORY))
    except FileNotFoundError:
        failures.append(Failure(FailureKind.INVENTORY, INVENTORY, "the root inventory is missing"))
        return Snapshot(object_path, None, {}, failures)
    try:
        inventory = Inventory.from_bytes(raw)
    except InventoryError as exc:
        failures.append(Failure(FailureKind.INVENTORY, INVENTORY, f"the root inventory cannot be read: {exc}"))
        return Snapshot(object_path, None, {}, failures)
    failure = _check_sidecar(backend, object_path, raw, inventory.digest_algorithm, "")
    if failure:
        failures.append(failure)
    content: dict[str, int] = {}
    for version in inventory.version_names():
        version_dir = join(object_path, version)
        try:
            entries = backend.list_dir(version_dir)
        except FileNotFoundError:
            continue  # every manifest path under it will show as missing
        names = {e.name for e in entries}
        if INVENTORY in names:
            version_raw = backend.read_bytes(join(version_dir, INVENTORY))
            sidecars = sorted(n for n in names if n.startswith(INVENTORY + "."))
            algorithm = sidecars[0].split(".", 2)[2] if sidecars else inventory.digest_algorithm
            if algorithm in KNOWN_ALGORITHMS:
                failure = _check_sidecar(backend, version_dir, version_raw, algorithm, version)
                if failure:
                    failures.append(failure)
            if version == inventory.head and version_raw != raw:
                failures.append(
                    Failure(
                        FailureKind.INVENTORY, join(version, INVENTORY), "the head's inventory differs from the root's"
                    )
                )
        content_dir = join(version_dir, inventory.content_directory)
        if inventory.content_directory in names:
            for dirpath, _dirs, others in backend.walk(content_dir):
                for entry in others:
                    content[join(dirpath, entry.name)[len(object_path) + 1 :]] = entry.size
    return Snapshot(object_path, inventory, content, failures)


def verify_object(
    backend: StorageBackend,
    object_path: str,
    *,
    all_digests: bool = False,
    workers: int | None = None,
    snapshot: Snapshot | None = None,
) -> VerifyReport:
    """Re-hash every content file of the object at object_path and report what does not match its inventory."""
    snap = snapshot or snapshot_object(backend, object_path)
    report = VerifyReport(object_path, snap.inventory.id if snap.inventory else None, failures=list(snap.failures))
    inventory = snap.inventory
    if inventory is None:
        return report
    expected_paths = inventory.content_digests
    for path in sorted(set(snap.content_files) - set(expected_paths)):
        report.failures.append(Failure(FailureKind.EXTRA, path, f"{path} is on storage but not in the manifest"))
    jobs = []
    checks = []
    for path, digest in sorted(expected_paths.items()):
        if path not in snap.content_files:
            report.failures.append(Failure(FailureKind.MISSING, path, f"{path} is in the manifest but not on storage"))
            continue
        expected = {inventory.digest_algorithm: digest}
        if all_digests:
            for algorithm, value in inventory.fixity_for(path).items():
                if algorithm in KNOWN_ALGORITHMS and algorithm not in expected:
                    expected[algorithm] = value
        checks.append((path, expected))
        full_path = join(object_path, path)
        jobs.append(lambda p=full_path, a=tuple(expected): _hash_or_error(backend, p, a))
    results = run_parallel(jobs, workers=workers)
    for (path, expected), result in zip(checks, results, strict=True):
        if isinstance(result, OSError):
            report.failures.append(Failure(FailureKind.UNREADABLE, path, f"{path} cannot be read: {result}"))
            continue
        size, actual = result
        report.files_checked += 1
        report.bytes_checked += size
        for algorithm, value in expected.items():
            if actual[algorithm].lower() != value.lower():
                report.failures.append(
                    Failure(
                        FailureKind.CHANGED,
                        path,
                        f"{path} has changed: its {algorithm} is {actual[algorithm]}, the inventory records {value}",
                        algorithm,
                        value,
                        actual[algorithm],
                    )
                )
    return report


def _hash_or_error(
    backend: StorageBackend, path: str, algorithms: tuple[str, ...]
) -> tuple[int, dict[str, str]] | OSError:
    try:
        return hash_file(path, backend=backend, algorithms=algorithms)
    except OSError as exc:
        return exc
