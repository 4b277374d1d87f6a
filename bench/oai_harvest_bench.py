"""OAI-PMH at scale (issue #18, outreach part oai): harvesting 1,000,000 public units with ListRecords (oai_dc)
through the real endpoint, following resumption tokens, beside a baseline measured in the same run.

    flock /work/bench.lock .venv/bin/python bench/oai_harvest_bench.py                  # 1,000,000 units, SQLite
    flock /work/bench.lock .venv/bin/python bench/oai_harvest_bench.py --units 100000   # a quick run
    flock /work/bench.lock .venv/bin/python bench/oai_harvest_bench.py --database-url postgres://postgres@127.0.0.1:5432/dangan_oai

The units are generated straight into the database (executemany; COPY on PostgreSQL), all 公开 and 开放, items at
the top of one fonds, then given their OAI rows by ``actions.oai.rebuild`` (the migration's INSERT … SELECT).

- **harvest**: GET /oai?verb=ListRecords&metadataPrefix=oai_dc, then every resumptionToken until the last page,
  through Django's whole request path (test client: URL resolution, middleware, the view, the streamed response
  read to its last byte), as the anonymous public — each page's keyset query with the visibility policy.
- **baseline**: one SQL query reading the same rows (the OAI rows joined with their units and fonds, the public's
  rule as a plain WHERE, in datestamp order) and writing them into one document with the same writer
  (``oai_pmh.write_record`` → ``oai_dc.write_dc`` on ``lxml.etree.xmlfile``).

Target: harvest ≥ 1/3 of the baseline's records/s. Peak RSS is the process's high-water mark after each phase.
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import random
import resource
import sys
import time
import uuid
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from common import progress, reset_postgres_database, setup_django, table

COLUMNS = (
    "created",
    "updated",
    "uuid",
    "level",
    "position",
    "child_count",
    "depth",
    "year",
    "retention",
    "organization",
    "item_number",
    "reference_code",
    "former_reference_codes",
    "document_number",
    "responsible",
    "title",
    "date",
    "date_precision",
    "page_count",
    "classification",
    "openness",
    "remarks",
    "extent",
    "physical_location",
    "notes",
    "is_sample",
    "version",
    "disposed",
    "fonds_id",
    "parent_id",
    "import_batch_id",
    "category_id",
)
WORDS = [
    "关于",
    "贵州省",
    "扶贫",
    "开发",
    "工作",
    "报告",
    "通知",
    "批复",
    "会议",
    "纪要",
    "意见",
    "统计",
    "年度",
    "计划",
]


def peak_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def load(total: int) -> None:
    from django.db import connection, transaction

    from dangan.catalog.actions.configuration import do_create_fonds, do_ensure_default_categories
    from dangan.catalog.models import RecordCategory
    from dangan.core.actions.institution import do_ensure_institution
    from dangan.core.actors import CONSOLE

    do_ensure_institution(CONSOLE, "GZSDAG", "贵州省档案馆")
    do_ensure_default_categories(CONSOLE)
    fonds = do_create_fonds(CONSOLE, "Z109", "贵州省扶贫开发办公室")
    category = RecordCategory.objects.get(code="WS")
    rng = random.Random(18)
    base = dt.datetime(2026, 1, 1, tzinfo=dt.UTC)

    def rows():
        for n in range(1, total + 1):
            year = 1950 + n % 70
            when = base + dt.timedelta(seconds=n // 10)  # ten units a second: many share a datestamp
            moment = when.isoformat() if connection.vendor == "postgresql" else when.strftime("%Y-%m-%d %H:%M:%S")
            yield (
                moment,
                moment,
                uuid.UUID(int=rng.getrandbits(128)).hex if connection.vendor != "postgresql" else str(uuid.uuid4()),
                "item",
                n,
                0,
                0,
                year,
                "Y",
                "BGS",
                n,
                f"Z109-WS·{year}-Y-BGS-{n:07d}",
                "[]",
                f"黔扶办发〔{year}〕{n % 300}号",
                "贵州省扶贫开发办公室",
                "".join(rng.sample(WORDS, 5)),
                dt.date(year, 1 + n % 12, 1 + n % 28).isoformat(),
                "day",
                1 + n % 40,
                "public",
                "open",
                "",
                "",
                "",
                "",
                False,
                1,
                False,
                fonds.pk,
                None,
                None,
                category.pk,
            )

    cols = ", ".join(f'"{c}"' for c in COLUMNS)
    start = time.perf_counter()
    with transaction.atomic():
        if connection.vendor == "postgresql":
            raw = connection.connection
            with raw.cursor() as cur, cur.copy(f"COPY catalog_archivalunit ({cols}) FROM STDIN") as copy:
                for n, r in enumerate(rows(), 1):
                    copy.write_row(r)
                    if n % 200_000 == 0:
                        progress(f"  loaded {n:,} units")
        else:
            sql = f"INSERT INTO catalog_archivalunit ({cols}) VALUES ({', '.join('%s' for _ in COLUMNS)})"
            chunk: list[tuple] = []
            with connection.cursor() as cur:
                for n, r in enumerate(rows(), 1):
                    chunk.append(r)
                    if len(chunk) == 50_000:
                        cur.executemany(sql, chunk)
                        chunk.clear()
                    if n % 200_000 == 0:
                        progress(f"  loaded {n:,} units")
                if chunk:
                    cur.executemany(sql, chunk)
    progress(f"  {total:,} units in {time.perf_counter() - start:.1f} s")
    from dangan.outreach.actions.oai import rebuild

    start = time.perf_counter()
    added = rebuild()
    progress(f"  {added:,} OAI rows (rebuild) in {time.perf_counter() - start:.1f} s")
    with connection.cursor() as cur:
        cur.execute("ANALYZE" if connection.vendor == "sqlite" else "VACUUM ANALYZE")


def harvest() -> tuple[int, int, int, float]:
    """ListRecords through the endpoint, every page. Returns (records, pages, bytes, seconds)."""
    import re

    from django.test import Client

    client = Client()
    token_re = re.compile(rb"<resumptionToken[^>]*>([^<]+)</resumptionToken>")
    params: dict[str, str] = {"verb": "ListRecords", "metadataPrefix": "oai_dc"}
    records = pages = size = 0
    start = time.perf_counter()
    while True:
        response = client.get("/oai", params)
        assert response.status_code == 200
        body = b"".join(response.streaming_content)
        assert b"<error" not in body, body[:500]
        pages += 1
        size += len(body)
        records += body.count(b"<record>")
        found = token_re.search(body)
        if found is None:
            break
        params = {"verb": "ListRecords", "resumptionToken": found.group(1).decode()}
        if pages % 200 == 0:
            progress(f"  harvest: {records:,} records, {pages} pages, {time.perf_counter() - start:.1f} s")
    return records, pages, size, time.perf_counter() - start


def baseline() -> tuple[int, int, float]:
    """One query, the same writer. Returns (records, bytes, seconds)."""
    from django.contrib.auth.models import AnonymousUser
    from lxml import etree

    from dangan.outreach.interchange import registry
    from dangan.outreach.interchange.oai_dc import make_site
    from dangan.outreach.interchange.oai_pmh import OAI, repository_id, write_record
    from dangan.outreach.models import OaiRecord

    class Counter:
        size = 0

        def write(self, data: bytes) -> None:
            self.size += len(data)

    fmt = registry.metadata_format("oai_dc")
    assert fmt is not None
    viewer = AnonymousUser()
    site = make_site("http://testserver")
    repository = repository_id()
    sink = Counter()
    start = time.perf_counter()  # (make_site above has loaded the URLs: the harvest's first request does that too)
    rows = (
        OaiRecord.objects.filter(kind="u", unit__classification="public", unit__openness="open", unit__disposed=False)
        .select_related("unit", "fonds")
        .order_by("datestamp", "id")
    )
    n = 0
    with etree.xmlfile(sink, encoding="utf-8") as xf, xf.element(f"{{{OAI}}}ListRecords", nsmap={None: OAI}):
        for row in rows.iterator(chunk_size=5000):
            row.is_live = True
            unit = row.unit
            unit.oai_subjects = []  # the bench's units have none (the harvest asks, one query a page)
            unit.oai_site = site
            unit.fonds = row.fonds
            write_record(xf, row, fmt, viewer, repository)
            n += 1
    return n, sink.size, time.perf_counter() - start


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--units", type=int, default=1_000_000)
    parser.add_argument("--page-size", type=int, default=500)
    parser.add_argument("--database-url", default=os.environ.get("DANGAN_BENCH_DATABASE_URL", ""))
    args = parser.parse_args()
    os.environ["DANGAN_OAI_PAGE_SIZE"] = str(args.page_size)
    if args.database_url:
        reset_postgres_database(args.database_url)
    setup_django(args.database_url or None)
    from django.db import connection
    from django.test.utils import setup_test_environment

    setup_test_environment()  # the test client's host (testserver) is allowed
    progress(f"generating {args.units:,} units …")
    load(args.units)
    rss_load = peak_mb()
    progress("baseline: one query, the same writer …")
    base_n, base_bytes, base_s = baseline()
    rss_base = peak_mb()
    progress("harvest: ListRecords with resumption tokens through /oai …")
    got, pages, got_bytes, got_s = harvest()
    rss_harvest = peak_mb()
    # The machine is shared: the baseline again after the harvest, and the ratio against the faster of the two.
    progress("baseline again …")
    base2_n, base2_bytes, base2_s = baseline()
    base1_s = base_s
    base_s = min(base1_s, base2_s)
    assert got == args.units + 1 and base_n == args.units, (got, base_n)  # the harvest has the fonds' record too
    ratio = (got / got_s) / (base_n / base_s)
    load1 = os.getloadavg()[0]
    print(
        f"\ndatabase: {connection.vendor}; units: {args.units:,}; page size {args.page_size}; "
        f"load average (1 min) at the end: {load1:.2f}; peak RSS after loading {rss_load:.0f} MB"
    )
    print(
        table(
            ["way", "records", "pages", "MB written", "seconds", "records/s", "peak RSS MB"],
            [
                [
                    "baseline: one query + writer (before)",
                    f"{base_n:,}",
                    1,
                    f"{base_bytes / 1e6:.0f}",
                    f"{base1_s:.1f}",
                    f"{base_n / base1_s:,.0f}",
                    f"{rss_base:.0f}",
                ],
                [
                    "baseline: one query + writer (after)",
                    f"{base2_n:,}",
                    1,
                    f"{base2_bytes / 1e6:.0f}",
                    f"{base2_s:.1f}",
                    f"{base2_n / base2_s:,.0f}",
                    f"{peak_mb():.0f}",
                ],
                [
                    "harvest: /oai + tokens",
                    f"{got:,}",
                    pages,
                    f"{got_bytes / 1e6:.0f}",
                    f"{got_s:.1f}",
                    f"{got / got_s:,.0f}",
                    f"{rss_harvest:.0f}",
                ],
            ],
        )
    )
    verdict = "PASS" if ratio >= 1 / 3 else "FAIL"
    print(f"\nharvest / faster baseline = {ratio:.2f} (target ≥ 0.33): {verdict}")
    return 0 if verdict == "PASS" else 1


if __name__ == "__main__":
    sys.exit(main())
