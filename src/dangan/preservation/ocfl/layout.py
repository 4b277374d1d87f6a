"""OCFL community extension 0004-hashed-n-tuple-storage-layout: object id → sha256 → 'abc/def/012/<digest>'."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from typing import Any

from dangan.preservation.ocfl.digests import new_hasher

LAYOUT_NAME = "0004-hashed-n-tuple-storage-layout"
LAYOUT_DESCRIPTION = (
    "Hashed N-tuple Storage Layout: the sha256 of the object id, as lower-case hex, split into three 3-character "
    "directories, then the whole digest as the object root (https://ocfl.github.io/extensions/"
    "0004-hashed-n-tuple-storage-layout.html)."
)


@dataclass(frozen=True, slots=True)
class HashedNTupleLayout:
    digest_algorithm: str = "sha256"
    tuple_size: int = 3
    number_of_tuples: int = 3
    short_object_root: bool = False

    def __post_init__(self) -> None:
        if not (0 <= self.tuple_size <= 32 and 0 <= self.number_of_tuples <= 32):
            raise ValueError("tupleSize and numberOfTuples must be between 0 and 32")
        if (self.tuple_size == 0) != (self.number_of_tuples == 0):
            raise ValueError("tupleSize and numberOfTuples must both be 0 or both be positive")
        length = len(self._digest(""))
        if self.tuple_size * self.number_of_tuples > length:
            raise ValueError("tupleSize × numberOfTuples is longer than the digest")
        if self.short_object_root and self.tuple_size * self.number_of_tuples == length:
            raise ValueError("shortObjectRoot needs digest characters left over after the tuples")

    def _digest(self, object_id: str) -> str:
        if self.digest_algorithm == "sha256":
            return hashlib.sha256(object_id.encode()).hexdigest()
        h = new_hasher(self.digest_algorithm)
        h.update(object_id.encode())
        return h.hexdigest().lower()

    def object_path(self, object_id: str) -> str:
        """The object root's path relative to the storage root."""
        digest = self._digest(object_id)
        n = self.tuple_size * self.number_of_tuples
        tuples = [digest[i : i + self.tuple_size] for i in range(0, n, self.tuple_size)] if n else []
        return "/".join([*tuples, digest[n:] if self.short_object_root else digest])

    def config(self) -> dict[str, Any]:
        return {
            "extensionName": LAYOUT_NAME,
            "digestAlgorithm": self.digest_algorithm,
            "tupleSize": self.tuple_size,
            "numberOfTuples": self.number_of_tuples,
            "shortObjectRoot": self.short_object_root,
        }

    @classmethod
    def from_config(cls, config: dict[str, Any]) -> HashedNTupleLayout:
        if config.get("extensionName", LAYOUT_NAME) != LAYOUT_NAME:
            raise ValueError(f"not a {LAYOUT_NAME} configuration: {config.get('extensionName')!r}")
        return cls(
            digest_algorithm=config.get("digestAlgorithm", "sha256"),
            tuple_size=int(config.get("tupleSize", 3)),
            number_of_tuples=int(config.get("numberOfTuples", 3)),
            short_object_root=bool(config.get("shortObjectRoot", False)),
        )
