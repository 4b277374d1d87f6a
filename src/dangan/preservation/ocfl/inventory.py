"""The OCFL 1.1 inventory: constants, version names, logical paths, and a read-only view of a valid inventory."""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from datetime import UTC, datetime
from functools import cached_property
from typing import Any

from dangan.preservation.ocfl.digests import new_hasher

SPEC_VERSION = "1.1"
INVENTORY_TYPE = "https://ocfl.io/1.1/spec/#inventory"
OBJECT_DECLARATION = "0=ocfl_object_1.1"
OBJECT_DECLARATION_TEXT = "ocfl_object_1.1\n"
ROOT_DECLARATION = "0=ocfl_1.1"
ROOT_DECLARATION_TEXT = "ocfl_1.1\n"
INVENTORY = "inventory.json"
DEFAULT_CONTENT_DIRECTORY = "content"

_VERSION_RE = re.compile(r"^v(\d+)$")
_SIDECAR_RE = re.compile(r"^([0-9a-fA-F]+)[ \t]+inventory\.json[ \t]*\r?\n?$")


class InventoryError(ValueError):
    """An inventory that cannot be read (the validator says precisely why)."""


def parse_version_name(name: str) -> tuple[int, int] | None:
    """'v3' → (3, 0); 'v003' → (3, 3) (number, zero-padded width); None if not a version directory name."""
    m = _VERSION_RE.match(name)
    if not m or int(m.group(1)) == 0:
        return None
    digits = m.group(1)
    return int(digits), (len(digits) if digits.startswith("0") else 0)


def version_name(number: int, width: int = 0) -> str:
    """The version directory name for number, zero-padded to width digits when width > 0."""
    return "v" + (str(number).zfill(width) if width else str(number))


def path_problem(path: str) -> str | None:
    """Why path is not a valid OCFL logical or content path, or None: '/'-separated, no '.', '..' or empty element,
    not starting or ending with '/'."""
    if not isinstance(path, str) or not path:
        return "is empty or not a string"
    if path.startswith("/") or path.endswith("/"):
        return "begins or ends with '/'"
    if any(part in ("", ".", "..") for part in path.split("/")):
        return "has an empty, '.' or '..' element"
    return None


def conflicting_paths(paths: list[str]) -> tuple[str, str] | None:
    """A pair (file, path below it) where one path is a directory prefix of another, or None."""
    as_set = set(paths)
    for p in paths:
        parts = p.split("/")
        for i in range(1, len(parts)):
            prefix = "/".join(parts[:i])
            if prefix in as_set:
                return prefix, p
    return None


def format_created(when: datetime) -> str:
    """RFC 3339, UTC, to the second: 2024-05-01T08:30:00Z."""
    if when.tzinfo is None:
        raise ValueError("created must be a timezone-aware datetime")
    return when.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def parse_created(value: str) -> datetime:
    return datetime.fromisoformat(value.replace("z", "Z"))


def sidecar_name(algorithm: str) -> str:
    return f"{INVENTORY}.{algorithm}"


def sidecar_text(inventory_bytes: bytes, algorithm: str) -> str:
    h = new_hasher(algorithm)
    h.update(inventory_bytes)
    return f"{h.hexdigest()} {INVENTORY}\n"


def parse_sidecar(text: str) -> str | None:
    """The digest in a sidecar file ('<digest> inventory.json'), or None if it does not have that form."""
    m = _SIDECAR_RE.match(text)
    return m.group(1) if m else None


def dump_inventory(data: dict[str, Any]) -> bytes:
    """The bytes of an inventory file: UTF-8 JSON, keys in a fixed order, two-space indent."""
    return (json.dumps(data, indent=2, ensure_ascii=False) + "\n").encode()


@dataclass(frozen=True, slots=True)
class VersionInfo:
    """One version of an object, as recorded in its inventory."""

    name: str
    number: int
    created: datetime
    message: str | None
    user_name: str | None
    user_address: str | None


