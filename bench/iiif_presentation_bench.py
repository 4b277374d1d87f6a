"""IIIF Presentation and Content Search benchmark (issue #14): how long a digitized unit's manifest and a search
inside it take over HTTP (Django's test client, the whole view), for a unit of many OCR'd pages with dense vertical
text, against the baseline of reading every page's ALTO back into lines (``parse_alto``), which a manifest (for the
reading direction) or a search would pay without the shortcuts in dangan.digitization.iiif.

    .venv/bin/python bench/iiif_presentation_bench.py            # 300 pages of 40 columns × 30 characters
    .venv/bin/python bench/iiif_presentation_bench.py --quick    # 60 pages

Medians of several requests each; the ratio is baseline / measured (above 1: faster than reading every ALTO).
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench.common import progress, setup_django, table, timed

TEXT = "中华苏维埃共和国临时中央政府布告工农红军北上抗日宣言"  # 26 characters; 苏维埃 on every page


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--quick", action="store_true")
    parser.add_argument("--repeat", type=int, default=7)
    args = parser.parse_args()
    pages = 60 if args.quick else 300
    work = Path(tempfile.mkdtemp(prefix="dangan-iiif-bench-"))

    import os

    os.environ["DANGAN_TASKS"] = "db"  # derivatives are queued, not built: this measures the JSON documents
    setup_django(home=str(work / "home"))
    from django.conf import settings
    from django.core.cache import cache
    from django.test import Client
    from tests.digitization.iiif.pages import column, draw_pages, preserve_masters, store_text
    from tests.helpers import account

    from dangan.catalog.actions.configuration import do_create_fonds, do_ensure_default_categories
    from dangan.catalog.actions.units import do_create_unit
    from dangan.catalog.models import RecordCategory
    from dangan.core.actions.institution import do_ensure_institution
    from dangan.core.actors import CONSOLE
    from dangan.core.choices import Role
    from dangan.digitization.ocr import PageResult, parse_alto
    from dangan.digitization.ocr_text import page_texts

    settings.STORAGE_ROOT = work / "storage"
    settings.STORAGE_DURABLE = False
    settings.ALLOWED_HOSTS = ["*"]
    do_ensure_institution(CONSOLE, "GZSDAG", "贵州省档案馆")
    do_ensure_default_categories(CONSOLE)
    fonds = do_create_fonds(CONSOLE, "Z109", "贵州省扶贫开发办公室")
    unit = do_create_unit(
        CONSOLE, fonds, {"title": "布告汇编", "category": RecordCategory.objects.get(code="WS"), "year": 1934}
    )
    progress(f"preserving {pages} pages …")
    preserve_masters(unit, draw_pages(work / "scans", [(200, 280)] * pages))
    progress("storing their OCR text …")
    for number in range(1, pages + 1):
        lines = [column(f"l{i}", (TEXT * 2)[:30], 2400 - i * 58, 60) for i in range(40)]
        store_text(unit, number, PageResult(2480, 3508, lines, True, "bench"))
    rare = page_texts(unit)[pages // 2]
    rare.text = rare.text.replace("宣言", "遵义")
    rare.save(update_fields=["text"])

    client = Client()
    client.force_login(account(Role.ARCHIVIST))
    manifest_url = f"/iiif/3/manifests/{unit.uuid}"
    search_url = f"/iiif/3/search/{unit.uuid}"

    def get(url: str, **query: str) -> None:
        response = client.get(url, query)
        assert response.status_code == 200, response.status_code

    def median(fn: object, *, cold: bool = False) -> float:
        samples = []
        for _ in range(args.repeat):
            if cold:
                cache.clear()
            samples.append(timed(fn))  # type: ignore[arg-type]
        return statistics.median(samples)

    alto = [row.alto.encode() for row in page_texts(unit)]
    baseline = median(lambda: [parse_alto(a) for a in alto])
    get(manifest_url)  # warm: page sizes cached, code loaded
    rows = [
        ("manifest, page sizes cached", median(lambda: get(manifest_url))),
        ("manifest, cache empty (every master's header read)", median(lambda: get(manifest_url), cold=True)),
        ("search, a word on one page", median(lambda: get(search_url, q="遵义"))),
        ("search, a word on every page", median(lambda: get(search_url, q="苏维埃"))),
    ]
    print(
        f"\n{pages} pages, each 40 columns × 30 characters; baseline: parse_alto of every page ({baseline * 1000:.0f} ms)\n"
    )
    print(
        table(
            ["request", "median ms", "baseline / measured"],
            [(name, seconds * 1000, baseline / seconds) for name, seconds in rows],
        )
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
