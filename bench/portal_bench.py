"""Portal benchmark (issue #15): throughput and latency of the public portal's search and unit pages under 16
concurrent clients, against a bare Django view in the same server and the same run.

1. A catalog of ``--units`` units (default 100,000; search_bench's loader: about half of them 公开 and 开放, so
   visible to the public) is loaded and indexed.
2. A real server is started in a process of its own: waitress, ``--threads`` threads (8, as ``dangan serve``),
   the site's settings with the bench's URLconf (bench/portal_settings.py → bench/portal_urls.py), which adds
   ``/bench/bare/``: a template of a portal page's size rendered without touching the database.
3. Each URL is driven by wrk for ``--seconds`` with 16 connections on loopback, anonymously (or as a reader with
   ``--as reader``); the bare view before the URLs and again after them. A URL template may name ``{unit}`` (a
   random unit the public may see: one of ``--unit-sample``), ``{common}`` (a common term: a place, a topic) or
   ``{rare}`` (a rare term, a handful of planted documents); wrk cycles through the expansions. Throughput
   (req/s), p50 and p95 (wrk's latency histogram) per URL, and its ratio to the bare view's throughput (the mean
   of its two runs). Target: ratio ≥ 0.5 for every portal URL. A URL that does not answer 200 on its warm-up is
   reported as unavailable, not measured.
4. The portal keeps anonymous visitors' search and unit pages (access/page_cache.py). Before the clock, every path
   is asked once (warm-up), as a popular portal's pages are kept when they are asked again; ``--cold`` starts the
   clock with the cache empty (each path is then made once inside the run), ``--no-cache`` runs the server without it.

    .venv/bin/python bench/portal_bench.py                    # 100,000 units, 20 s per URL, the portal's URLs
    .venv/bin/python bench/portal_bench.py --quick            # 10,000 units, 5 s per URL: a smoke run
    .venv/bin/python bench/portal_bench.py --cold             # the page cache empty when the clock starts
    .venv/bin/python bench/portal_bench.py --no-cache         # without the page cache: what every miss costs
    .venv/bin/python bench/portal_bench.py --quick --urls '/api/search?q={common}' '/api/search?q={rare}'
    .venv/bin/python bench/portal_bench.py --database-url postgres://postgres@127.0.0.1:5432/dangan_bench
"""

from __future__ import annotations

import argparse
import http.client
import json
import os
import random
import shutil
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any
from urllib.parse import quote

sys.path.insert(0, str(Path(__file__).resolve().parent))

from common import BENCH_DIR, progress, reset_postgres_database, setup_django, table

DEFAULT_URLS = ["/search/?q={common}", "/search/?q={rare}", "/units/{unit}/"]
BARE = "/bench/bare/"
CONNECTIONS = 16
RATIO_TARGET = 0.5
SERVER_START_SECONDS = 120

WRK_SCRIPT = """
local paths = {%s}
local cookie = "%s"
local counter = 0
request = function()
  counter = counter + 1
  local headers = {}
  if cookie ~= "" then headers["Cookie"] = cookie end
  return wrk.format("GET", paths[(counter %% #paths) + 1], headers)
end
done = function(summary, latency, requests)
  io.write(string.format('WRK {"p50": %%f, "p95": %%f, "p99": %%f, "requests": %%d, "seconds": %%f, "errors": %%d, "non2xx": %%d}\\n',
    latency:percentile(50) / 1000, latency:percentile(95) / 1000, latency:percentile(99) / 1000,
    summary.requests, summary.duration / 1e6,
    summary.errors.connect + summary.errors.read + summary.errors.write + summary.errors.timeout,
    summary.errors.status))
end
"""


# ---------------------------------------------------------------- the server (a process of its own)


def serve(port: int, threads: int) -> int:
    """Run the benchmark's server: the site plus the bare view, waitress with ``threads`` threads."""
    os.environ["DJANGO_SETTINGS_MODULE"] = "portal_settings"
    import logging

    import django

    django.setup()
    from django.contrib.auth.models import AnonymousUser
    from waitress import serve as waitress_serve

    from dangan.search.service import SearchRequest, search
    from dangan.wsgi import application

    # As `dangan serve` does: the segmenter and the index's in-memory columns loaded before the first request.
    search(AnonymousUser(), SearchRequest(q="遵义"))
    # 16 connections on 8 threads queue by design: not worth a warning per request.
    logging.getLogger("waitress.queue").setLevel(logging.ERROR)
    waitress_serve(application, host="127.0.0.1", port=port, threads=threads, ident="dangan-bench")
    return 0


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def start_server(port: int, threads: int) -> subprocess.Popen[bytes]:
    env = dict(os.environ)
    src = str(BENCH_DIR.parent / "src")
    env["PYTHONPATH"] = os.pathsep.join(p for p in (str(BENCH_DIR), src, env.get("PYTHONPATH", "")) if p)
    env["DANGAN_INPROCESS_WORKER"] = "0"
    command = [sys.executable, str(Path(__file__).resolve()), "--serve", str(port), "--threads", str(threads)]
    server = subprocess.Popen(command, env=env)
    deadline = time.monotonic() + SERVER_START_SECONDS
    while time.monotonic() < deadline:
        if server.poll() is not None:
            raise RuntimeError(f"the server exited with {server.returncode}")
        try:
            if get(port, BARE, "")[0] == 200:
                return server
        except OSError:
            pass
        time.sleep(0.5)
    server.terminate()
    raise RuntimeError("the server did not answer in time")


