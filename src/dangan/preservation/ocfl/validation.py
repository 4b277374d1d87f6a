"""An OCFL 1.1 validator for objects and storage roots: every error and warning carries the specification's code
(E0xx / W0xx) and an English sentence saying what is wrong and where."""

from __future__ import annotations

import json
import re
from typing import Any

from dangan.preservation.ocfl.inventory import ROOT_DECLARATION
from dangan.preservation.ocfl.inventory_check import SPEC_VERSIONS
from dangan.preservation.ocfl.layout import LAYOUTS, StorageLayout, config_path, layout_from_config
from dangan.preservation.ocfl.object_check import DECLARATION_RE, REGISTERED_EXTENSIONS, ObjectValidator
from dangan.preservation.ocfl.report import Issue, RootValidationReport, Severity, ValidationReport
from dangan.preservation.storage.backend import Entry, StorageBackend

_ROOT_DECLARATION_RE = re.compile(r"^0=ocfl_(\d+\.\d+)$")


def validate_object(
    backend: StorageBackend, object_path: str, *, check_digests: bool = True, workers: int | None = None
) -> ValidationReport:
    """Validate the OCFL object whose root is object_path (relative to the backend's root)."""
    return ObjectValidator(backend, object_path, check_digests=check_digests, workers=workers).run()


def validate_root(
    backend: StorageBackend, *, validate_objects: bool = True, check_digests: bool = True, workers: int | None = None
) -> RootValidationReport:
    """Validate a storage root: its declaration, layout, extensions, hierarchy, and (by default) every object."""
    report = RootValidationReport(backend.describe())
    try:
        entries = {e.name: e for e in backend.list_dir("")}
    except (FileNotFoundError, NotADirectoryError):
        report.error("E069", f"There is no storage root at {backend.describe()}.")
        return report
    spec = _check_root_declaration(backend, entries, report)
    layout = _check_layout(backend, entries, report)
    if "extensions" in entries:
        for entry in backend.list_dir("extensions"):
            if not entry.is_dir:
                report.error("E112", f"The storage root's extensions directory holds a file {entry.name!r}.")
    for dirpath, dirs, others in backend.walk(""):
        if dirpath == "":
            dirs[:] = [d for d in dirs if d.name != "extensions"]
            continue  # files at the top of the root are allowed (and ignored)
        if not dirs and not others:
            report.error("E073", f"The storage hierarchy has an empty directory {dirpath!r}.")
            continue
        declarations = [e.name for e in others if e.name.startswith("0=")]
        if not declarations:
            if others:
                names = ", ".join(repr(e.name) for e in others[:3])
                report.error("E072", f"{dirpath!r} holds files ({names}) but is not an object root.")
            continue
        dirs.clear()  # an object root ends the hierarchy
        m = DECLARATION_RE.match(declarations[0])
        if m and spec and m.group(1) in SPEC_VERSIONS and SPEC_VERSIONS.index(m.group(1)) > SPEC_VERSIONS.index(spec):
            report.error(
                "E081", f"The object at {dirpath!r} is OCFL {m.group(1)}, newer than the storage root ({spec})."
            )
        if validate_objects:
            result = validate_object(backend, dirpath, check_digests=check_digests, workers=workers)
            if layout is not None and result.object_id and layout.object_path(result.object_id) != dirpath:
                result.error(
                    "E083",
                    f"The object {result.object_id!r} is at {dirpath!r}, not where the storage layout puts it "
                    f"({layout.object_path(result.object_id)!r}).",
                )
            report.objects[dirpath] = result
    return report


def _check_root_declaration(
    backend: StorageBackend, entries: dict[str, Entry], report: RootValidationReport
) -> str | None:
    declarations = [name for name in entries if name.startswith("0=")]
    if not declarations:
        report.error("E069", f"The storage root has no declaration file {ROOT_DECLARATION}.")
        return None
    if len(declarations) > 1:
        report.error(
            "E076", f"The storage root has more than one declaration file ({', '.join(sorted(declarations))})."
        )
        return None
    m = _ROOT_DECLARATION_RE.match(declarations[0])
    if not m or m.group(1) not in SPEC_VERSIONS:
        report.error("E077", f"The storage root declaration {declarations[0]!r} is not 0=ocfl_1.0 or 0=ocfl_1.1.")
        return None
    report.spec_version = m.group(1)
    if backend.read_bytes(declarations[0]) != f"ocfl_{m.group(1)}\n".encode():
        report.error("E080", f"The storage root declaration must contain exactly 'ocfl_{m.group(1)}\\n'.")
    return m.group(1)


def _check_layout(
    backend: StorageBackend, entries: dict[str, Entry], report: RootValidationReport
) -> StorageLayout | None:
    if "ocfl_layout.json" not in entries:
        return None
    try:
        layout: Any = json.loads(backend.read_bytes("ocfl_layout.json"))
    except (ValueError, UnicodeDecodeError) as exc:
        report.error("E070", f"ocfl_layout.json is not valid JSON: {exc}.")
        return None
    if not (
        isinstance(layout, dict)
        and isinstance(layout.get("extension"), str)
        and isinstance(layout.get("description"), str)
    ):
        report.error("E070", "ocfl_layout.json must be a JSON object with 'extension' and 'description' strings.")
        return None
    if layout["extension"] not in REGISTERED_EXTENSIONS:
        report.error("E071", f"ocfl_layout.json names {layout['extension']!r}, which is not a registered extension.")
        return None
    name = layout["extension"]
    if name not in LAYOUTS:
        return None  # a registered layout this code does not implement: the hierarchy is still checked
    try:
        config = json.loads(backend.read_bytes(config_path(name)))
    except FileNotFoundError:
        config = None  # the extension's defaults
    except (ValueError, UnicodeDecodeError) as exc:
        report.error("E070", f"{config_path(name)} is not valid JSON: {exc}.")
        return None
    try:
        return layout_from_config(name, config)
    except (ValueError, TypeError) as exc:
        report.error("E070", f"{config_path(name)} is not a valid {name} configuration: {exc}.")
        return None


__all__ = [
    "Issue",
    "RootValidationReport",
    "Severity",
    "ValidationReport",
    "validate_object",
    "validate_root",
]
