"""Issue #16 benchmark, part repair: the repair of a 1 GiB object from a partner node over loopback, beside rsync of
that object over loopback in the same run.

One preserved package holding one file of --mib MiB (default 1024, random bytes) is replicated (SM4-GCM, 4 MiB
chunks) to a real partner node (tests/replication/nodes.py: `dangan init` + `dangan serve` on 127.0.0.1); this
process is the owner. Each run flips one byte of the owner's file in its OCFL storage root, lets the real fixity
audit find it (not timed), then times `do_repair`: the keeper's envelope fetched in 8 MiB signed range reads, its
header and every chunk digest checked against the owner's manifest, decrypted (GCM, every chunk authenticated),
the plaintext's SHA-256 checked, written under the storage root's staging area, fsynced and renamed into place, the
object's fixity checked again (SHA-512 of every file), events and register rows. Checked after each run: the
package's fixity status is ok and the file's SHA-256 is the original's.

The baseline: `rsync -a` of the keeper's kept envelope of that file (the same bytes the repair fetches) from an
rsync daemon on 127.0.0.1 (serving the keeper's keeping area) to a fresh local folder — no encryption, no checks.

    flock /work/bench.lock env TMPDIR=/dev/shm PYTHONPATH=$PWD/src .venv/bin/python bench/replication_repair_bench.py

Wall and CPU seconds (this process; rsync's children for the baseline) are medians of --runs.
"""

from __future__ import annotations

import argparse
import hashlib
import os
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "bench"))
sys.path.insert(0, str(ROOT / "src"))
sys.path.insert(0, str(ROOT))

from common import progress, setup_django, table  # noqa: E402


def cpu_self() -> float:
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


def cpu_children() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--mib", type=int, default=1024)
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args()
    work = Path(tempfile.mkdtemp(prefix="dangan-repair-bench-"))
    try:
        os.environ["DANGAN_STORAGE_ROOT"] = str(work / "storage")
        os.environ["DANGAN_STORAGE_DURABLE"] = "0"
        setup_django(home=str(work / "home"))
        run(work, args.mib, args.runs)
    finally:
        shutil.rmtree(work, ignore_errors=True)


