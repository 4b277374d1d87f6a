"""Issue #16 figure: replication throughput over loopback to a partner node against `rsync` of the same files in
the same run (≥ 50 % of rsync with SM4-GCM, ≥ 80 % with AES-256-GCM).

Two real dangan nodes (tests/replication/nodes.py: `dangan init` + `dangan serve --threads 4` each); this process
is the owner (node0's keys, its own database and storage root holding one preserved package of --files random
files, --mib MiB in all). Each run, on a fresh keeping area at the keeper and a fresh target row here:

- `replicate_package` of the package to a partner target (PartnerStore over the signed node protocol), SM4-GCM
  and AES-256-GCM: every file sealed, sent in signed PUTs, appended and fsynced by the keeper, confirmed by its
  signed receipt, recorded;
- `rsync -a` of the same OCFL object directory to a fresh directory through an rsync daemon on 127.0.0.1
  (`rsync --daemon --no-detach`), the baseline.

    flock /work/bench.lock env PYTHONPATH=$PWD/src .venv/bin/python bench/replication_throughput_bench.py
    ... --mib 256 --files 32 --runs 3 [--profile DIR]   # DIR: cProfile of the owner, perf record of the keeper
                                                        # (one extra run per cipher)

The files are random and in the page cache after the first pass. Walls are medians of --runs; CPU seconds are the
owner's (this process and its threads), the keeper's (its `dangan serve` process, /proc) and rsync's (client and
daemon with its forked children).
"""

from __future__ import annotations

import argparse
import cProfile
import hashlib
import os
import resource
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "bench"))
sys.path.insert(0, str(ROOT))

from common import progress, setup_django, table  # noqa: E402

CLOCK = os.sysconf("SC_CLK_TCK")


def cpu_self() -> float:
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