def get(port: int, path: str, cookie: str) -> tuple[int, bytes]:
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
    try:
        connection.request("GET", path, headers={"Cookie": cookie} if cookie else {})
        response = connection.getresponse()
        return response.status, response.read()
    finally:
        connection.close()


# ---------------------------------------------------------------- the catalog and the URLs


def visible_units(sample: int) -> list[str]:
    """UUIDs of ``sample`` random units the public may see."""
    from django.contrib.auth.models import AnonymousUser

    from dangan.catalog.policy import visible_units as policy_visible

    ids = list(policy_visible(AnonymousUser()).values_list("uuid", flat=True))
    rng = random.Random(11)
    return [str(u) for u in rng.sample(ids, min(sample, len(ids)))]


def terms() -> dict[str, list[str]]:
    from search_bench import PLACES, RARE, TOPICS

    common = [*PLACES, *TOPICS, *(f"{p} {t}" for p, t in zip(PLACES, TOPICS, strict=False))]
    rare = [simplified for simplified, _traditional in RARE]
    return {"common": common, "rare": rare}


def expand(template: str, values: dict[str, list[str]]) -> list[str]:
    """The paths of a URL template: one per value of its longest placeholder list, the others cycled."""
    used = [name for name in values if "{" + name + "}" in template]
    if not used:
        return [template]
    count = max(len(values[name]) for name in used)
    return [
        template.format(**{name: quote(values[name][i % len(values[name])], safe="") for name in used})
        for i in range(count)
    ]


def reader_cookie() -> str:
    """A signed-in reader's session (no grant): the public with an account."""
    from django.contrib.sessions.backends.db import SessionStore

    from dangan.core.choices import Role
    from dangan.core.models import User

    user = User.objects.create(username="bench-reader", role=Role.READER, first_name="基准")
    session = SessionStore()
    session.update(
        {
            "_auth_user_id": str(user.pk),
            "_auth_user_hash": user.get_session_auth_hash(),
            "_auth_user_backend": "django.contrib.auth.backends.ModelBackend",
        }
    )
    session.create()
    return f"sessionid={session.session_key}"


def run_wrk(port: int, cookie: str, paths: list[str], seconds: int, work: Path) -> dict[str, Any]:
    shuffled = paths[:]
    random.Random(7).shuffle(shuffled)
    script = work / "paths.lua"
    script.write_text(WRK_SCRIPT % (", ".join(json.dumps(p) for p in shuffled), cookie), encoding="utf-8")
    threads = max(1, min(4, os.cpu_count() or 1))
    command = ["wrk", f"-t{threads}", f"-c{CONNECTIONS}", f"-d{seconds}s", "--timeout", "30s", "-s", str(script)]
    out = subprocess.run([*command, f"http://127.0.0.1:{port}"], capture_output=True, text=True, check=True).stdout
    line = next(line for line in out.splitlines() if line.startswith("WRK "))
    result = dict(json.loads(line[4:]))
    result["rps"] = result["requests"] / result["seconds"] if result["seconds"] else 0.0
    return result


