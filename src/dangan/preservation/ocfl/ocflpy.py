"""ocfl-py PATCHED — not the stock validator. Two things stock ocfl-py 2.1 cannot do, for which this module teaches it
in-process (monkey-patching its layout registry and its digest functions):

- validate a storage root initialised before 0003 became our layout: it declares
  0004-hashed-n-tuple-storage-layout, which ocfl-py does not implement (stock ocfl-py stops with E071 on the root;
  each object can still be validated alone);
- re-hash the sm3 fixity digests: with `--lax-digests` stock ocfl-py accepts the sm3 key but, when it checks
  digests, dies with "ValueError: Unsupport digest type sm3"; so the stock check runs with `--no-check-digests`,
  and this module is the way to have ocfl-py's own code re-hash every digest (sha512, sha256 and sm3).

The conformance claim of a storage root rests on the STOCK validator, unpatched, in a process of its own (see
docs/development/preservation-storage.md, "Validation", and tests/preservation/test_ocfl_ocflpy.py):

    ocfl-validate.py --lax-digests --no-check-digests ROOT ROOT/<each object>
    ocfl-root.py validate --root ROOT --lax-digests --validate-objects

This module is a second opinion on top of that:

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

from dangan.preservation.ocfl.layout import HashedNTupleLayout

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
    """Register the 0004 layout and the SM3 digest with ocfl-py, in this process only (idempotent)."""
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

    if ocfl.layout_registry.layout_is_supported(HashedNTupleLayout.name):
        return

    class Layout0004(ocfl.layout.Layout):
        def __init__(self) -> None:
            super().__init__()
            self.NAME = HashedNTupleLayout.name
            self.DESCRIPTION = HashedNTupleLayout.description
            self.settings: dict[str, Any] = {}
            self.PARAMS = {
                key: (lambda value, key=key: self.settings.__setitem__(key, value))
                for key in ("digestAlgorithm", "tupleSize", "numberOfTuples", "shortObjectRoot")
            }

        def identifier_to_path(self, identifier: str) -> str:
            config = {k: v for k, v in self.settings.items() if v is not None}
            return HashedNTupleLayout.from_config(config).object_path(identifier)

    ocfl.layout_registry.add_layout(HashedNTupleLayout.name, Layout0004)


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
    parser.add_argument(
        "--strict",
        action="store_true",
        help="do not teach ocfl-py the 0004 layout and SM3 (stock ocfl-py, strict digests)",
    )
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