def cpu_children() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def cpu_of(pid: int, *, reaped: bool = False) -> float:
    """CPU seconds of process ``pid`` (``reaped``: with its children that it has waited for)."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    ticks = int(fields[11]) + int(fields[12])
    if reaped:
        ticks += int(fields[13]) + int(fields[14])
    return ticks / CLOCK


class RsyncDaemon:
    """``rsync --daemon`` on 127.0.0.1 with one writable module ``dest`` at ``root``."""

    def __init__(self, work: Path, root: Path) -> None:
        from tests.replication.nodes import free_port

        self.port = free_port()
        root.mkdir(parents=True, exist_ok=True)
        config = work / "rsyncd.conf"
        config.write_text(
            f"pid file = {work / 'rsyncd.pid'}\nuse chroot = no\nlog file = {work / 'rsyncd.log'}\n"
            f"uid = {os.getuid()}\ngid = {os.getgid()}\n[dest]\n    path = {root}\n    read only = no\n"
        )
        self.process = subprocess.Popen(
            ["rsync", "--daemon", "--no-detach", f"--config={config}", f"--port={self.port}", "--address=127.0.0.1"]
        )
        deadline = time.monotonic() + 30
        while subprocess.run(["rsync", f"rsync://127.0.0.1:{self.port}/"], capture_output=True).returncode != 0:
            if time.monotonic() > deadline:
                raise RuntimeError("rsync daemon did not start")
            time.sleep(0.1)

    def stop(self) -> None:
        self.process.terminate()
        self.process.wait()


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--mib", type=int, default=256)
    parser.add_argument("--files", type=int, default=32)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--ciphers", default="sm4-gcm,aes-256-gcm")
    parser.add_argument("--profile", type=Path, default=None)
    args = parser.parse_args()
    work = Path(tempfile.mkdtemp(prefix="dangan-throughput-bench-"))
    from tests.replication.nodes import start_nodes

    quota = (args.mib + 64) * 1024 * 1024 * 4
    try:
        progress("starting two nodes …")
        with start_nodes(work / "nodes", 2, quota_bytes=quota) as (owner, keeper):
            os.environ["DANGAN_STORAGE_ROOT"] = str(work / "storage")
            os.environ["DANGAN_STORAGE_DURABLE"] = "0"
            os.environ["DANGAN_REPLICATION_HOME"] = str(owner.replication_home)
            setup_django(home=str(work / "home"))
            run(work, owner, keeper, args)
    finally:
        shutil.rmtree(work, ignore_errors=True)


def run(work: Path, owner, keeper, args: argparse.Namespace) -> None:  # type: ignore[no-untyped-def]
    from dangan.catalog.actions.configuration import do_create_fonds, do_ensure_default_categories
    from dangan.catalog.actions.units import do_create_unit
    from dangan.catalog.models import RecordCategory
    from dangan.core.actions.institution import do_ensure_institution
    from dangan.core.actors import CONSOLE
    from dangan.preservation.actions.preserving import do_preserve
    from dangan.preservation.store import storage_root
    from dangan.replication.actions.transfers import replicate_package
    from dangan.replication.crypto.envelope import Encryption, Suite, file_sha256
    from dangan.replication.models import Replica, Target
    from dangan.replication.node import master_key
    from dangan.replication.stores.partner import PartnerStore

    do_ensure_institution(CONSOLE, "GZSDAG", "贵州省档案馆")
    do_ensure_default_categories(CONSOLE)
    fonds = do_create_fonds(CONSOLE, "Z109", "贵州省扶贫开发办公室")
    unit = do_create_unit(
        CONSOLE, fonds, {"title": "基准", "category": RecordCategory.objects.get(code="WS"), "year": 2011}
    )
    sources = work / "sources"
    sources.mkdir()
    for i in range(args.files):
        (sources / f"scan-{i:04d}.bin").write_bytes(os.urandom((args.mib << 20) // args.files))
    progress("preserving …")
    package = do_preserve(CONSOLE, unit, sorted(sources.iterdir())).package
    shutil.rmtree(sources)
    root = storage_root()
    object_dir = Path(root.backend.describe(root.object_path(package.object_id)))
    object_bytes = sum(p.stat().st_size for p in object_dir.rglob("*") if p.is_file())
    mib = object_bytes / (1 << 20)
    partner = keeper.as_partner()
    partner.quota_bytes = 0
    partner.save()  # the Target's foreign key; the keeper's quota is its own row
    store = PartnerStore(partner)
    target = Target.objects.create(name=partner.name, kind="partner", medium="disk", partner=partner)
    keeper_pid = keeper.process.pid
    daemon = RsyncDaemon(work, work / "rsync-dest")
    load = [os.getloadavg()]

    def clear_keeper() -> None:
        for held in list(store.list()):
            store.delete(held.name)

    def rsync_once(n: int) -> tuple[float, float]:
        c0, d0, t0 = cpu_children(), cpu_of(daemon.process.pid, reaped=True), time.perf_counter()
        subprocess.run(["rsync", "-a", f"{object_dir}/", f"rsync://127.0.0.1:{daemon.port}/dest/run-{n}/"], check=True)
        wall = time.perf_counter() - t0
        time.sleep(0.2)  # the daemon reaps its forked child
        cpu = cpu_children() - c0 + cpu_of(daemon.process.pid, reaped=True) - d0
        shutil.rmtree(work / "rsync-dest" / f"run-{n}")
        return wall, cpu

    def replicate_once(cipher: str, n: int, profile: Path | None = None) -> tuple[float, float, float]:
        clear_keeper()
        Replica.objects.filter(target=target).delete()
        Target.objects.filter(pk=target.pk).update(cipher=cipher)
        target.refresh_from_db()
        perf = None
        if profile is not None and shutil.which("perf"):  # the keeper's serve process, sampled (C and Python)
            perf = subprocess.Popen(
                ["perf", "record", "-q", "-F", "499", "-p", str(keeper_pid), "-o", str(profile.with_suffix(".perf"))],
                stdout=subprocess.DEVNULL,
                stderr=subprocess.DEVNULL,
            )
            time.sleep(1)
        k0, c0, t0 = cpu_of(keeper_pid), cpu_self(), time.perf_counter()
        if profile is not None:
            profiler = cProfile.Profile()
            profiler.enable()
        result = replicate_package(package, target, store=store)
        wall = time.perf_counter() - t0
        if profile is not None:
            profiler.disable()
            profiler.dump_stats(profile)
        if perf is not None:
            perf.send_signal(signal.SIGINT)
            perf.wait()
        assert result.envelopes_sent > args.files, result
        return wall, cpu_self() - c0, cpu_of(keeper_pid) - k0

    def seal_only(cipher: str) -> tuple[float, float]:
        """The floor of a transfer: every file of the object sealed (as replicate_package seals it: the content
        checked against its SHA-256, each chunk's and the envelope's SHA-256), three files at once, nothing sent."""
        master = master_key()
        suite = Suite.parse(cipher)
        files = sorted(p for p in object_dir.rglob("*") if p.is_file())

        def seal(path: Path) -> None:
            whole = hashlib.sha256()
            with open(path, "rb") as reader:
                sealing = Encryption(
                    master, reader, object_id=str(package.uuid), content_sha256=file_sha256(path), suite=suite
                )
                for piece in sealing:
                    whole.update(piece)

        c0, t0 = cpu_self(), time.perf_counter()
        with ThreadPoolExecutor(3) as pool:
            list(pool.map(seal, files))
        return time.perf_counter() - t0, cpu_self() - c0

    ciphers = [c for c in args.ciphers.split(",") if c]
    results: dict[str, list[tuple[float, ...]]] = {
        "rsync": [],
        **{c: [] for c in ciphers},
        **{f"seal {c}": [] for c in ciphers},
    }
    try:
        for n in range(args.runs):  # interleaved, so that a change of load hits all alike
            progress(f"run {n + 1}: rsync")
            results["rsync"].append(rsync_once(n))
            for cipher in ciphers:
                progress(f"run {n + 1}: {cipher}")
                results[cipher].append(replicate_once(cipher, n))
                results[f"seal {cipher}"].append(seal_only(cipher))
            load.append(os.getloadavg())
        if args.profile is not None:
            args.profile.mkdir(parents=True, exist_ok=True)
            for cipher in ciphers:
                replicate_once(cipher, 99, args.profile / f"owner-{cipher}.prof")
    finally:
        daemon.stop()

    rsync_wall = statistics.median(w for w, _ in results["rsync"])
    rows = [
        [
            "rsync -a via rsync daemon, 127.0.0.1 (baseline)",
            f"{mib / rsync_wall:.0f}",
            f"{rsync_wall:.2f}",
            f"{statistics.median(c for _, c in results['rsync']):.2f} (client + daemon)",
            "",
            "1.00",
        ]
    ]
    for cipher in ciphers:
        wall = statistics.median(r[0] for r in results[cipher])
        rows.append(
            [
                f"replicate_package to the partner, {cipher}",
                f"{mib / wall:.0f}",
                f"{wall:.2f}",
                f"{statistics.median(r[1] for r in results[cipher]):.2f}",
                f"{statistics.median(r[2] for r in results[cipher]):.2f}",
                f"{rsync_wall / wall:.2f}",
            ]
        )
    for cipher in ciphers:
        wall = statistics.median(r[0] for r in results[f"seal {cipher}"])
        rows.append(
            [
                f"floor: sealing alone, {cipher} (3 files at once, nothing sent)",
                f"{mib / wall:.0f}",
                f"{wall:.2f}",
                f"{statistics.median(r[1] for r in results[f'seal {cipher}']):.2f}",
                "",
                f"{rsync_wall / wall:.2f}",
            ]
        )
    print(f"\nObject: {args.files} files, {mib:.0f} MiB; runs: {args.runs}; cores: {os.cpu_count()}")
    print("load average per run: " + "; ".join(" ".join(f"{x:.2f}" for x in la) for la in load) + "\n")
    print(table(["what", "MiB/s", "wall s (median)", "owner CPU s", "keeper CPU s", "× rsync"], rows))
    for name, samples in results.items():
        print(f"{name}: walls " + ", ".join(f"{s[0]:.2f}" for s in samples))


if __name__ == "__main__":
    main()
