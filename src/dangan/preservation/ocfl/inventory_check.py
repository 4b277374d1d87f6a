"""Structural checks of one OCFL inventory (JSON already parsed), each failure reported with its OCFL 1.1 code.
validation.py adds what needs the files: sidecars, directories, content digests, agreement between inventories."""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from dangan.preservation.ocfl.digests import KNOWN_ALGORITHMS, is_digest
from dangan.preservation.ocfl.inventory import DEFAULT_CONTENT_DIRECTORY, path_problem

Report = Callable[[str, str], None]  # (code, message)

_TYPE_RE = re.compile(r"^https://ocfl\.io/(\d+\.\d+)/spec/#inventory$")
_VERSION_NAME_RE = re.compile(r"^v(\d+)$")
_URI_RE = re.compile(r"^[A-Za-z][A-Za-z0-9+.\-]*:\S+$")
# RFC 3339 date-time: seconds required, a time zone ('Z' or ±hh:mm) required.
_CREATED_RE = re.compile(r"^\d{4}-\d{2}-\d{2}[Tt]\d{2}:\d{2}:\d{2}(\.\d+)?([Zz]|[+-]\d{2}:\d{2})$")
_CREATED_NO_ZONE_RE = re.compile(r"^\d{4}-\d{2}-\d{2}[Tt]\d{2}:\d{2}(:\d{2}(\.\d+)?)?$")
_CREATED_NO_SECONDS_RE = re.compile(r"^\d{4}-\d{2}-\d{2}[Tt]\d{2}:\d{2}([Zz]|[+-]\d{2}:\d{2})$")

INVENTORY_KEYS = {"id", "type", "digestAlgorithm", "head", "contentDirectory", "fixity", "manifest", "versions"}
VERSION_KEYS = {"created", "state", "message", "user"}
SPEC_VERSIONS = ("1.0", "1.1")


def spec_version_of(type_value: Any) -> str | None:
    m = _TYPE_RE.match(type_value) if isinstance(type_value, str) else None
    return m.group(1) if m and m.group(1) in SPEC_VERSIONS else None


def is_uri(value: str) -> bool:
    return bool(_URI_RE.match(value))


@dataclass
class InventoryFacts:
    """What the checks could establish about an inventory; unusable parts are left empty."""

    data: dict[str, Any]
    spec_version: str | None = None
    id: str | None = None
    head: str | None = None
    digest_algorithm: str | None = None
    content_directory: str = DEFAULT_CONTENT_DIRECTORY
    content_directory_set: bool = False
    manifest: dict[str, list[str]] = field(default_factory=dict)  # digest as spelled → content paths
    content_digests: dict[str, str] = field(default_factory=dict)  # content path → digest, lower-case
    versions: list[str] = field(default_factory=list)  # version names in order
    blocks: dict[str, dict[str, Any]] = field(default_factory=dict)  # version name → its block
    states: dict[str, dict[str, str]] = field(default_factory=dict)  # version → logical path → digest, lower-case
    fixity: dict[str, dict[str, str]] = field(default_factory=dict)  # algorithm → content path → digest, lower-case


def check_inventory(data: Any, where: str, error: Report, warning: Report) -> InventoryFacts | None:
    """Check one inventory; where names it in messages ('root inventory', 'inventory of v2')."""
    if not isinstance(data, dict):
        error("E033", f"The {where} is not a JSON object.")
        return None
    facts = InventoryFacts(data)
    for key in ("id", "type", "digestAlgorithm", "head"):
        if key not in data:
            error("E036", f"The {where} has no '{key}'.")
    for key in ("manifest", "versions"):
        if key not in data:
            error("E041", f"The {where} has no '{key}' block.")
    unknown = sorted(set(data) - INVENTORY_KEYS)
    if unknown:
        error("E102", f"The {where} has keys the specification does not define: {', '.join(unknown)}.")

    _check_id(data, facts, where, error, warning)
    _check_type(data, facts, where, error)
    _check_digest_algorithm(data, facts, where, error, warning)
    _check_content_directory(data, facts, where, error)
    _check_versions(data, facts, where, error, warning)
    _check_manifest(data, facts, where, error)
    _check_states(facts, where, error, warning)
    _check_fixity(data, facts, where, error)
    return facts


