"""Accession benchmark (issue #5): the whole accept path of a SIP of 10,000 files, about 1 GB in mixed formats —
BagIt validation, the four-property check (catalog rows, format identification, readability, ClamAV), three digests
and the OCFL write per item, the catalog rows and the search index — against `bagit.py --validate` on the same bag
in the same run. Targets: ≥ 100 files/s, and within 3× of the baseline.

    .venv/bin/python bench/accession_bench.py               # 10,000 files, ~1 GB
    .venv/bin/python bench/accession_bench.py --quick       # 1,000 files, ~100 MB
    .venv/bin/python bench/accession_bench.py --database-url postgres://postgres@127.0.0.1:5432/dangan_bench_acc

The SIP: scanned documents (JPEG pages), PDF/A documents with a JPEG attachment, OFD documents, multi-page TIFF,
WAV + MP3 recordings and MP4 video, in the dangan SIP profile (目录.xlsx with 电子文件). ClamAV scans with a local
one-signature database (the full signature set cannot be downloaded in the closed network the benchmark runs in; its
start-up, ~20 s to load ~8 M signatures, is not included). SQLite by default; storage durable (fsync) unless
--no-durable.
"""

from __future__ import annotations

import argparse
import os
import random
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from dangan.core.actors import CONSOLE

sys.path.insert(0, str(Path(__file__).resolve().parent))

from common import progress, reset_postgres_database, setup_django, table

FILES_PER_SECOND_TARGET = 100.0
RATIO_TARGET = 3.0


def build_sip(base: Path, files: int, total_bytes: int, seed: int = 5) -> tuple[Path, int, int]:
    """Write the package folder; returns (folder, items, files)."""
    from dangan.accession.samples import (
        SampleItem,
        catalog_rows,
        image_bytes,
        mp3_bytes,
        mp4_bytes,
        ofd_bytes,
        pdf_bytes,
        wav_bytes,
        write_catalog,
    )

    rng = random.Random(seed)
    mean = total_bytes / files
    scale = 0.4 * mean / 100_000  # sizes below give about 250 KB per file at scale 1

    folder = base / "sip"
    items: list[SampleItem] = []
    written = 0
    number = 0
    kinds = ("scan", "scan", "pdf", "pdf", "ofd", "tiff", "audio", "video")
    while written < files:
        number += 1
        kind = kinds[number % len(kinds)]
        prefix = f"content/{number:05d}"
        contents: dict[str, bytes] = {}
        pages: int | None = None
        if kind == "scan":
            pages = min(files - written, rng.randint(6, 14))
            side = int(300 * scale**0.5)
            for p in range(pages):
                contents[f"{prefix}/{p + 1:03d}.jpg"] = image_bytes(
                    "JPEG", (side, int(side * 1.4)), seed=number * 100 + p
                )
        elif kind == "pdf":
            contents[f"{prefix}/正文.pdf"] = pdf_bytes(3, padding=int(250_000 * scale), text=f"doc {number}")
            contents[f"{prefix}/附件.jpg"] = image_bytes("JPEG", (200, 280), seed=number)
            pages = 4
        elif kind == "ofd":
            contents[f"{prefix}/正文.ofd"] = ofd_bytes(2)
            contents[f"{prefix}/附件.jpg"] = image_bytes("JPEG", (220, 300), seed=number)
            pages = 3
        elif kind == "tiff":
            side = int(160 * scale**0.5)
            contents[f"{prefix}/p1.tif"] = image_bytes("TIFF", (side, side), seed=number, frames=2)
            contents[f"{prefix}/p2.tif"] = image_bytes("TIFF", (side, side), seed=number + 1, frames=2)
            pages = 4
        elif kind == "audio":
            contents[f"{prefix}/录音.wav"] = wav_bytes(seconds=25 * scale, rate=8000)
            contents[f"{prefix}/录音.mp3"] = mp3_bytes(frames=int(400 * scale) + 1)
        else:
            contents[f"{prefix}/录像.mp4"] = mp4_bytes(payload=int(2_500_000 * scale))
        contents = dict(list(contents.items())[: files - written])
        if kind in ("pdf", "ofd", "tiff") and len(contents) < 2:
            pages = None
        items.append(SampleItem(f"遵义县扶贫开发办公室关于第{number}批项目的请示", contents, number, pages))
        written += len(contents)
    for item in items:
        for rel, data in item.files.items():
            path = folder / rel
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_bytes(data)
    write_catalog(folder / "metadata" / "目录.xlsx", catalog_rows(items, "Z109"))
    return folder, len(items), written


