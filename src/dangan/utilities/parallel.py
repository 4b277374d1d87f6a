"""Batching work: cutting a stream into chunks, and running a function over items on a few threads.

Apps that do the same thing to many items (catalog rows, preserved packages, files of a package) share these instead
of each writing its own loop of threads. Threads suit this project's work: digests, file copies and database calls
release the GIL.
"""

from __future__ import annotations

import os
import threading
from collections.abc import Callable, Iterable, Iterator, Sequence
from typing import TypeVar

T = TypeVar("T")

__all__ = ["chunks", "default_workers", "run_parallel"]


def chunks(items: Iterable[T], size: int) -> Iterator[list[T]]:
    """``items`` in lists of ``size`` (the last one shorter), read lazily: a generator is never held whole."""
    if size < 1:
        raise ValueError("chunk size must be at least 1")
    batch: list[T] = []
    for item in items:
        batch.append(item)
        if len(batch) == size:
            yield batch
            batch = []
    if batch:
        yield batch


def default_workers(limit: int | None = None) -> int:
    """How many threads to use by default: one per CPU, at most ``limit``."""
    count = os.cpu_count() or 1
    return max(1, min(count, limit) if limit else count)


def run_parallel(
    items: Sequence[T],
    function: Callable[[T], object],
    workers: int,
    *,
    name: str = "dangan-worker",
    close_connections: bool = True,
) -> None:
    """Call ``function`` on every item, on up to ``workers`` threads, in the calling thread when one is enough.

    The first error stops the threads from taking more items and is raised once the others have finished the item
    in hand. Django opens a database connection per thread: each thread closes its own at the end
    (``close_connections``), so none is left open when the work is done.
    """
    if workers <= 1 or len(items) <= 1:
        for item in items:
            function(item)
        return
    source = iter(items)
    take = threading.Lock()
    errors: list[BaseException] = []

    def work() -> None:
        try:
            while not errors:
                with take:
                    try:
                        item = next(source)
                    except StopIteration:
                        return
                try:
                    function(item)
                except BaseException as exc:
                    errors.append(exc)
                    return
        finally:
            if close_connections:
                from django.db import connections

                connections.close_all()

    threads = [threading.Thread(target=work, name=f"{name}-{n}") for n in range(min(workers, len(items)))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    if errors:
        raise errors[0]