# ---------------------------------------------------------------- the run


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--units", type=int, default=100_000)
    parser.add_argument("--seconds", type=int, default=20, help="wrk's duration per URL")
    parser.add_argument("--threads", type=int, default=8, help="the server's threads (dangan serve: 8)")
    parser.add_argument("--urls", nargs="+", default=DEFAULT_URLS, help="URL templates ({unit}, {common}, {rare})")
    parser.add_argument("--unit-sample", type=int, default=500, help="how many visible units {unit} cycles over")
    parser.add_argument("--as", dest="who", choices=("anonymous", "reader"), default="anonymous")
    parser.add_argument("--database-url", default=None, help="postgres://… (the database is dropped and recreated)")
    parser.add_argument("--quick", action="store_true", help="10,000 units, 5 s per URL")
    parser.add_argument(
        "--cold", action="store_true", help="no warm-up pass: the clock starts with the page cache empty"
    )
    parser.add_argument(
        "--no-cache", action="store_true", help="the server without the portal's page cache (PORTAL_CACHE_SECONDS=0)"
    )
    parser.add_argument("--serve", type=int, default=None, metavar="PORT", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.serve is not None:
        return serve(args.serve, args.threads)
    if args.quick:
        args.units, args.seconds = 10_000, 5
    if shutil.which("wrk") is None:
        print("wrk is not installed (make system-deps)", file=sys.stderr)
        return 2
    work = Path(tempfile.mkdtemp(prefix="dangan-portal-bench-"))
    try:
        return run(args, work)
    finally:
        shutil.rmtree(work, ignore_errors=True)


def run(args: argparse.Namespace, work: Path) -> int:
    from search_bench import load

    os.environ["DANGAN_STORAGE_DURABLE"] = "0"
    if args.database_url:
        reset_postgres_database(args.database_url)
    setup_django(args.database_url, str(work / "home"))
    from django.db import connection

    from dangan.search.service import reindex_all

    progress(f"loading {args.units:,} units into {connection.vendor} …")
    load(args.units)
    progress("indexing …")
    reindex_all()
    values = {"unit": visible_units(args.unit_sample), **terms()}
    cookie = reader_cookie() if args.who == "reader" else ""
    connection.close()  # the server has the database to itself while it is measured

    if args.no_cache:
        os.environ["DANGAN_PORTAL_CACHE_SECONDS"] = "0"
    port = free_port()
    progress(f"starting the server (waitress, {args.threads} threads) on 127.0.0.1:{port} …")
    server = start_server(port, args.threads)
    try:
        plan: list[tuple[str, list[str]]] = [(BARE, [BARE])]
        unavailable: list[tuple[str, int]] = []
        for template in args.urls:
            paths = expand(template, values)
            # Warm-up: the segmenter, the search's arrays and, unless --cold, the portal's page cache (every path once,
            # as a popular portal's pages are already kept when they are asked for again).
            warm = paths[:5] if args.cold else paths
            if not args.cold:
                progress(f"warm-up: {template} ({len(paths)} paths) …")
            statuses = {get(port, path, cookie)[0] for path in warm}
            if statuses != {200}:
                unavailable.append((template, max(statuses)))
                continue
            plan.append((template, paths))
        plan.append((BARE, [BARE]))
        results: list[tuple[str, dict[str, Any]]] = []
        for template, paths in plan:
            progress(f"wrk: {CONNECTIONS} connections, {args.seconds} s: {template} ({len(paths)} paths) …")
            results.append((template, run_wrk(port, cookie, paths, args.seconds, work)))
    finally:
        server.terminate()
        server.wait(timeout=30)

    bare_runs = [r for t, r in results if t == BARE]
    bare_rps = sum(r["rps"] for r in bare_runs) / len(bare_runs)
    rows: list[list[object]] = []
    ok = True
    for index, (template, r) in enumerate(results):
        clean = r["errors"] == 0 and r["non2xx"] == 0
        if template == BARE:
            label = f"{BARE} (bare view, {'first' if index == 0 else 'last'} run)"
            rows.append([label, r["rps"], r["p50"], r["p95"], r["rps"] / bare_rps, "—" if clean else "ERRORS"])
            continue
        ratio = r["rps"] / bare_rps
        met = ratio >= RATIO_TARGET and clean
        ok = ok and met
        verdict = "met" if met else ("ERRORS" if not clean else "MISSED")
        rows.append([template, r["rps"], r["p50"], r["p95"], ratio, verdict])
    for template, status in unavailable:
        rows.append([template, "—", "—", "—", "—", f"unavailable (HTTP {status})"])
        ok = False

    who = "anonymous" if args.who == "anonymous" else "a signed-in reader"
    cache = "page cache off" if args.no_cache else ("page cache empty at the start" if args.cold else "page cache warm")
    print(
        f"\n### Portal — {connection.vendor}, {args.units:,} units, {CONNECTIONS} connections, {args.seconds} s per URL,"
        f" waitress {args.threads} threads, as {who}, {cache}\n"
    )
    headers = ["URL", "req/s", "p50 ms", "p95 ms", "ratio to bare", f"≥ {RATIO_TARGET}"]
    print(table(headers, rows))
    load_average = os.getloadavg()
    print(
        f"\nbare view: {bare_rps:,.0f} req/s (mean of its two runs); load average at the end "
        f"{load_average[0]:.1f} / {load_average[1]:.1f} / {load_average[2]:.1f} on {os.cpu_count()} cores"
    )
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
