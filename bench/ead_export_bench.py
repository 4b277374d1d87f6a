"""EAD3 export of a 1,000,000-unit fonds (issue #18, part ead): constant memory (peak RSS stated) and its rate beside
the baseline — one SQL query reading the same rows (the same columns, the same visibility rule, no hierarchy) and
serializing them, flat, with the same XML writer code (``ead3._unit_elements`` into ``lxml.etree.xmlfile``).

The fonds is the hierarchy benchmark's (100 series → files → items, 90 % 公开, half of them 开放), bulk-loaded with
executemany (SQLite) or COPY (PostgreSQL). Each measurement runs in a child process of its own, which reports its
wall time and its peak RSS (VmHWM); a child that only sets Django up gives the floor of the RSS.

    flock /work/bench.lock .venv/bin/python bench/ead_export_bench.py [--units 1000000] [--database-url postgres://…]
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))

from common import progress, reset_postgres_database, setup_django, table


def _vm_hwm_mib() -> float:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    return float("nan")


def _viewer(name: str) -> Any:
    from django.contrib.auth.models import AnonymousUser

    from dangan.core.actors import CONSOLE

    return CONSOLE if name == "all" else AnonymousUser()


def child(mode: str, viewer_name: str, out: str) -> dict[str, Any]:
    """One measurement (in a process of its own, Django already set up on the loaded database)."""
    from django.db import connection
    from lxml import etree

    from dangan.catalog.models import Fonds
    from dangan.outreach.interchange import ead3

    viewer = _viewer(viewer_name)
    fonds = Fonds.objects.select_related("institution").get(code="Z109")
    start = time.perf_counter()
    units = 0
    if mode == "export":
        units = ead3.export_fonds(fonds, out, viewer).units
    elif mode == "baseline":
        vis, params = ead3._visibility_sql(viewer, "u")
        columns = ", ".join(f"u.{c}" for c in ead3._COLUMNS)
        sql = f"SELECT 0, {columns} FROM catalog_archivalunit u WHERE u.fonds_id = %s AND ({vis}) ORDER BY u.id"
        empty = ead3.BatchExtras({}, {}, set())
        with open(out, "wb") as f, etree.xmlfile(f, encoding="utf-8") as xf, connection.chunked_cursor() as cursor:
            xf.write_declaration()
            with xf.element(ead3._q("ead"), nsmap={None: ead3.EAD_NAMESPACE}), xf.element(ead3._q("dsc")):
                cursor.execute(sql, [fonds.pk, *params])
                while rows := cursor.fetchmany(ead3.BATCH):
                    for r in rows:
                        row = ead3.UnitRow(
                            r[0], r[1], ead3._as_hex(r[2]), r[3], r[4] or "", r[5], ead3._as_date(r[6]),
                            r[7] or "", r[8], r[9] or "", r[10] or "", r[11], r[12], r[13] or "",
                        )  # fmt: skip
                        with xf.element(ead3._q("c"), level=row.level, id=f"u{row.uuid}"):
                            for element in ead3._unit_elements(row, empty, ""):
                                xf.write(element)
                    units += len(rows)
    seconds = time.perf_counter() - start
    size = Path(out).stat().st_size if mode != "floor" else 0
    return {"units": units, "seconds": seconds, "rss_mib": _vm_hwm_mib(), "bytes": size}


def run_child(home: str, database_url: str | None, mode: str, viewer: str, out: Path) -> dict[str, Any]:
    env = {**os.environ, "DANGAN_HOME": home}
    command = [sys.executable, __file__, "--child", mode, "--viewer", viewer, "--out", str(out), "--home", home]
    if database_url:
        command += ["--database-url", database_url]
    done = subprocess.run(command, env=env, check=True, capture_output=True, text=True)
    return dict(json.loads(done.stdout.strip().splitlines()[-1]))


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--units", type=int, default=1_000_000)
    parser.add_argument("--database-url")
    parser.add_argument("--runs", type=int, default=1)
    parser.add_argument("--child", choices=["export", "baseline", "floor"])
    parser.add_argument("--viewer", default="public")
    parser.add_argument("--out", default="")
    parser.add_argument("--home", default="")
    args = parser.parse_args()

    if args.child:
        os.environ["DANGAN_HOME"] = args.home
        if args.database_url:
            os.environ["DANGAN_DATABASE_URL"] = args.database_url
        os.environ.setdefault("DJANGO_SETTINGS_MODULE", "dangan.settings")
        import django

        django.setup()
        print(json.dumps(child(args.child, args.viewer, args.out)))
        return

    home = tempfile.mkdtemp(prefix="dangan-ead-bench-")
    if args.database_url:
        reset_postgres_database(args.database_url)
    setup_django(args.database_url, home)
    import hierarchy_bench

    # The hierarchy benchmark's rows predate the columns ``version`` and ``disposed``: add them.
    original = hierarchy_bench.generate_rows
    hierarchy_bench.COLUMNS = (*hierarchy_bench.COLUMNS, "version", "disposed")

    def generate_rows(*a: Any, **k: Any) -> Any:
        for row in original(*a, **k):
            yield (*row, 1, False)
        # (``original`` sets its ``count`` and ``target_file`` on the module's generate_rows: this one.)

    hierarchy_bench.generate_rows = generate_rows
    progress(f"loading {args.units:,} units …")
    hierarchy_bench.load(args.units)
    from django.db import connections

    connections.close_all()
    out = Path(home) / "Z109.xml"
    floor = run_child(home, args.database_url, "floor", "public", out)
    rows = []
    for viewer in ("all", "public"):
        results: dict[str, list[dict[str, Any]]] = {"export": [], "baseline": []}
        for _ in range(args.runs):
            for mode in ("export", "baseline"):
                progress(f"{mode} as {viewer} …")
                results[mode].append(run_child(home, args.database_url, mode, viewer, out))
        for mode in ("export", "baseline"):
            best = sorted(results[mode], key=lambda r: r["seconds"])[len(results[mode]) // 2]
            rows.append(
                [
                    "EAD3 export (export_fonds)" if mode == "export" else "baseline: one query, flat, same writer",
                    "console (every unit)" if viewer == "all" else "the public",
                    f"{best['units']:,}",
                    best["seconds"],
                    f"{best['units'] / best['seconds']:,.0f}",
                    best["rss_mib"],
                    f"{best['bytes'] / 2**20:,.0f}",
                ]
            )
        export = sorted(r["seconds"] for r in results["export"])[len(results["export"]) // 2]
        baseline = sorted(r["seconds"] for r in results["baseline"])[len(results["baseline"]) // 2]
        rows.append(["ratio export / baseline rate", "", "", "", f"{baseline / export:.2f}", "", ""])
    engine = "PostgreSQL" if args.database_url else "SQLite"
    print(f"\n{engine}, {args.units:,} units; RSS floor (Django set up, nothing exported): {floor['rss_mib']:.1f} MiB")
    print(f"load: {os.getloadavg()}\n")
    headers = ["what", "viewer", "units written", "seconds", "units/s", "peak RSS MiB", "output MiB"]
    print(table(headers, rows))


if __name__ == "__main__":
    main()
