"""The checks of one OCFL object directory: declaration, inventories and sidecars, version directories, content
files against manifests, digests against manifests and fixity blocks, agreement between inventories."""

from __future__ import annotations

import json
import re

from dangan.preservation.ocfl.digests import KNOWN_ALGORITHMS, hash_file, new_hasher, run_parallel
from dangan.preservation.ocfl.inventory import INVENTORY, parse_sidecar
from dangan.preservation.ocfl.inventory_check import SPEC_VERSIONS, InventoryFacts, check_inventory
from dangan.preservation.ocfl.report import ValidationReport
from dangan.preservation.storage.backend import Entry, EntryKind, StorageBackend, join

# Extension names published by the OCFL community (https://ocfl.github.io/extensions/); others draw W013.
REGISTERED_EXTENSIONS = frozenset(
    {
        "0001-digest-algorithms",
        "0002-flat-direct-storage-layout",
        "0003-hash-and-id-n-tuple-storage-layout",
        "0004-hashed-n-tuple-storage-layout",
        "0005-mutable-head",
        "0006-flat-omit-prefix-storage-layout",
        "0007-n-tuple-omit-prefix-storage-layout",
        "0008-schema-registry",
        "0009-digest-algorithms",
        "0010-differential-n-tuple-omit-prefix-storage-layout",
        "0011-direct-clean-path-layout",
    }
)

DECLARATION_RE = re.compile(r"^0=ocfl_object_(\d+\.\d+)$")
_VERSION_DIR_RE = re.compile(r"^v\d+$")


class _Version:
    """What one version directory holds."""

    def __init__(self, name: str) -> None:
        self.name = name
        self.facts: InventoryFacts | None = None
        self.raw: bytes | None = None