class Inventory:
    """A read-only view of an inventory the writer or the validator has accepted."""

    def __init__(self, data: dict[str, Any], raw: bytes | None = None) -> None:
        self.data = data
        self.raw = raw

    @classmethod
    def from_bytes(cls, raw: bytes) -> Inventory:
        try:
            data = json.loads(raw)
        except (ValueError, UnicodeDecodeError) as exc:
            raise InventoryError(f"inventory is not valid JSON: {exc}") from exc
        if not isinstance(data, dict):
            raise InventoryError("inventory is not a JSON object")
        for key in ("id", "head", "digestAlgorithm", "manifest", "versions"):
            if key not in data:
                raise InventoryError(f"inventory has no {key!r}")
        if not isinstance(data["versions"], dict) or data["head"] not in data["versions"]:
            raise InventoryError("inventory head is not one of its versions")
        return cls(data, raw)

    @property
    def id(self) -> str:
        return str(self.data["id"])

    @property
    def head(self) -> str:
        return str(self.data["head"])

    @property
    def digest_algorithm(self) -> str:
        return str(self.data["digestAlgorithm"])

    @property
    def content_directory(self) -> str:
        return str(self.data.get("contentDirectory", DEFAULT_CONTENT_DIRECTORY))

    @property
    def manifest(self) -> dict[str, list[str]]:
        manifest: dict[str, list[str]] = self.data["manifest"]
        return manifest

    @property
    def fixity(self) -> dict[str, dict[str, list[str]]]:
        fixity: dict[str, dict[str, list[str]]] = self.data.get("fixity") or {}
        return fixity

    def version_names(self) -> list[str]:
        return sorted(self.data["versions"], key=lambda v: (parse_version_name(v) or (0, 0))[0])

    def resolve_version(self, version: str | int | None) -> str:
        """A version name from a name, a number, or None for the head (KeyError when there is no such version)."""
        if version is None:
            return self.head
        if isinstance(version, int):
            for name in self.data["versions"]:
                parsed = parse_version_name(name)
                if parsed and parsed[0] == version:
                    return str(name)
            raise KeyError(f"v{version}")
        if version not in self.data["versions"]:
            raise KeyError(version)
        return version

    def version(self, version: str | int | None = None) -> VersionInfo:
        name = self.resolve_version(version)
        block = self.data["versions"][name]
        user = block.get("user") or {}
        parsed = parse_version_name(name)
        return VersionInfo(
            name=name,
            number=parsed[0] if parsed else 0,
            created=parse_created(block["created"]),
            message=block.get("message"),
            user_name=user.get("name"),
            user_address=user.get("address"),
        )

    def versions(self) -> list[VersionInfo]:
        return [self.version(name) for name in self.version_names()]

    def state(self, version: str | int | None = None) -> dict[str, str]:
        """Logical path → digest (as written in the inventory) for a version (default the head)."""
        block = self.data["versions"][self.resolve_version(version)]
        return {path: digest for digest, paths in block["state"].items() for path in paths}

    @cached_property
    def _normalized_manifest(self) -> dict[str, list[str]]:
        return {digest.lower(): paths for digest, paths in self.manifest.items()}

    def content_paths(self, digest: str) -> list[str]:
        """The content paths holding a digest's bytes (first is the one to read)."""
        return self._normalized_manifest.get(digest.lower(), [])

    @cached_property
    def content_digests(self) -> dict[str, str]:
        """Content path → digest (lower-case) for every file in the manifest."""
        return {path: digest.lower() for digest, paths in self.manifest.items() for path in paths}

    @cached_property
    def _fixity_by_path(self) -> dict[str, dict[str, str]]:
        by_path: dict[str, dict[str, str]] = {}
        for algorithm, block in self.fixity.items():
            if not isinstance(block, dict):
                continue
            for digest, paths in block.items():
                for path in paths:
                    by_path.setdefault(path, {})[algorithm] = digest.lower()
        return by_path

    def fixity_for(self, content_path: str) -> dict[str, str]:
        """Fixity algorithm → digest (lower-case) recorded for one content path."""
        return self._fixity_by_path.get(content_path, {})

    def to_bytes(self) -> bytes:
        return self.raw if self.raw is not None else dump_inventory(self.data)
