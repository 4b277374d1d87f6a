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
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass

from dangan.replication.crypto.envelope import EnvelopeHeader
from dangan.replication.crypto.proofs import Answer, Challenge

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

    def prove(self, envelopes: Sequence[tuple[str, int]], challenge: Challenge) -> Answer:
        """Answer ``challenge`` over the sealed chunks of ``envelopes`` — (name, chunk count) pairs from the owner's
        records, numbered as one copy in the given order (crypto.proofs.ConcatenatedChunks); the owner's counts set
        the numbering, so a shortened file cannot shift it. A target that computes (a partner) answers itself and
        sends only the digests; this default reads just the sampled chunks through ``read`` and computes here."""
        from dangan.replication.crypto.proofs import ConcatenatedChunks, answer_challenge

        sources = [_StoredChunks(self, name, count) for name, count in envelopes]
        return answer_challenge(challenge, ConcatenatedChunks(sources))


class _StoredChunks:
    """Sealed chunk ``index`` of one stored envelope, read by range (its header read once, on first use)."""

    def __init__(self, store: TargetStore, name: str, count: int) -> None:
        self._store, self._name, self._count = store, name, count
        self._header: EnvelopeHeader | None = None

    def __len__(self) -> int:
        return self._count

    def chunk(self, index: int) -> bytes:
        if not 0 <= index < self._count:
            raise IndexError(index)
        if self._header is None:
            self._header = EnvelopeHeader.read(_RangeReader(self._store, self._name))
        size = self._header.sealed_chunk_size
        return self._store.read(self._name, self._header.chunk_offset(index), size)


class _RangeReader:
    """Reads an envelope's bytes in order by ranges (what EnvelopeHeader.read asks of a reader)."""

    def __init__(self, store: TargetStore, name: str) -> None:
        self._store, self._name, self._position = store, name, 0

    def read(self, size: int, /) -> bytes:
        data = self._store.read(self._name, self._position, size)
        self._position += len(data)
        return data
