"""Storage layouts: where an object lives under the storage root, given its id. Two OCFL community extensions are
implemented behind one small interface (`StorageLayout`):

- `0003-hash-and-id-n-tuple-storage-layout` (`HashAndIdNTupleLayout`), the layout of new storage roots: n-tuples of
  the sha256 of the object id, then the object id itself, percent-encoded, as the object root's name —
  `0e5/6b3/f4c/urn%3auuid%3a6f1c…`: a person looking at the storage sees which package a directory holds, and
  ocfl-py (and the other OCFL tools) know this layout.
- `0004-hashed-n-tuple-storage-layout` (`HashedNTupleLayout`), the layout of storage roots initialised before: the
  same n-tuples, then the whole digest as the object root's name. Still read and written, so nothing stored breaks.

A storage root names its layout in `ocfl_layout.json` and keeps the parameters in
`extensions/<layout name>/config.json`; `layout_from_config()` turns those two back into a layout.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, ClassVar, Protocol

from dangan.preservation.ocfl.digests import KNOWN_ALGORITHMS, new_hasher


class StorageLayout(Protocol):
    """What the storage root needs of a layout: its extension name and description (for `ocfl_layout.json`), the
    parameters (for its `config.json`), and the mapping from object id to object root path."""

    name: ClassVar[str]
    description: ClassVar[str]

    def object_path(self, object_id: str) -> str:
        """The object root's path relative to the storage root ('/'-separated, no leading '/')."""
        ...

    def config(self) -> dict[str, Any]:
        """The extension's config.json, extensionName included."""
        ...


def _hex_digest(algorithm: str, text: str) -> str:
    hasher = new_hasher(algorithm)
    hasher.update(text.encode("utf-8"))
    return hasher.hexdigest().lower()


def _check_int(name: str, value: Any) -> int:
    # JSON numbers arrive as int; a bool is an int to Python but not a number to JSON.
    if isinstance(value, bool) or not isinstance(value, int) or not 0 <= value <= 32:
        raise ValueError(f"{name} must be an integer between 0 and 32, not {value!r}")
    return value


def _check_tuples(algorithm: str, tuple_size: int, number_of_tuples: int) -> int:
    """Check the parameters both n-tuple layouts share; returns the digest's length in hex characters."""
    # The extensions ask for an algorithm allowed in the OCFL fixity block: the OCFL registry or extension 0001.
    # Not 'size' (no hex digest) and not sm3 (outside both, so other OCFL tools could not follow the layout).
    if algorithm not in KNOWN_ALGORITHMS or algorithm in ("size", "sm3"):
        raise ValueError(f"digestAlgorithm {algorithm!r} is not an OCFL digest algorithm this code knows")
    _check_int("tupleSize", tuple_size)
    _check_int("numberOfTuples", number_of_tuples)
    if (tuple_size == 0) != (number_of_tuples == 0):
        raise ValueError("tupleSize and numberOfTuples must both be 0 or both be positive")
    length = len(_hex_digest(algorithm, ""))
    if tuple_size * number_of_tuples > length:
        raise ValueError(f"tupleSize × numberOfTuples is longer than a {algorithm} digest ({length} characters)")
    return length


def _tuples(digest: str, tuple_size: int, number_of_tuples: int) -> list[str]:
    return [digest[i * tuple_size : (i + 1) * tuple_size] for i in range(number_of_tuples)]


def _expect_name(config: dict[str, Any], name: str) -> None:
    if not isinstance(config, dict):
        raise ValueError(f"a {name} configuration must be a JSON object")
    if config.get("extensionName", name) != name:
        raise ValueError(f"not a {name} configuration: {config.get('extensionName')!r}")


# -- 0003 ---------------------------------------------------------------------------------------------------------

# Characters that stand for themselves in a 0003 object root name; every other character becomes its UTF-8 bytes,
# each written '%' + two lower-case hex digits.
_SAFE = frozenset("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_")
# Longer encoded ids are cut to this many characters, then '-' and the whole digest are appended.
MAX_ENCODED_ID = 100


def encode_object_id(object_id: str) -> str:
    """The object id percent-encoded as extension 0003 asks (before any truncation)."""
    return "".join(c if c in _SAFE else "".join(f"%{b:02x}" for b in c.encode("utf-8")) for c in object_id)