def _check_id(data: dict[str, Any], facts: InventoryFacts, where: str, error: Report, warning: Report) -> None:
    if "id" not in data:
        return
    value = data["id"]
    if not isinstance(value, str) or not value.strip():
        error("E037", f"The {where} 'id' must be a non-empty string.")
        return
    facts.id = value
    if not is_uri(value):
        warning("W005", f"The {where} 'id' {value!r} should be a URI.")


def _check_type(data: dict[str, Any], facts: InventoryFacts, where: str, error: Report) -> None:
    if "type" not in data:
        return
    facts.spec_version = spec_version_of(data["type"])
    if facts.spec_version is None:
        error("E038", f"The {where} 'type' {data['type']!r} is not an OCFL inventory type URI (1.0 or 1.1).")


def _check_digest_algorithm(
    data: dict[str, Any], facts: InventoryFacts, where: str, error: Report, warning: Report
) -> None:
    if "digestAlgorithm" not in data:
        return
    value = data["digestAlgorithm"]
    if value == "sha512":
        facts.digest_algorithm = value
    elif value == "sha256":
        facts.digest_algorithm = value
        warning("W004", f"The {where} uses sha256 for content addressing; sha512 is recommended.")
    else:
        error("E025", f"The {where} 'digestAlgorithm' must be sha512 or sha256, not {value!r}.")


def _check_content_directory(data: dict[str, Any], facts: InventoryFacts, where: str, error: Report) -> None:
    if "contentDirectory" not in data:
        return
    value = data["contentDirectory"]
    facts.content_directory_set = True
    if not isinstance(value, str) or not value or "/" in value:
        error("E017", f"The {where} 'contentDirectory' must be a non-empty string without '/', not {value!r}.")
    elif value in (".", ".."):
        error("E018", f"The {where} 'contentDirectory' must not be '.' or '..'.")
    else:
        facts.content_directory = value


def _check_versions(data: dict[str, Any], facts: InventoryFacts, where: str, error: Report, warning: Report) -> None:
    versions = data.get("versions")
    head = data.get("head")
    if versions is None:
        return
    if not isinstance(versions, dict):
        error("E044", f"The {where} 'versions' block is not a JSON object.")
        return
    if not versions:
        error("E008", f"The {where} has no versions: an object has at least v1.")
        return
    numbered: list[tuple[int, str, str]] = []
    for name in versions:
        m = _VERSION_NAME_RE.match(name)
        if not m or int(m.group(1)) == 0:
            error("E104", f"The {where} has a version named {name!r}: version names are 'v' and a positive number.")
            continue
        numbered.append((int(m.group(1)), name, m.group(1)))
    numbered.sort()
    if not numbered:
        return
    widths = {len(digits) for _n, _name, digits in numbered if digits.startswith("0")}
    if widths:
        warning("W001", f"The {where} uses zero-padded version names; v1, v2, v3 are recommended.")
        width = max(widths)
        for n, name, digits in numbered:
            if len(digits) != width or not digits.startswith("0"):
                error(
                    "E011",
                    f"The {where} version {name!r} breaks the zero-padded naming of the other versions "
                    f"({width} digits starting with 0).",
                )
                if n == numbered[-1][0]:
                    error("E013", f"The {where} head version {name!r} does not follow the naming of earlier versions.")
        if len(widths) > 1:
            error("E012", f"The {where} mixes zero-padded version names of different lengths.")
    numbers = [n for n, _name, _digits in numbered]
    if numbers[0] != 1:
        error("E009", f"The {where} versions do not start at 1 (first is v{numbers[0]}).")
    missing = sorted(set(range(1, numbers[-1] + 1)) - set(numbers))
    if missing:
        error("E010", f"The {where} versions skip {', '.join('v' + str(n) for n in missing)}.")
    facts.versions = [name for _n, name, _digits in numbered]
    highest = numbered[-1][1]
    if "head" in data:
        if head != highest:
            error("E040", f"The {where} 'head' is {head!r} but its highest version is {highest!r}.")
        else:
            facts.head = head
    for name in facts.versions:
        block = versions[name]
        if not isinstance(block, dict):
            error("E047", f"The {where} version block {name} is not a JSON object.")
            continue
        facts.blocks[name] = block
        _check_version_block(name, block, where, error, warning)