def run(work: Path, mib: int, runs: int) -> None:
    from django.conf import settings
    from tests.replication.nodes import free_port, start_nodes

    from dangan.catalog.actions.configuration import do_create_fonds, do_ensure_default_categories
    from dangan.catalog.actions.units import do_create_unit
    from dangan.catalog.models import RecordCategory
    from dangan.core.actions.institution import do_ensure_institution
    from dangan.core.actors import CONSOLE
    from dangan.preservation.actions.auditing import do_audit
    from dangan.preservation.actions.preserving import do_preserve
    from dangan.preservation.choices import FixityStatus
    from dangan.preservation.store import storage_root
    from dangan.replication.actions.repair import do_repair
    from dangan.replication.actions.transfers import replicate_package
    from dangan.replication.models import StoredEnvelope, Target

    size = mib << 20
    progress("starting two nodes …")
    with start_nodes(work / "nodes", 2, quota_bytes=4 * size) as (owner, keeper):
        settings.REPLICATION_HOME = owner.replication_home
        do_ensure_institution(CONSOLE, "GZSDAG", "贵州省档案馆")
        do_ensure_default_categories(CONSOLE)
        fonds = do_create_fonds(CONSOLE, "Z109", "贵州省扶贫开发办公室")
        unit = do_create_unit(
            CONSOLE, fonds, {"title": "基准", "category": RecordCategory.objects.get(code="WS"), "year": 2011}
        )
        source = work / "sources" / "object.bin"
        source.parent.mkdir()
        digest = hashlib.sha256()
        with open(source, "wb") as out:
            for _ in range(mib):
                block = os.urandom(1 << 20)
                digest.update(block)
                out.write(block)
        original = digest.hexdigest()
        progress(f"preserving {mib} MiB …")
        package = do_preserve(CONSOLE, unit, [source]).package
        source.unlink()
        partner = keeper.as_partner()
        partner.save()
        target = Target.objects.create(name=keeper.name, kind="partner", medium="disk", partner=partner)
        progress("replicating to the partner …")
        t0 = time.perf_counter()
        replicate_package(package, target)
        replicate_wall = time.perf_counter() - t0
        row = StoredEnvelope.objects.get(replica__target=target, path__endswith="object.bin")
        kept = keeper.keeping_root / owner.identity["node_id"] / row.name
        assert kept.stat().st_size == row.ciphertext_size

        root = storage_root()
        file = Path(root.backend.describe(root.object_path(package.object_id))) / row.path

        walls, cpus = [], []
        for n in range(runs):
            with open(file, "r+b") as handle:  # one flipped byte in the middle of the owner's file
                handle.seek(size // 2)
                byte = handle.read(1)
                handle.seek(size // 2)
                handle.write(bytes([byte[0] ^ 1]))
            progress(f"run {n + 1}: fixity audit (not timed) …")
            do_audit(CONSOLE)
            package.refresh_from_db()
            assert package.fixity_status == FixityStatus.FAILED
            progress(f"run {n + 1}: repair …")
            c0, t0 = cpu_self(), time.perf_counter()
            report = do_repair(CONSOLE)
            walls.append(time.perf_counter() - t0)
            cpus.append(cpu_self() - c0)
            assert report.ok and [r.what for r in report.repaired] == ["own"], report.as_dict()
            package.refresh_from_db()
            assert package.fixity_status == FixityStatus.OK
            check = hashlib.sha256()
            with open(file, "rb") as handle:
                while block := handle.read(1 << 20):
                    check.update(block)
            assert check.hexdigest() == original

        # rsync daemon on loopback serving the keeper's keeping area.
        port = free_port()
        config = work / "rsyncd.conf"
        config.write_text(
            f"use chroot = no\nuid = root\ngid = root\n[keep]\npath = {keeper.keeping_root}\nread only = yes\n"
        )
        daemon = subprocess.Popen(
            ["rsync", "--daemon", "--no-detach", f"--config={config}", f"--port={port}", "--address=127.0.0.1"]
        )
        try:
            for _ in range(100):
                if subprocess.run(["rsync", f"rsync://127.0.0.1:{port}/"], capture_output=True).returncode == 0:
                    break
                time.sleep(0.1)
            r_walls, r_cpus = [], []
            for n in range(runs):
                dest = work / f"rsync-{n}"
                dest.mkdir()
                c0, t0 = cpu_children(), time.perf_counter()
                subprocess.run(
                    [
                        "rsync",
                        "-a",
                        f"rsync://127.0.0.1:{port}/keep/{owner.identity['node_id']}/{row.name}",
                        f"{dest}/",
                    ],
                    check=True,
                )
                r_walls.append(time.perf_counter() - t0)
                r_cpus.append(cpu_children() - c0)
                assert (dest / row.name.split("/")[-1]).stat().st_size == row.ciphertext_size
                shutil.rmtree(dest)
        finally:
            daemon.terminate()
            daemon.wait()

    wall, rsync_wall = statistics.median(walls), statistics.median(r_walls)
    rows = [
        ["rsync -a from an rsync daemon on 127.0.0.1 (the kept envelope)", rsync_wall, statistics.median(r_cpus), 1.0],
        ["do_repair: own file restored from the partner", wall, statistics.median(cpus), wall / rsync_wall],
    ]
    print(
        f"\nObject: one file of {mib} MiB (envelope {row.ciphertext_size} bytes, SM4-GCM, 4 MiB chunks); "
        f"replication to the partner took {replicate_wall:.1f} s; runs: {runs}; "
        f"repair walls: {[round(w, 1) for w in walls]}; load average: {os.getloadavg()}\n"
    )
    print(table(["what", "wall s (median)", "CPU s (median)", "× rsync"], rows))


if __name__ == "__main__":
    main()
