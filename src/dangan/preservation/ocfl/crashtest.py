"""Kill test of the OCFL writer: a child process writes a version and is killed with SIGKILL at every crash point
(DANGAN_OCFL_CRASH_AT) and after random delays; after each kill the object at its path must be the complete old
object or the complete new one, and after recover() and a rerun the new version must be there exactly once.

    python -m dangan.preservation.ocfl.crashtest run --root /tmp/crash [--random 20] [--files 12]
    python -m dangan.preservation.ocfl.crashtest write --root DIR --version K   (the child; used by 'run')
"""

from __future__ import annotations

import argparse
import os
import random
import shutil
import signal
import subprocess
import sys
import tempfile
import time
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from dangan.preservation.ocfl import crash
from dangan.preservation.ocfl.root import StorageRoot
from dangan.preservation.ocfl.staging import STAGING, TXN_PREFIX
from dangan.preservation.ocfl.validation import validate_object, validate_root
from dangan.preservation.storage.local import LocalFilesystemBackend

OBJECT_ID = "urn:uuid:00000000-0000-4000-8000-00000000c0de"


class ObjectMissing(AssertionError):
    """The object path is empty: only possible in the fallback swap's window between its two renames."""


# -- the package each version writes: deterministic, so the parent knows the old and the new state -----------------