def baseline(bag: Path, processes: int = 1) -> float:
    command = [sys.executable, "-m", "bagit", "--validate", "--processes", str(processes), str(bag)]
    started = time.perf_counter()
    subprocess.run(command, check=True, capture_output=True)
    return time.perf_counter() - started


def floors(bag: Path) -> tuple[float, float]:
    """Two things the accept path must do, each alone over the same payload: the virus scan (as the check runs it)
    and the OCFL digests (SHA-512, SHA-256, SM3 from one read, as the writer computes them, without the copy)."""
    from dangan.accession.clamav import scan_files
    from dangan.preservation.ocfl.digests import digest_file, run_parallel

    files = sorted(p for p in (bag / "data").rglob("*") if p.is_file())
    started = time.perf_counter()
    scan = scan_files(files)
    scan_seconds = time.perf_counter() - started
    if not scan.performed:
        raise SystemExit(f"ClamAV did not run: {scan.reason}")
    started = time.perf_counter()
    run_parallel([lambda p=p: digest_file(p) for p in files])
    return scan_seconds, time.perf_counter() - started


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--quick", action="store_true")
    parser.add_argument("--files", type=int, default=None)
    parser.add_argument("--megabytes", type=int, default=None)
    parser.add_argument("--database-url", default=None)
    parser.add_argument("--no-durable", action="store_true")
    parser.add_argument("--workers", type=int, default=None)
    args = parser.parse_args()
    files = args.files or (1_000 if args.quick else 10_000)
    megabytes = args.megabytes or (100 if args.quick else 1_000)
    work = Path(tempfile.mkdtemp(prefix="dangan-accession-bench-"))
    os.environ["DANGAN_STORAGE_DURABLE"] = "0" if args.no_durable else "1"
    os.environ["DANGAN_CLAMAV_DB"] = str(work / "clamav")
    os.environ["DANGAN_LOG_LEVEL"] = "WARNING"
    if args.database_url:
        reset_postgres_database(args.database_url)
    try:
        setup_django(args.database_url, home=str(work / "home"))
        from dangan.accession.actions.ingest import ingest
        from dangan.accession.bagit import make_bag
        from dangan.accession.samples import write_eicar_signature
        from dangan.catalog.actions.configuration import do_create_fonds, do_ensure_default_categories
        from dangan.catalog.models import ArchivalUnit
        from dangan.core.actions.institution import do_ensure_institution
        from dangan.preservation.models import PreservedPackage
        from dangan.search.service import SearchRequest, search

        write_eicar_signature(work / "clamav")
        do_ensure_institution(CONSOLE, "BENCH", "基准测试档案馆")
        do_ensure_default_categories(CONSOLE)
        do_create_fonds(CONSOLE, "Z109", "贵州省扶贫开发办公室")
        progress(f"building a SIP of {files} files, ~{megabytes} MB …")
        folder, item_count, file_count = build_sip(work, files, megabytes << 20)
        bag = make_bag(
            folder,
            info={"Source-Organization": "贵州省扶贫开发办公室", "Fonds-Code": "Z109", "Item-Count": str(item_count)},
        )
        payload = sum(p.stat().st_size for p in (bag / "data").rglob("*") if p.is_file())
        subprocess.run(
            ["cat", *map(str, (bag / "data").rglob("*.jpg"))], stdout=subprocess.DEVNULL, check=False
        )  # warm the cache
        progress("baseline: bagit.py --validate …")
        base_1 = baseline(bag, 1)
        base_2 = baseline(bag, 2)
        progress("parts the accept path cannot do without, alone …")
        floor_scan, floor_digests = floors(bag)
        progress("dangan ingest (receive, check, accept) …")
        started = time.perf_counter()
        result = ingest(bag, fonds_code="Z109", workers=args.workers)
        seconds = time.perf_counter() - started
        if result.status != "accepted":
            failed = [
                (i["code"], i["evidence"][:3]) for i in (result.report or {}).get("items", []) if i["result"] == "fail"
            ]
            print(f"NOT ACCEPTED: {result.message} {failed}", file=sys.stderr)
            return 1
        facts = result.report["facts"]["seconds"]
        check_total = facts["total"]
        units = ArchivalUnit.objects.count()
        packages = PreservedPackage.objects.count()
        hits = search(CONSOLE, SearchRequest(q="扶贫开发办公室")).total
        rate = (file_count + 1) / seconds
        ratio = seconds / base_1
        rows = [
            ["bagit.py --validate (baseline, 1 process)", f"{base_1:.1f}", f"{(file_count + 1) / base_1:,.0f}", "1.0×"],
            [
                "bagit.py --validate --processes 2",
                f"{base_2:.1f}",
                f"{(file_count + 1) / base_2:,.0f}",
                f"{base_2 / base_1:.2f}×",
            ],
            [
                "alone: ClamAV over the payload (1 process per CPU)",
                f"{floor_scan:.1f}",
                f"{(file_count + 1) / floor_scan:,.0f}",
                f"{floor_scan / base_1:.2f}×",
            ],
            [
                "alone: SHA-512 + SHA-256 + SM3 of the payload (one read, 1 file per CPU)",
                f"{floor_digests:.1f}",
                f"{(file_count + 1) / floor_digests:,.0f}",
                f"{floor_digests / base_1:.2f}×",
            ],
            ["dangan: BagIt validation (inside the check)", f"{facts.get('bagit', 0):.1f}", "", ""],
            ["dangan: catalog rows checked", f"{facts.get('catalog', 0):.1f}", "", ""],
            ["dangan: format identification + readability", f"{facts.get('content', 0):.1f}", "", ""],
            ["dangan: ClamAV (beside the above; waited after)", f"{facts.get('virus', 0):.1f}", "", ""],
            [
                "dangan: four-property check, total",
                f"{check_total:.1f}",
                f"{(file_count + 1) / check_total:,.0f}",
                f"{check_total / base_1:.2f}×",
            ],
            [
                "dangan: accept (catalog, search index, OCFL with 3 digests per item)",
                f"{seconds - check_total:.1f}",
                "",
                "",
            ],
            ["**dangan ingest, whole accept path**", f"**{seconds:.1f}**", f"**{rate:,.0f}**", f"**{ratio:.2f}×**"],
        ]
        print(
            f"\nSIP: {file_count + 1:,} files ({file_count:,} content + the catalog), {payload / 1e6:,.0f} MB, {item_count:,} items; "
            f"{'PostgreSQL' if args.database_url else 'SQLite'}, storage {'not ' if args.no_durable else ''}durable, "
            f"{os.cpu_count()} CPUs\n"
        )
        print(table(["step", "seconds", "files/s", "vs baseline"], rows))
        print(f"\ncatalog units {units:,}, packages {packages:,}, search hits {hits:,}")
        verdict_rate = "PASS" if rate >= FILES_PER_SECOND_TARGET else "FAIL"
        verdict_ratio = "PASS" if ratio <= RATIO_TARGET else "FAIL"
        print(
            f"target ≥ {FILES_PER_SECOND_TARGET:.0f} files/s: {rate:,.0f} {verdict_rate}; target ≤ {RATIO_TARGET:.0f}× bagit.py: {ratio:.2f}× {verdict_ratio}"
        )
        return 0
    finally:
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