def _check_version_block(name: str, block: dict[str, Any], where: str, error: Report, warning: Report) -> None:
    unknown = sorted(set(block) - VERSION_KEYS)
    if unknown:
        error("E102", f"The {where} version {name} has keys the specification does not define: {', '.join(unknown)}.")
    if "created" not in block:
        error("E048", f"The {where} version {name} has no 'created' date.")
    else:
        created = block["created"]
        if not isinstance(created, str):
            error("E049", f"The {where} version {name} 'created' is not a string.")
        elif not _CREATED_RE.match(created):
            if _CREATED_NO_ZONE_RE.match(created):
                error("E049", f"The {where} version {name} 'created' {created!r} has no time zone.")
            elif _CREATED_NO_SECONDS_RE.match(created):
                error("E049", f"The {where} version {name} 'created' {created!r} is not given to the second.")
            else:
                error("E049", f"The {where} version {name} 'created' {created!r} is not an RFC 3339 date-time.")
    if "state" not in block:
        error("E048", f"The {where} version {name} has no 'state' block.")
    if "message" not in block:
        warning("W007", f"The {where} version {name} has no 'message'.")
    elif not isinstance(block["message"], str):
        error("E094", f"The {where} version {name} 'message' is not a string.")
    if "user" not in block:
        warning("W007", f"The {where} version {name} has no 'user'.")
        return
    user = block["user"]
    if not isinstance(user, dict):
        error("E054", f"The {where} version {name} 'user' is not a JSON object.")
        return
    if not isinstance(user.get("name"), str) or not user["name"]:
        error("E054", f"The {where} version {name} 'user' has no 'name' string.")
    if "address" not in user:
        warning("W008", f"The {where} version {name} 'user' has no 'address'.")
    elif not isinstance(user["address"], str):
        error("E054", f"The {where} version {name} 'user' 'address' is not a string.")
    elif not is_uri(user["address"]):
        warning("W009", f"The {where} version {name} user address {user['address']!r} should be a URI (mailto: …).")


def _content_path_problems(path: Any, where: str, block: str, error: Report) -> bool:
    """Report an invalid content path (E099/E100); True if it is valid."""
    if not isinstance(path, str) or not path:
        error("E100", f"The {where} {block} has a content path that is not a non-empty string: {path!r}.")
        return False
    ok = True
    if path.startswith("/") or path.endswith("/"):
        error("E100", f"The {where} {block} content path {path!r} begins or ends with '/'.")
        ok = False
    if any(part in ("", ".", "..") for part in path.strip("/").split("/")):
        error("E099", f"The {where} {block} content path {path!r} has an empty, '.' or '..' element.")
        ok = False
    return ok


def _check_manifest(data: dict[str, Any], facts: InventoryFacts, where: str, error: Report) -> None:
    manifest = data.get("manifest")
    if manifest is None:
        return
    if not isinstance(manifest, dict):
        error("E106", f"The {where} 'manifest' is not a JSON object.")
        return
    seen_digests: dict[str, str] = {}
    seen_paths: set[str] = set()
    for digest, paths in manifest.items():
        if facts.digest_algorithm and not is_digest(facts.digest_algorithm, digest):
            error("E025", f"The {where} manifest key {digest!r} is not a {facts.digest_algorithm} digest.")
        normalized = digest.lower()
        if normalized in seen_digests:
            error("E096", f"The {where} manifest has digest {digest!r} twice (differing only in case).")
        seen_digests[normalized] = digest
        if not isinstance(paths, list):
            error("E092", f"The {where} manifest value for {digest!r} is not a list of content paths.")
            continue
        valid: list[str] = []
        for path in paths:
            if not _content_path_problems(path, where, "manifest", error):
                continue
            if path in seen_paths:
                error("E101", f"The {where} manifest lists content path {path!r} more than once.")
                continue
            seen_paths.add(path)
            valid.append(path)
            parts = path.split("/")
            known_version = parts[0] in facts.blocks or parts[0] in (data.get("versions") or {})
            if len(parts) < 3 or not known_version or parts[1] != facts.content_directory:
                error(
                    "E042",
                    f"The {where} manifest content path {path!r} is not inside a version's "
                    f"'{facts.content_directory}' directory.",
                )
        facts.manifest[digest] = valid
        for path in valid:
            facts.content_digests[path] = normalized
    for path in sorted(seen_paths):
        parts = path.split("/")
        for i in range(1, len(parts)):
            if "/".join(parts[:i]) in seen_paths:
                error("E101", f"The {where} manifest uses {'/'.join(parts[:i])!r} as a file and as a directory.")


