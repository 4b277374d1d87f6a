"""The shared helpers for batched work (dangan.utilities.parallel, digests, progress), on real threads and files."""

from __future__ import annotations

import hashlib
import threading
import time
from pathlib import Path

import pytest

from dangan.utilities.digests import file_digest, files_digest
from dangan.utilities.parallel import chunks, default_workers, run_parallel
from dangan.utilities.progress import throttled


def test_chunks_cut_a_stream_lazily() -> None:
    taken: list[int] = []

    def numbers() -> object:
        for n in range(7):
            taken.append(n)
            yield n

    stream = chunks(numbers(), 3)  # type: ignore[arg-type]
    assert next(stream) == [0, 1, 2] and taken == [0, 1, 2]
    assert list(stream) == [[3, 4, 5], [6]]
    with pytest.raises(ValueError):
        list(chunks([1], 0))


def test_run_parallel_uses_threads_and_raises_the_first_error() -> None:
    seen: dict[int, str] = {}
    lock = threading.Lock()

    def work(n: int) -> None:
        time.sleep(0.01)
        with lock:
            seen[n] = threading.current_thread().name

    run_parallel(list(range(20)), work, 4, name="batch")
    assert sorted(seen) == list(range(20))
    assert {name.rsplit("-", 1)[0] for name in seen.values()} == {"batch"} and len(set(seen.values())) > 1

    done: list[int] = []

    def fail_on_three(n: int) -> None:
        if n == 3:
            raise OSError("disk went away")
        done.append(n)

    with pytest.raises(OSError, match="disk went away"):
        run_parallel(list(range(50)), fail_on_three, 2)
    assert len(done) < 49  # the others stopped taking items
    one: list[str] = []
    run_parallel([1, 2], lambda n: one.append(threading.current_thread().name), 1)
    assert one == [threading.current_thread().name] * 2  # one worker: the calling thread
    assert 1 <= default_workers(2) <= 2


def test_digests_of_one_file_and_of_several_in_order(tmp_path: Path) -> None:
    first, second = tmp_path / "a", tmp_path / "b"
    first.write_bytes(b"abc" * 500_000)
    second.write_bytes(b"xyz")
    assert file_digest(first) == hashlib.sha256(b"abc" * 500_000).hexdigest()
    assert file_digest(second, "sha512") == hashlib.sha512(b"xyz").hexdigest()
    assert files_digest([first, second]) == hashlib.sha256(b"abc" * 500_000 + b"xyz").hexdigest()
    assert files_digest([second, first]) != files_digest([first, second])


def test_throttled_progress_keeps_the_first_and_the_last_of_each_phase() -> None:
    calls: list[tuple[str, int, int]] = []
    now = [0.0]
    report = throttled(lambda label, done, total: calls.append((label, done, total)), 1.0, clock=lambda: now[0])
    for done in range(10):
        now[0] += 0.3
        report("校验", done, 10)
    report("校验", 10, 10)
    report("识别", 0, 5)
    assert calls[0] == ("校验", 0, 10) and calls[-2] == ("校验", 10, 10) and calls[-1] == ("识别", 0, 5)
    assert len(calls) < 8  # every second at most, not every call