@dataclass(frozen=True, slots=True)
class HashAndIdNTupleLayout:
    """OCFL community extension 0003-hash-and-id-n-tuple-storage-layout
    (https://ocfl.github.io/extensions/0003-hash-and-id-n-tuple-storage-layout.html): the digest of the object id
    (UTF-8), as lower-case hex, split into numberOfTuples directories of tupleSize characters, then the encoded
    object id as the object root's name. An encoded id longer than 100 characters is cut to its first 100 and
    followed by '-' and the whole digest (so distinct long ids never share a directory)."""

    name: ClassVar[str] = "0003-hash-and-id-n-tuple-storage-layout"
    description: ClassVar[str] = (
        "Hashed Truncated N-tuple Trees with Object ID Encapsulating Directory: the digest of the object id, as "
        "lower-case hex, split into n-tuple directories, then the percent-encoded object id as the object root "
        "(https://ocfl.github.io/extensions/0003-hash-and-id-n-tuple-storage-layout.html)."
    )

    digest_algorithm: str = "sha256"
    tuple_size: int = 3
    number_of_tuples: int = 3

    def __post_init__(self) -> None:
        _check_tuples(self.digest_algorithm, self.tuple_size, self.number_of_tuples)

    def object_path(self, object_id: str) -> str:
        digest = _hex_digest(self.digest_algorithm, object_id)
        encoded = encode_object_id(object_id)
        if len(encoded) > MAX_ENCODED_ID:
            encoded = f"{encoded[:MAX_ENCODED_ID]}-{digest}"
        return "/".join([*_tuples(digest, self.tuple_size, self.number_of_tuples), encoded])

    def config(self) -> dict[str, Any]:
        return {
            "extensionName": self.name,
            "digestAlgorithm": self.digest_algorithm,
            "tupleSize": self.tuple_size,
            "numberOfTuples": self.number_of_tuples,
        }

    @classmethod
    def from_config(cls, config: dict[str, Any]) -> HashAndIdNTupleLayout:
        _expect_name(config, cls.name)
        return cls(
            digest_algorithm=config.get("digestAlgorithm", "sha256"),
            tuple_size=config.get("tupleSize", 3),
            number_of_tuples=config.get("numberOfTuples", 3),
        )


# -- 0004 ---------------------------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class HashedNTupleLayout:
    """OCFL community extension 0004-hashed-n-tuple-storage-layout
    (https://ocfl.github.io/extensions/0004-hashed-n-tuple-storage-layout.html): the digest of the object id split
    into n-tuples, then the whole digest (or, with shortObjectRoot, what the tuples left of it) as the object root.
    The layout of storage roots initialised before 0003 became the default."""

    name: ClassVar[str] = "0004-hashed-n-tuple-storage-layout"
    description: ClassVar[str] = (
        "Hashed N-tuple Storage Layout: the sha256 of the object id, as lower-case hex, split into three 3-character "
        "directories, then the whole digest as the object root (https://ocfl.github.io/extensions/"
        "0004-hashed-n-tuple-storage-layout.html)."
    )

    digest_algorithm: str = "sha256"
    tuple_size: int = 3
    number_of_tuples: int = 3
    short_object_root: bool = False

    def __post_init__(self) -> None:
        length = _check_tuples(self.digest_algorithm, self.tuple_size, self.number_of_tuples)
        if self.short_object_root and self.tuple_size * self.number_of_tuples == length:
            raise ValueError("shortObjectRoot needs digest characters left over after the tuples")

    def object_path(self, object_id: str) -> str:
        digest = _hex_digest(self.digest_algorithm, object_id)
        n = self.tuple_size * self.number_of_tuples
        return "/".join(
            [*_tuples(digest, self.tuple_size, self.number_of_tuples), digest[n:] if self.short_object_root else digest]
        )

    def config(self) -> dict[str, Any]:
        return {
            "extensionName": self.name,
            "digestAlgorithm": self.digest_algorithm,
            "tupleSize": self.tuple_size,
            "numberOfTuples": self.number_of_tuples,
            "shortObjectRoot": self.short_object_root,
        }

    @classmethod
    def from_config(cls, config: dict[str, Any]) -> HashedNTupleLayout:
        _expect_name(config, cls.name)
        short = config.get("shortObjectRoot", False)
        if not isinstance(short, bool):
            raise ValueError(f"shortObjectRoot must be true or false, not {short!r}")
        return cls(
            digest_algorithm=config.get("digestAlgorithm", "sha256"),
            tuple_size=config.get("tupleSize", 3),
            number_of_tuples=config.get("numberOfTuples", 3),
            short_object_root=short,
        )


# -- the registry -------------------------------------------------------------------------------------------------

# The layout new storage roots get.
DefaultLayout = HashAndIdNTupleLayout

LAYOUTS: dict[str, type[HashAndIdNTupleLayout] | type[HashedNTupleLayout]] = {
    HashAndIdNTupleLayout.name: HashAndIdNTupleLayout,
    HashedNTupleLayout.name: HashedNTupleLayout,
}


def config_path(name: str) -> str:
    """Where a storage root keeps a layout's parameters."""
    return f"extensions/{name}/config.json"


def layout_from_config(name: str, config: dict[str, Any] | None) -> StorageLayout:
    """The layout a storage root declares: its extension name (from ocfl_layout.json) and its config.json (None when
    the root has none: the extension's defaults). KeyError for a layout this code does not implement, ValueError
    for a bad configuration."""
    cls = LAYOUTS[name]
    return cls() if config is None else cls.from_config(config)