def _check_states(facts: InventoryFacts, where: str, error: Report, warning: Report) -> None:
    manifest_keys = set(facts.manifest)
    used: set[str] = set()
    for name, block in facts.blocks.items():
        if "state" not in block:
            continue
        state = block["state"]
        if not isinstance(state, dict):
            error("E050", f"The {where} version {name} 'state' is not a JSON object.")
            continue
        logical: dict[str, str] = {}
        for digest, paths in state.items():
            if digest not in manifest_keys:
                hint = (
                    " (the manifest has it in another case)"
                    if digest.lower() in {k.lower() for k in manifest_keys}
                    else ""
                )
                error("E050", f"The {where} version {name} state digest {digest[:16]}… is not in the manifest{hint}.")
            used.add(digest)
            if not isinstance(paths, list):
                error("E050", f"The {where} version {name} state value for {digest[:16]}… is not a list.")
                continue
            for path in paths:
                problem = path_problem(path)
                if problem:
                    code = "E053" if isinstance(path, str) and (path.startswith("/") or path.endswith("/")) else "E052"
                    error(code, f"The {where} version {name} logical path {path!r} {problem}.")
                    continue
                if path in logical:
                    error("E095", f"The {where} version {name} has logical path {path!r} more than once.")
                    continue
                logical[path] = digest.lower()
        for path in sorted(logical):
            parts = path.split("/")
            for i in range(1, len(parts)):
                if "/".join(parts[:i]) in logical:
                    error(
                        "E095", f"The {where} version {name} uses {'/'.join(parts[:i])!r} as a file and as a directory."
                    )
        facts.states[name] = logical
    if facts.blocks and len(facts.blocks) == len(facts.versions):
        unused = sorted(k for k in manifest_keys if k not in used)
        if unused:
            error("E107", f"The {where} manifest has {len(unused)} digest(s) no version state uses: {unused[0][:16]}….")


def _check_fixity(data: dict[str, Any], facts: InventoryFacts, where: str, error: Report) -> None:
    if "fixity" not in data:
        return
    fixity = data["fixity"]
    if not isinstance(fixity, dict):
        error("E111", f"The {where} 'fixity' is not a JSON object.")
        return
    manifest_paths = set(facts.content_digests)
    for algorithm, block in fixity.items():
        if algorithm not in KNOWN_ALGORITHMS:
            error("E056", f"The {where} fixity block uses an unknown digest algorithm {algorithm!r}.")
            continue
        if not isinstance(block, dict):
            error("E057", f"The {where} fixity block for {algorithm} is not a JSON object.")
            continue
        seen: set[str] = set()
        by_path: dict[str, str] = {}
        for digest, paths in block.items():
            if not is_digest(algorithm, digest):
                error("E057", f"The {where} fixity {algorithm} key {digest!r} is not a {algorithm} digest.")
            if digest.lower() in seen:
                error("E097", f"The {where} fixity {algorithm} has digest {digest!r} twice (differing only in case).")
            seen.add(digest.lower())
            if not isinstance(paths, list):
                error("E057", f"The {where} fixity {algorithm} value for {digest!r} is not a list.")
                continue
            for path in paths:
                if not _content_path_problems(path, where, f"fixity {algorithm}", error):
                    continue
                if path not in manifest_paths:
                    error("E057", f"The {where} fixity {algorithm} names {path!r}, which is not in the manifest.")
                    continue
                by_path[path] = digest.lower()
        facts.fixity[algorithm] = by_path
