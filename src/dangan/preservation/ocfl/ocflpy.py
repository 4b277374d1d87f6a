"""A second opinion: run ocfl-py's validator (a development dependency, `pip install ocfl-py`) over a storage root or
an object. ocfl-py knows neither the 0004-hashed-n-tuple-storage-layout nor SM3, so they are taught to it first; with
teach=False the only errors it gives on a dangan root are E056 for the sm3 fixity block (see the design note).

    python -m dangan.preservation.ocfl.ocflpy PATH [PATH...] [--strict]
"""

from __future__ import annotations

import argparse
import hashlib
import re
import sys
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from dangan.preservation.ocfl.layout import LAYOUT_DESCRIPTION, LAYOUT_NAME, HashedNTupleLayout

_CODE_RE = re.compile(r"\[([EW]\d{3}[a-z]?)\]")


@dataclass
class OcflPyResult:
    valid: bool
    errors: list[str] = field(default_factory=list)  # ocfl-py's messages, each starting with [Ennn]
    warnings: list[str] = field(default_factory=list)
    objects: int = 0
    good_objects: int = 0

    @property
    def error_codes(self) -> set[str]:
        return {m.group(1) for e in self.errors if (m := _CODE_RE.search(e))}

    @property
    def warning_codes(self) -> set[str]:
        return {m.group(1) for w in self.warnings if (m := _CODE_RE.search(w))}


def _ocfl() -> Any:
    try:
        import ocfl
    except ImportError as exc:  # pragma: no cover - depends on the environment
        raise RuntimeError("ocfl-py is not installed: pip install ocfl-py") from exc
    return ocfl


def teach() -> None:
    """Register the 0004 layout and the SM3 digest with ocfl-py (idempotent)."""
    _ocfl()  # a clear message when ocfl-py is missing
    import ocfl.digest
    import ocfl.layout
    import ocfl.layout_registry
    import ocfl.validator

    if "sm3" not in ocfl.digest.DIGEST_REGEXES:
        ocfl.digest.DIGEST_REGEXES["sm3"] = r"""^[0-9a-fA-F]{64}$"""
        original = ocfl.digest.file_digest

        def file_digest(filename: Any, digest_type: str = "sha512", fs: Any = None) -> str:
            if digest_type == "sm3":
                return str(ocfl.digest._file_digest(fs, filename, hashlib.new("sm3")))
            return str(original(filename, digest_type, fs=fs))

        for module in (ocfl.digest, ocfl.validator, ocfl):
            module.file_digest = file_digest

    if ocfl.layout_registry.layout_is_supported(LAYOUT_NAME):
        return

    class Layout0004(ocfl.layout.Layout):  # type: ignore[misc]
        def __init__(self) -> None:
            super().__init__()
            self.NAME = LAYOUT_NAME
            self.DESCRIPTION = LAYOUT_DESCRIPTION
            self.settings: dict[str, Any] = {}
            self.PARAMS = {
                key: (lambda value, key=key: self.settings.__setitem__(key, value))
                for key in ("digestAlgorithm", "tupleSize", "numberOfTuples", "shortObjectRoot")
            }

        def identifier_to_path(self, identifier: str) -> str:
            config = {k: v for k, v in self.settings.items() if v is not None}
            return HashedNTupleLayout.from_config(config).object_path(identifier)

    ocfl.layout_registry.add_layout(LAYOUT_NAME, Layout0004)


def _split(messages: str) -> tuple[list[str], list[str]]:
    errors: list[str] = []
    warnings: list[str] = []
    for line in messages.splitlines():
        m = _CODE_RE.search(line)
        if m:
            (errors if m.group(1).startswith("E") else warnings).append(line.strip())
    return errors, warnings


def validate_object(path: Path, *, teach_first: bool = True) -> OcflPyResult:
    """ocfl-py's verdict on one object directory, digests checked."""
    ocfl = _ocfl()
    if teach_first:
        teach()
    validator = ocfl.validator.Validator(log_warnings=True, check_digests=True)
    valid = bool(validator.validate_object(str(path)))
    errors, warnings = _split(validator.status_str())
    return OcflPyResult(valid, errors, warnings, 1, int(valid))


def validate_root(path: Path, *, teach_first: bool = True) -> OcflPyResult:
    """ocfl-py's verdict on a storage root and every object in it, digests checked."""
    ocfl = _ocfl()
    if teach_first:
        teach()
    root = ocfl.StorageRoot(root=str(path))
    valid = bool(root.validate(validate_objects=True, check_digests=True, log_warnings=True))
    errors, warnings = _split(root.log.status_str())
    for _dirpath, messages in root.errors:
        e, w = _split(messages)
        errors += e
        warnings += w
    return OcflPyResult(valid and not errors, errors, warnings, root.num_objects, root.good_objects)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m dangan.preservation.ocfl.ocflpy", description=__doc__)
    parser.add_argument("paths", nargs="+", type=Path, help="storage roots (with 0=ocfl_1.1) or object roots")
    parser.add_argument("--strict", action="store_true", help="do not teach ocfl-py the 0004 layout and SM3")
    args = parser.parse_args(argv)
    status = 0
    for path in args.paths:
        is_root = any(p.name.startswith("0=ocfl_1") for p in path.iterdir())
        check = validate_root if is_root else validate_object
        result = check(path, teach_first=not args.strict)
        for line in [*result.errors, *result.warnings]:
            print(f"{path}: {line}")
        print(
            f"{path}: {'valid' if result.valid else 'INVALID'} ({result.good_objects}/{result.objects} objects valid)"
        )
        status |= 0 if result.valid else 1
    return status


if __name__ == "__main__":
    sys.exit(main())