def package(version: int, files: int, size: int) -> tuple[dict[str, bytes], dict[str, bytes]]:
    """(files, metadata) of a version: every third file changes each version, the rest stay (deduplicated); one
    file exists only in odd versions (so versions also remove files)."""
    content = {}
    for i in range(files):
        generation = version if i % 3 == 0 else 0
        seed = f"file {i} generation {generation} ".encode()
        content[f"data/file-{i:03d}.bin"] = (seed * (size // len(seed) + 1))[: size + i]
    if version % 2:
        content["data/odd.txt"] = f"only in odd versions ({version})".encode()
    metadata = {"metadata/mets.xml": f'<mets:mets xmlns:mets="http://www.loc.gov/METS/" LABEL="v{version}"/>'.encode()}
    return content, metadata


def expected_state(version: int, files: int, size: int) -> dict[str, bytes]:
    content, metadata = package(version, files, size)
    return {**content, **metadata}


def write(root_dir: Path, version: int, files: int, size: int, *, exchange: bool = True) -> str:
    """Write package(version) as the next version of the test object (the child process's work)."""
    backend = LocalFilesystemBackend(root_dir)
    if not exchange:
        backend.disable_exchange()
    root = StorageRoot(backend)
    content, metadata = package(version, files, size)
    with tempfile.TemporaryDirectory(prefix="ocfl-crash-src-") as tmp:
        sources = {}
        for logical, data in content.items():
            source = Path(tmp) / logical
            source.parent.mkdir(parents=True, exist_ok=True)
            source.write_bytes(data)
            sources[logical] = source
        result = root.write_version(
            OBJECT_ID,
            sources,
            metadata,
            message=f"crash test version {version}",
            user_name="crash test",
            user_address="mailto:crash@example.org",
        )
    return result.version


# -- checks ---------------------------------------------------------------------------------------------------------


def object_state(root: StorageRoot, object_id: str = OBJECT_ID) -> tuple[str, dict[str, bytes]] | None:
    """(head, logical path → bytes) of the object as it is on storage, or None when there is no object."""
    if not root.backend.exists(root.object_path(object_id)):
        return None
    inventory = root.inventory(object_id)
    state = {}
    for logical in inventory.state():
        with root.open_file(object_id, logical) as f:
            state[logical] = f.read()
    return inventory.head, state


def check_old_or_new(
    root: StorageRoot, old: dict[str, bytes] | None, new: dict[str, bytes], object_id: str = OBJECT_ID
) -> str:
    """'old' or 'new' when the object at its path is complete and valid in one of the two states; else raise."""
    path = root.object_path(object_id)
    found = object_state(root, object_id)
    if found is None:
        if old is None:
            return "old"
        raise ObjectMissing(f"the object at {path} is gone")
    report = validate_object(root.backend, path)
    if not report.valid:
        raise AssertionError(f"the object at {path} is not valid:\n{report}")
    _head, state = found
    if state == new:
        return "new"
    if state == old:
        return "old"
    raise AssertionError(f"the object at {path} is neither the old nor the new version")


def check_after_rerun(root: StorageRoot, version: int, new: dict[str, bytes], object_id: str = OBJECT_ID) -> None:
    """After recover() and a rerun: head is v<version>, there are exactly that many versions, the root is valid, no
    transaction is left in staging and no file has a second (hard) link."""
    inventory = root.inventory(object_id)
    names = inventory.version_names()
    if inventory.head != f"v{version}" or len(names) != version:
        raise AssertionError(f"expected head v{version} and {version} versions, found {inventory.head} and {names}")
    found = object_state(root, object_id)
    if found is None or found[1] != new:
        raise AssertionError("the rerun did not leave the new state")
    report = validate_root(root.backend)
    if not report.valid:
        raise AssertionError(f"the storage root is not valid after recovery:\n{report}")
    leftovers = [e.name for e in root.backend.list_dir(STAGING) if e.name.startswith(TXN_PREFIX)]
    if leftovers:
        raise AssertionError(f"staging still holds {leftovers}")
    base = Path(root.backend.describe())
    for dirpath, _dirs, filenames in os.walk(base):
        if Path(dirpath).is_relative_to(base / "extensions"):
            continue
        for name in filenames:
            if os.lstat(os.path.join(dirpath, name)).st_nlink != 1:
                raise AssertionError(f"{os.path.join(dirpath, name)} still has a hard link (OCFL E090)")


# -- running the child ----------------------------------------------------------------------------------------------


def child_command(root_dir: Path, version: int, files: int, size: int, *, exchange: bool) -> list[str]:
    command = [sys.executable, "-m", "dangan.preservation.ocfl.crashtest", "write", "--root", str(root_dir)]
    command += ["--version", str(version), "--files", str(files), "--size", str(size)]
    return command + ([] if exchange else ["--no-exchange"])


def run_killed(command: list[str], *, crash_at: str | None = None, delay: float | None = None) -> int:
    """Run command; with crash_at it kills itself at that crash point, with delay it is killed after delay seconds.
    Returns the exit status (-9 when killed)."""
    env = dict(os.environ)
    env.pop(crash.ENV, None)
    if crash_at:
        env[crash.ENV] = crash_at
    process = subprocess.Popen(command, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    if delay is not None:
        try:
            process.wait(timeout=delay)
        except subprocess.TimeoutExpired:
            process.send_signal(signal.SIGKILL)
    _out, err = process.communicate(timeout=120)
    if process.returncode not in (0, -signal.SIGKILL):
        raise RuntimeError(f"the writer failed ({process.returncode}): {err.decode(errors='replace')[-2000:]}")
    return process.returncode


@dataclass(frozen=True)
class Scenario:
    step: str  # crash point, or 'random'
    occurrence: int = 1
    version: int = 2  # the version being written (1: the object does not exist yet)
    exchange: bool = True
    delay: float | None = None

    @property
    def label(self) -> str:
        mode = "exchange" if self.exchange else "fallback"
        if self.delay is not None:
            return f"v{self.version} {mode} kill after {self.delay * 1000:.0f} ms"
        return f"v{self.version} {mode} {self.step}:{self.occurrence}"


def scenarios(files: int) -> Iterator[Scenario]:
    """Every crash point, for a first version and for an update, with RENAME_EXCHANGE and with the fallback."""
    for version in (1, 3):
        for exchange in (True, False):
            for step in crash.STEPS:
                if version == 1 and step in ("ocfl.link-file", "ocfl.moved-aside"):
                    continue
                if version > 1 and step == "ocfl.parents-created":
                    continue
                if exchange and step == "ocfl.moved-aside":
                    continue
                if not exchange and version == 1:
                    continue  # a first version never swaps: the fallback changes nothing there
                yield Scenario(step, 1, version, exchange)
                if step == "ocfl.content-file":
                    yield Scenario(step, files, version, exchange)
                if step == "ocfl.link-file":
                    yield Scenario(step, files, version, exchange)


def run_scenario(workdir: Path, scenario: Scenario, files: int, size: int) -> str:
    """Prepare versions 1..k-1, kill the writer of version k, check, recover, rerun, check. Returns 'old' or 'new'."""
    root_dir = workdir / f"root-{uuid.uuid4().hex[:8]}"
    backend = LocalFilesystemBackend(root_dir)
    root = StorageRoot(backend)
    root.initialize()
    for earlier in range(1, scenario.version):
        write(root_dir, earlier, files, size)
    old = expected_state(scenario.version - 1, files, size) if scenario.version > 1 else None
    new = expected_state(scenario.version, files, size)
    command = child_command(root_dir, scenario.version, files, size, exchange=scenario.exchange)
    crash_at = f"{scenario.step}:{scenario.occurrence}" if scenario.delay is None else None
    status = run_killed(command, crash_at=crash_at, delay=scenario.delay)
    if scenario.delay is None and status != -signal.SIGKILL:
        raise AssertionError(f"{scenario.label}: the writer finished without reaching the crash point")
    try:
        outcome = check_old_or_new(root, old, new)
    except ObjectMissing:
        if scenario.exchange:
            raise
        # Without RENAME_EXCHANGE the swap is two renames; recovery must put the old object back.
        root.recover()
        if check_old_or_new(root, old, new) != "old":
            raise AssertionError(f"{scenario.label}: recover() did not restore the old object") from None
        outcome = "missing until recover(), then old"
    report = root.recover()
    if root.recover().changed:
        raise AssertionError(f"{scenario.label}: a second recover() still changed something")
    if report.busy:
        raise AssertionError(f"{scenario.label}: recover() found a live transaction {report.busy}")
    write(root_dir, scenario.version, files, size)  # the rerun
    check_after_rerun(root, scenario.version, new)
    shutil.rmtree(root_dir)
    return outcome


def measure_write(workdir: Path, files: int, size: int) -> float:
    """Seconds a child takes to write version 2 (process start included), to spread the random kills over."""
    root_dir = workdir / "timing"
    StorageRoot(LocalFilesystemBackend(root_dir)).initialize()
    write(root_dir, 1, files, size)
    started = time.perf_counter()
    run_killed(child_command(root_dir, 2, files, size, exchange=True))
    elapsed = time.perf_counter() - started
    shutil.rmtree(root_dir)
    return elapsed


def all_scenarios(workdir: Path, files: int, size: int, random_kills: int, seed: int | None) -> Iterator[Scenario]:
    """Every crash point (see scenarios), then random_kills kills after random delays."""
    yield from scenarios(files)
    if random_kills:
        rng = random.Random(seed)
        duration = measure_write(workdir, files, size)
        for _ in range(random_kills):
            yield Scenario("random", version=2, exchange=rng.random() < 0.7, delay=rng.uniform(0, duration * 1.1))


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m dangan.preservation.ocfl.crashtest", description=__doc__)
    sub = parser.add_subparsers(dest="command", required=True)
    w = sub.add_parser("write", help="write one version (the child process)")
    w.add_argument("--root", type=Path, required=True)
    w.add_argument("--version", type=int, required=True)
    w.add_argument("--files", type=int, default=12)
    w.add_argument("--size", type=int, default=20_000)
    w.add_argument("--no-exchange", action="store_true", help="use the two-rename fallback instead of RENAME_EXCHANGE")
    r = sub.add_parser("run", help="run every kill scenario")
    r.add_argument("--root", type=Path, required=True, help="a scratch directory (one storage root per scenario)")
    r.add_argument("--files", type=int, default=12)
    r.add_argument("--size", type=int, default=20_000)
    r.add_argument("--random", type=int, default=20, help="number of random-delay kills")
    r.add_argument("--seed", type=int, default=None)
    args = parser.parse_args(argv)
    if args.command == "write":
        write(args.root, args.version, args.files, args.size, exchange=not args.no_exchange)
        return 0
    args.root.mkdir(parents=True, exist_ok=True)
    failures = 0
    for scenario in all_scenarios(args.root, args.files, args.size, args.random, args.seed):
        try:
            outcome = run_scenario(args.root, scenario, args.files, args.size)
            print(f"ok    {scenario.label:50s} object after the kill: {outcome}", flush=True)
        except AssertionError as exc:
            failures += 1
            print(f"FAIL  {scenario.label:50s} {exc}", flush=True)
    print("all scenarios passed" if not failures else f"{failures} scenario(s) failed")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