class ObjectValidator:
    """Validates one object directory; run() returns the report."""

    def __init__(self, backend: StorageBackend, object_path: str, *, check_digests: bool, workers: int | None):
        self.backend = backend
        self.path = object_path
        self.check_digests = check_digests
        self.workers = workers
        self.report = ValidationReport(object_path)
        self.spec = "1.1"
        self.present: set[str] = set()  # every regular file under a version directory (object-relative)
        self.content_files: set[str] = set()  # files under versions' content directories

    def err(self, code: str, message: str) -> None:
        self.report.error(code, message)

    def warn(self, code: str, message: str) -> None:
        self.report.warning(code, message)

    def _p(self, *parts: str) -> str:
        return join(self.path, *parts)

    # -- the whole object ---------------------------------------------------------------------------------------

    def run(self) -> ValidationReport:
        try:
            entries = {e.name: e for e in self.backend.list_dir(self.path)}
        except (FileNotFoundError, NotADirectoryError):
            self.err("E003", f"There is no object at {self.backend.describe(self.path)}: no such directory.")
            return self.report
        self._check_declaration(entries)
        self.report.spec_version = self.spec
        inventory = entries.get(INVENTORY)
        if inventory is None or not inventory.is_file:
            self.err("E063", "The object root has no inventory.json.")
            self._check_root_entries(entries, None, set())
            return self.report
        raw = self.backend.read_bytes(self._p(INVENTORY))
        try:
            data = json.loads(raw)
        except (ValueError, UnicodeDecodeError) as exc:
            self.err("E033", f"The root inventory is not valid JSON: {exc}.")
            return self.report
        facts = check_inventory(data, "root inventory", self.err, self.warn)
        if facts is None:
            return self.report
        self.report.object_id = facts.id
        if facts.spec_version and facts.spec_version != self.spec:
            self.err(
                "E038",
                f"The root inventory type is OCFL {facts.spec_version} but the object declares OCFL {self.spec}.",
            )
        sidecars = self._check_sidecar("", entries, raw, facts.digest_algorithm, "root inventory")
        self._check_root_entries(entries, facts, sidecars)
        versions = self._check_versions(entries, facts, raw)
        self._check_content(facts, versions)
        if self.check_digests:
            self._check_digests(facts, versions)
        return self.report

    def _check_declaration(self, entries: dict[str, Entry]) -> None:
        declarations = [e for e in entries.values() if e.name.startswith("0=")]
        if not declarations:
            self.err("E003", "The object root has no declaration file 0=ocfl_object_1.1.")
            return
        if len(declarations) > 1:
            names = ", ".join(sorted(e.name for e in declarations))
            self.err("E003", f"The object root has more than one declaration file ({names}).")
            return
        declaration = declarations[0]
        m = DECLARATION_RE.match(declaration.name)
        if not m:
            self.err("E004", f"The declaration file {declaration.name!r} is not named 0=ocfl_object_<version>.")
            return
        if m.group(1) not in SPEC_VERSIONS:
            self.err("E006", f"The declaration {declaration.name!r} names an unknown OCFL version {m.group(1)}.")
            return
        self.spec = m.group(1)
        if not declaration.is_file:
            self.err("E003", f"The declaration {declaration.name!r} is not a file.")
            return
        expected = f"ocfl_object_{self.spec}\n".encode()
        if self.backend.read_bytes(self._p(declaration.name)) != expected:
            self.err(
                "E007", f"The declaration file {declaration.name} must contain exactly 'ocfl_object_{self.spec}\\n'."
            )

    def _check_sidecar(
        self, directory: str, entries: dict[str, Entry], raw: bytes, algorithm: str | None, where: str
    ) -> set[str]:
        """Check an inventory's sidecar; return the sidecar file names that belong in the directory."""
        found = {name for name in entries if name.startswith(INVENTORY + ".")}
        if algorithm is None:
            if not found:
                self.err("E058", f"The {where} has no sidecar digest file.")
            return found  # without a usable digestAlgorithm the sidecar cannot be judged
        expected = f"{INVENTORY}.{algorithm}"
        if expected not in entries:
            others = f" (found {', '.join(sorted(found))})" if found else ""
            self.err("E058", f"The {where} has no sidecar {expected}{others}.")
            return set()
        text = self.backend.read_bytes(self._p(directory, expected)).decode("utf-8", "replace")
        recorded = parse_sidecar(text)
        if recorded is None:
            self.err("E061", f"The sidecar {join(directory, expected)} is not of the form '<digest> inventory.json'.")
            return {expected}
        h = new_hasher(algorithm)
        h.update(raw)
        actual = h.hexdigest()
        if recorded.lower() != actual:
            self.err(
                "E060",
                f"The {where} does not match its sidecar {join(directory, expected)}: "
                f"its {algorithm} is {actual[:16]}…, the sidecar records {recorded[:16]}….",
            )
        return {expected}

    def _check_root_entries(self, entries: dict[str, Entry], facts: InventoryFacts | None, sidecars: set[str]) -> None:
        versions = set(facts.versions) if facts else set()
        for entry in entries.values():
            if entry.kind is EntryKind.LINK:
                self.err("E090", f"The object root holds a symbolic link {entry.name!r}; links are not allowed.")
            elif entry.kind is EntryKind.OTHER:
                self.err("E001", f"The object root holds {entry.name!r}, which is neither a file nor a directory.")
            elif entry.is_file:
                if entry.name != INVENTORY and entry.name not in sidecars and not entry.name.startswith("0="):
                    self.err("E001", f"The object root holds an unexpected file {entry.name!r}.")
            elif (
                entry.name in versions or entry.name == "logs" or (facts is None and _VERSION_DIR_RE.match(entry.name))
            ):
                continue
            elif entry.name == "extensions":
                self._check_extensions()
            elif _VERSION_DIR_RE.match(entry.name) and facts is not None:
                self.err(
                    "E046", f"The object root has a version directory {entry.name!r} the root inventory does not list."
                )
            else:
                self.err("E001", f"The object root holds an unexpected directory {entry.name!r}.")
        if facts is None:
            return
        dirs = {e.name for e in entries.values() if e.is_dir}
        for i, version in enumerate(facts.versions):
            if version not in dirs:
                self.err("E046", f"Version {version} is in the root inventory but has no directory.")
                if any(v in dirs for v in facts.versions[i + 1 :]):
                    self.err("E010", f"The version directories skip {version}.")

    def _check_extensions(self) -> None:
        for entry in self.backend.list_dir(self._p("extensions")):
            if not entry.is_dir:
                self.err(
                    "E067", f"The object's extensions directory holds {entry.name!r}; only directories belong there."
                )
            elif entry.name not in REGISTERED_EXTENSIONS:
                self.warn("W013", f"The object's extension directory {entry.name!r} is not a registered extension.")

    # -- versions -----------------------------------------------------------------------------------------------

    def _check_versions(self, entries: dict[str, Entry], facts: InventoryFacts, root_raw: bytes) -> list[_Version]:
        checked: list[_Version] = []
        previous_spec: tuple[str, str] | None = None
        for name in facts.versions:
            entry = entries.get(name)
            if entry is None or not entry.is_dir:
                continue
            version = _Version(name)
            checked.append(version)
            ventries = {e.name: e for e in self.backend.list_dir(self._p(name))}
            sidecars: set[str] = set()
            if INVENTORY not in ventries:
                self.warn("W010", f"Version {name} has no inventory.json (every version should have one).")
            else:
                version.raw = self.backend.read_bytes(self._p(name, INVENTORY))
                sidecars = self._check_version_inventory(version, ventries, facts, root_raw)
                vfacts = version.facts
                if vfacts is not None and vfacts.spec_version:
                    if previous_spec and SPEC_VERSIONS.index(vfacts.spec_version) < SPEC_VERSIONS.index(
                        previous_spec[1]
                    ):
                        self.err(
                            "E103",
                            f"The inventory of {name} is OCFL {vfacts.spec_version}, older than OCFL "
                            f"{previous_spec[1]} of {previous_spec[0]}.",
                        )
                    previous_spec = (name, vfacts.spec_version)
            self._check_version_entries(name, ventries, sidecars, facts.content_directory)
        return checked

    def _check_version_inventory(
        self, version: _Version, ventries: dict[str, Entry], facts: InventoryFacts, root_raw: bytes
    ) -> set[str]:
        name = version.name
        raw = version.raw or b""
        where = f"inventory of {name}"
        if name == facts.head and raw != root_raw:
            self.err("E064", f"The root inventory and the inventory of the head version {name} are not identical.")
        try:
            data = json.loads(raw)
        except (ValueError, UnicodeDecodeError) as exc:
            self.err("E033", f"The {where} is not valid JSON: {exc}.")
            return {n for n in ventries if n.startswith(INVENTORY + ".")}
        if name == facts.head and raw == root_raw:
            vfacts: InventoryFacts | None = facts
        else:
            known = {i.code for i in self.report.warnings}
            collected: list[tuple[str, str]] = []
            vfacts = check_inventory(data, where, self.err, lambda c, m: collected.append((c, m)))
            for code, message in collected:
                if code not in known:  # the same advice about the same version blocks once is enough
                    self.warn(code, message)
        version.facts = vfacts
        algorithm = vfacts.digest_algorithm if vfacts else None
        sidecars = self._check_sidecar(name, ventries, raw, algorithm, where)
        if vfacts is None or vfacts is facts:
            return sidecars
        if vfacts.id is not None and facts.id is not None and vfacts.id != facts.id:
            self.err("E037", f"The {where} has id {vfacts.id!r}, the root inventory {facts.id!r}.")
        head = data.get("head") if isinstance(data, dict) else None
        if head is not None and head != name:
            self.err(
                "E040", f"The {where} has head {head!r}; the inventory in a version directory describes that version."
            )
        if (
            vfacts.content_directory != facts.content_directory
            or vfacts.content_directory_set != facts.content_directory_set
        ):
            self.err(
                "E019",
                f"The {where} has contentDirectory {vfacts.content_directory!r}, the root inventory "
                f"{facts.content_directory!r}; it must be set in v1 and never change.",
            )
        self._compare_with_root(name, vfacts, facts)
        return sidecars

    def _compare_with_root(self, name: str, vfacts: InventoryFacts, facts: InventoryFacts) -> None:
        where = f"inventory of {name}"
        root_paths_by_digest: dict[str, set[str]] = {}
        for path, digest in facts.content_digests.items():
            root_paths_by_digest.setdefault(digest, set()).add(path)
        prior_paths_by_digest: dict[str, set[str]] = {}
        for path, digest in vfacts.content_digests.items():
            prior_paths_by_digest.setdefault(digest, set()).add(path)
        same_algorithm = vfacts.digest_algorithm == facts.digest_algorithm
        for version, prior_state in vfacts.states.items():
            root_state = facts.states.get(version)
            if root_state is None:
                self.err("E066", f"The {where} has version {version}, which the root inventory does not have.")
                continue
            only_prior = sorted(set(prior_state) - set(root_state))
            only_root = sorted(set(root_state) - set(prior_state))
            if only_prior or only_root:
                detail = ", ".join(repr(p) for p in (only_prior + only_root)[:3])
                self.err(
                    "E066",
                    f"Version {version} has different logical paths in the {where} and in the root inventory ({detail}).",
                )
            for path in sorted(set(prior_state) & set(root_state)):
                if same_algorithm:
                    differs = prior_state[path] != root_state[path]
                else:
                    differs = prior_paths_by_digest.get(prior_state[path], set()) != root_paths_by_digest.get(
                        root_state[path], set()
                    )
                if differs:
                    self.err(
                        "E066",
                        f"Version {version} maps {path!r} to different content in the {where} and in the root inventory.",
                    )
            prior_block, root_block = vfacts.blocks.get(version, {}), facts.blocks.get(version, {})
            for key in ("created", "message", "user"):
                if prior_block.get(key) != root_block.get(key):
                    self.warn(
                        "W011", f"Version {version} has a different '{key}' in the {where} and in the root inventory."
                    )
        for path in sorted(set(vfacts.content_digests) - set(facts.content_digests)):
            self.err("E023", f"Content path {path!r} in the {where} manifest is missing from the root manifest.")

    def _check_version_entries(
        self, name: str, ventries: dict[str, Entry], sidecars: set[str], content_directory: str
    ) -> None:
        for entry in ventries.values():
            path = join(name, entry.name)
            if entry.kind is EntryKind.LINK:
                self.err("E090", f"Version {name} holds a symbolic link {entry.name!r}; links are not allowed.")
            elif entry.is_file:
                if entry.name != INVENTORY and entry.name not in sidecars:
                    self.err("E015", f"Version {name} holds a file {entry.name!r} outside its content directory.")
                    self.present.add(path)
            elif entry.kind is EntryKind.OTHER:
                self.err("E015", f"Version {name} holds {entry.name!r}, which is neither a file nor a directory.")
            elif entry.name != content_directory:
                self.warn("W002", f"Version {name} has a directory {entry.name!r} besides its content directory.")
        content = ventries.get(content_directory)
        if content is None or not content.is_dir:
            return
        files = 0
        for dirpath, dirs, others in self.backend.walk(self._p(name, content_directory)):
            relative = dirpath[len(self.path) + 1 :]
            if not dirs and not others and relative != join(name, content_directory):
                self.err("E024", f"The content directory of {name} has an empty directory {relative!r}.")
            for entry in others:
                if entry.kind is EntryKind.LINK:
                    self.err("E090", f"{join(relative, entry.name)!r} is a symbolic link; links are not allowed.")
                    continue
                files += 1
                self.present.add(join(relative, entry.name))
                self.content_files.add(join(relative, entry.name))
        if files == 0:
            self.warn("W003", f"Version {name} has a content directory with no files in it.")

    # -- content ------------------------------------------------------------------------------------------------

    def _check_content(self, facts: InventoryFacts, versions: list[_Version]) -> None:
        for path in sorted(self.content_files - set(facts.content_digests)):
            self.err("E023", f"The file {path!r} is in a content directory but not in the root manifest.")
        # An older version's inventory must also name every content file of its version and the ones before.
        order = {name: i for i, name in enumerate(facts.versions)}
        for version in versions:
            if version.facts is None or version.facts is facts:
                continue
            upto = order[version.name]
            earlier = {p for p in self.content_files if order.get(p.split("/", 1)[0], upto + 1) <= upto}
            for path in sorted(earlier - set(version.facts.content_digests)):
                self.err("E023", f"The file {path!r} is not in the manifest of the inventory of {version.name}.")
        for path in sorted(set(facts.content_digests) - self.present):
            parts = path.split("/")
            if len(parts) < 3 or parts[0] not in facts.blocks or parts[1] != facts.content_directory:
                continue  # already reported as E042: not a place content can be
            self.err("E092", f"The root manifest names {path!r}, but there is no such file.")

    def _check_digests(self, facts: InventoryFacts, versions: list[_Version]) -> None:
        # path → algorithm → [(expected digest, code, which inventory)]
        expected: dict[str, dict[str, list[tuple[str, str, str]]]] = {}

        def expect(source: InventoryFacts, where: str) -> None:
            if source.digest_algorithm:
                for path, digest in source.content_digests.items():
                    expected.setdefault(path, {}).setdefault(source.digest_algorithm, []).append(
                        (digest, "E092", where)
                    )
            for algorithm, by_path in source.fixity.items():
                for path, digest in by_path.items():
                    expected.setdefault(path, {}).setdefault(algorithm, []).append((digest, "E093", where))

        expect(facts, "root inventory")
        for version in versions:
            if version.facts is not None and version.facts is not facts:
                expect(version.facts, f"inventory of {version.name}")
        paths = sorted(p for p in expected if p in self.present)
        jobs = []
        for path in paths:
            algorithms = tuple(a for a in expected[path] if a in KNOWN_ALGORITHMS)
            full = self._p(path)
            jobs.append(lambda p=full, a=algorithms: hash_file(p, backend=self.backend, algorithms=a))
        for path, (_size, actual) in zip(paths, run_parallel(jobs, workers=self.workers), strict=True):
            for algorithm, expectations in expected[path].items():
                reported: set[tuple[str, str]] = set()
                for digest, code, where in expectations:
                    if actual[algorithm].lower() != digest and (code, digest) not in reported:
                        reported.add((code, digest))
                        kind = "manifest" if code == "E092" else "fixity block"
                        self.err(
                            code,
                            f"{path!r} does not match the {where} {kind}: its {algorithm} is "
                            f"{actual[algorithm][:16]}…, the inventory records {digest[:16]}….",
                        )
