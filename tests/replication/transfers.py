"""Fixtures of the transfers part's tests: this node's keys, folder targets (real folders), preserved packages made
as the preservation tests make them, and store wrappers that inject faults into a real FolderStore."""

from __future__ import annotations

import itertools
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from dangan.core.actors import CONSOLE
from dangan.replication.stores.base import Pieces, Receipt, StoredObject, TargetStore, Usage
from tests.preservation.conftest import PDF, TEXT, make_unit, source_files, storage  # noqa: F401 (fixtures)

__all__ = ["PDF", "TEXT", "Crash", "FailingStore", "RecordingStore"]


@pytest.fixture
def node(settings: Any, tmp_path: Path) -> Any:
    """This node's identity and master key, made as `dangan init` makes them."""
    from dangan.replication.node import ensure_node

    settings.REPLICATION_HOME = tmp_path / "replication"
    settings.REPLICATION_NODE_NAME = "GZ"
    identity, _created = ensure_node()
    return identity


@pytest.fixture
def make_target(tmp_path: Path, db: Any) -> Callable[..., Any]:
    """make_target("nas", medium="disk", site="贵阳") → an enabled folder target on a fresh real folder. Chunks of
    1 KiB so that small test files make envelopes of several chunks."""
    from dangan.replication.models import Target

    def make(name: str, *, medium: str = "disk", site: str = "贵阳", create: bool = True, **fields: Any) -> Any:
        folder = tmp_path / "targets" / name
        if create:
            folder.mkdir(parents=True)
        options = {"chunk_size": 1024, **fields.pop("options", {})}
        return Target.objects.create(
            name=name, kind="folder", medium=medium, site=site, location=str(folder), options=options, **fields
        )

    return make


@pytest.fixture
def preserved(make_unit: Any, source_files: Any, storage: Any) -> Callable[..., Any]:  # noqa: F811
    """preserved({"a.pdf": b"…"}, unit=None, **unit_fields) → the package of a unit preserved with those files."""
    from dangan.preservation.actions.preserving import do_preserve

    def make(files: dict[str, bytes], unit: Any = None, **unit_fields: Any) -> Any:
        unit = unit if unit is not None else make_unit(**unit_fields)
        return do_preserve(CONSOLE, unit, source_files(files), message="接收").package

    return make


class Crash(Exception):
    """The process 'dies' here (raised out of the store, as a kill would stop it)."""


class _Wrapper(TargetStore):
    def __init__(self, inner: TargetStore) -> None:
        self.inner = inner

    def describe(self) -> str:
        return self.inner.describe()

    def stat(self, name: str) -> StoredObject | None:
        return self.inner.stat(name)

    def put(self, name: str, size: int, pieces: Pieces) -> Receipt:
        return self.inner.put(name, size, pieces)

    def read(self, name: str, offset: int = 0, length: int | None = None) -> bytes:
        return self.inner.read(name, offset, length)

    def list(self, prefix: str = "") -> Iterator[StoredObject]:
        return self.inner.list(prefix)

    def delete(self, name: str) -> None:
        self.inner.delete(name)

    def usage(self) -> Usage:
        return self.inner.usage()


class FailingStore(_Wrapper):
    """A real store that fails after ``after`` pieces have been written through it (counted over every put)."""

    def __init__(self, inner: TargetStore, after: int, error: Exception | None = None) -> None:
        super().__init__(inner)
        self.left = after
        self.error = error or Crash("killed mid-transfer")

    def put(self, name: str, size: int, pieces: Pieces) -> Receipt:
        def counted(offset: int) -> Iterator[bytes]:
            for piece in pieces(offset):
                if self.left <= 0:
                    raise self.error
                self.left -= 1
                yield piece

        return self.inner.put(name, size, counted)


class RecordingStore(_Wrapper):
    """A real store that records, for every put, the name and the offset the data was asked from (None: the
    target had the envelope whole, nothing was sent)."""

    def __init__(self, inner: TargetStore) -> None:
        super().__init__(inner)
        self.puts: list[tuple[str, int | None]] = []

    def put(self, name: str, size: int, pieces: Pieces) -> Receipt:
        asked: list[int] = []

        def recorded(offset: int) -> Iterator[bytes]:
            asked.append(offset)
            yield from pieces(offset)

        try:
            return self.inner.put(name, size, recorded)
        finally:
            self.puts.append((name, asked[0] if asked else None))

    @property
    def sent(self) -> list[str]:
        return [name for name, offset in self.puts if offset is not None]


counter = itertools.count(1)
