"""The one interface every replication target implements: a flat namespace of envelopes (encrypted files, named
opaquely), written resumably and idempotently, confirmed with a receipt, read by ranges, listed, deleted, and
proven without download where the target can compute (a partner node) or by reading the sampled chunks alone where
it cannot (S3, a folder, discs).

A store never sees plaintext: the replication actions encrypt before ``put`` (crypto.envelope) and decrypt after
``read``. Names are ``[0-9a-z._-]`` path segments joined by ``/``: ``content/<content tag in hex>`` and
``manifests/<content tag in hex>`` (docs/development/replication.md, "Names at a target"); a store refuses others
with ``ValueError``. A store that several owners share keeps each owner apart by its own location (a prefix).
"""

from __future__ import annotations

import re
from abc import ABC, abstractmethod
from collections.abc import Callable, Iterator
from dataclasses import dataclass

from dangan.replication.crypto.envelope import EnvelopeHeader
from dangan.replication.crypto.errors import ReplicationCryptoError
from dangan.replication.crypto.proofs import CopyAnswer, CopyChallenge

__all__ = ["Pieces", "Receipt", "StoreError", "StoredObject", "TargetStore", "Usage", "check_name"]

_NAME = re.compile(r"^[0-9a-z][0-9a-z._-]{0,127}(/[0-9a-z][0-9a-z._-]{0,127}){0,3}$")

#: The bytes of an envelope from ``offset`` on, in pieces of any size (a resumed upload asks from where it stopped).
Pieces = Callable[[int], Iterator[bytes]]


class StoreError(Exception):
    """A target could not do what was asked; the message says what and where, in Chinese, for the operator.
    ``retry`` is true when trying again later may succeed (the target was unreachable, busy or full for now)."""

    def __init__(self, message: str, *, retry: bool = False) -> None:
        super().__init__(message)
        self.retry = retry


def check_name(name: str) -> str:
    if not _NAME.match(name):
        raise ValueError(f"密文对象名称不合规：{name!r}")
    return name


@dataclass(frozen=True)
class StoredObject:
    """An envelope as a target holds it: ``size`` bytes so far, ``complete`` once its writer confirmed all of it."""

    name: str
    size: int
    complete: bool = True


@dataclass(frozen=True)
class Receipt:
    """What a target confirmed it holds, after reading back or hashing what arrived: the whole envelope's size and
    SHA-256. A partner's receipt is also ``signed`` by its node key (``signer``: its fingerprint) over these
    values — evidence, kept with the replica; other targets' receipts are the owner's own check."""

    name: str
    size: int
    sha256: str
    signed: bytes | None = None
    signer: str = ""


@dataclass(frozen=True)
class Usage:
    """Bytes held and, where the target has one (a partner's agreed quota, a disc set's capacity), the limit."""

    used: int
    limit: int | None = None


class TargetStore(ABC):
    """One target's envelopes. Implementations: stores.folder (a local or mounted folder), stores.s3 (an
    S3-compatible store), stores.partner (a paired node, over signed HTTP), stores.discs (Blu-ray disc images)."""

    @abstractmethod
    def describe(self) -> str:
        """Where this is, for messages (a URL, a path, a disc set's label)."""

    @abstractmethod
    def stat(self, name: str) -> StoredObject | None:
        """The envelope named ``name`` as held now, or None."""

    @abstractmethod
    def put(self, name: str, size: int, pieces: Pieces) -> Receipt:
        """Write the envelope ``name`` of ``size`` bytes. Resumable: an incomplete one is continued from the size
        it holds; idempotent: a complete one of the same size is confirmed again without sending it. Raises
        StoreError when the target refuses or fails (``retry`` when it may be tried again)."""

    @abstractmethod
    def read(self, name: str, offset: int = 0, length: int | None = None) -> bytes:
        """Bytes of an envelope from ``offset``: ``length`` of them, fewer at its end, all the rest when ``length``
        is None; FileNotFoundError if it is absent."""

    @abstractmethod
    def list(self, prefix: str = "") -> Iterator[StoredObject]:
        """Every envelope whose name starts with ``prefix``, complete or not, in name order."""

    @abstractmethod
    def delete(self, name: str) -> None:
        """Remove an envelope; absent is not an error."""

    @abstractmethod
    def usage(self) -> Usage: ...

    def prove(self, challenge: CopyChallenge) -> CopyAnswer:
        """Answer ``challenge`` (crypto.proofs.CopyChallenge: sampled chunks by envelope name and index, ranges of
        names to cover whole) over the envelopes held here. A target that computes (a partner) answers itself and
        sends only the digests; this default reads the headers and the sampled chunks through ``read`` (and, for a
        range, every chunk of its envelopes) and computes here."""
        from dangan.replication.crypto.proofs import answer_copy

        return answer_copy(challenge, _StoredCopy(self))


class _StoredCopy:
    """A store's complete envelopes as crypto.proofs.HeldCopy (each one's header read once, by range)."""

    def __init__(self, store: TargetStore) -> None:
        self._store = store
        self._sizes: dict[str, int] = {}
        self._opened: dict[str, _StoredEnvelope | None] = {}

    def names(self, first: str, last: str) -> list[str]:
        prefix = first[
            : next((i for i, (a, b) in enumerate(zip(first, last, strict=False)) if a != b), min(len(first), len(last)))
        ]
        found = []
        for held in self._store.list(prefix):
            if held.complete and first <= held.name <= last:
                self._sizes[held.name] = held.size
                found.append(held.name)
        return sorted(found)

    def open(self, name: str) -> _StoredEnvelope | None:
        if name not in self._opened:
            held: _StoredEnvelope | None = None
            size = self._sizes.get(name)
            if size is None:
                stored = self._store.stat(name)
                size = stored.size if stored is not None and stored.complete else None
            if size is not None:
                try:
                    reader = _RangeReader(self._store, name)
                    header = EnvelopeHeader.read(reader)
                    held = _StoredEnvelope(self._store, name, header, reader.read_so_far, size)
                except (OSError, ReplicationCryptoError):
                    held = None
            self._opened[name] = held
        return self._opened[name]


class _StoredEnvelope:
    """Sealed chunk ``index`` of one stored envelope, read by range; its count from its header and size."""

    def __init__(self, store: TargetStore, name: str, parsed: EnvelopeHeader, header: bytes, size: int) -> None:
        self._store, self._name, self._parsed, self.header = store, name, parsed, header
        self._count = -(-(size - len(header)) // parsed.sealed_chunk_size)

    def __len__(self) -> int:
        return self._count

    def chunk(self, index: int) -> bytes:
        if not 0 <= index < self._count:
            raise IndexError(index)
        try:
            return self._store.read(self._name, self._parsed.chunk_offset(index), self._parsed.sealed_chunk_size)
        except StoreError as exc:
            raise OSError(str(exc)) from None


class _RangeReader:
    """Reads an envelope's bytes in order by ranges (what EnvelopeHeader.read asks of a reader)."""

    def __init__(self, store: TargetStore, name: str) -> None:
        self._store, self._name, self._position = store, name, 0
        self.read_so_far = b""

    def read(self, size: int, /) -> bytes:
        data = self._store.read(self._name, self._position, size)
        self._position += len(data)
        self.read_so_far += data
        return data
