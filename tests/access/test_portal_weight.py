"""The portal's page weight and its queries.

Weight: the HTML of the home, search and unit pages plus every stylesheet and script they load (the files as
served, uncompressed) stays under 300 KB. Not counted: images (the page images come tile by tile from the IIIF
Image API) and OpenSeadragon (~350 KB), which the unit page loads only when its page images come into view
(access/portal.js, ``data-lazy-viewer``). The viewer's own script and stylesheet are counted.

Queries: the search and unit pages cost the same number of queries for 3 units as for 30 (no query per hit, per
child or per fonds), within a fixed bound.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest
from django.conf import settings
from django.contrib.staticfiles import finders
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from dangan.catalog.actions.units import do_create_unit
from dangan.catalog.choices import UnitLevel
from dangan.core.actors import CONSOLE
from tests.digitization.iiif.pages import draw_pages, preserve_masters

BUDGET = 300 * 1024
LAZY_AND_NOT_COUNTED = ("vendor/openseadragon/",)


@pytest.fixture
def storage(settings: Any, tmp_path: Path) -> Any:
    from dangan.preservation.store import storage_root

    settings.STORAGE_ROOT = tmp_path / "storage"
    settings.STORAGE_DURABLE = False
    settings.DERIVATIVES_ROOT = tmp_path / "derivatives"
    return storage_root()


def _static_size(url: str) -> int:
    name = url.split("?")[0].removeprefix(settings.STATIC_URL)
    found = finders.find(name)
    assert found, f"{url} is not a static file"
    return Path(str(found)).stat().st_size


def page_weight(client: Client, url: str) -> tuple[int, dict[str, int]]:
    """The page's HTML and what it loads (stylesheets, scripts, scripts it loads later), as {url: bytes}."""
    response = client.get(url)
    assert response.status_code == 200, url
    html = response.content.decode()
    parts = {url: len(response.content)}
    assets = re.findall(r'<link rel="stylesheet" href="([^"]+)"', html)
    assets += re.findall(r'<script src="([^"]+)"', html)
    for later in re.findall(r'data-scripts="([^"]+)"', html):
        assets += later.split()
    for asset in assets:
        if not any(skip in asset for skip in LAZY_AND_NOT_COUNTED):
            parts[asset] = _static_size(asset)
    return sum(parts.values()), parts


@pytest.fixture
def portal_catalog(make_unit: Any, storage: Any, tmp_path: Path) -> Any:
    units = [make_unit(f"关于扶贫开发工作的通知（第{n}号）", openness="open") for n in range(25)]
    digitized = units[0]
    preserve_masters(digitized, draw_pages(tmp_path / "scans", [(300, 420), (320, 400)]))
    return digitized


def test_home_search_and_unit_pages_weigh_under_300_kb(client: Client, portal_catalog: Any) -> None:
    for url in ("/", "/search/?q=扶贫", f"/units/{portal_catalog.uuid}/"):
        total, parts = page_weight(client, url)
        assert total < BUDGET, (url, total, parts)
    # The unit page shows its images, and OpenSeadragon is what it leaves out until they are in view.
    html = client.get(f"/units/{portal_catalog.uuid}/").content.decode()
    assert "data-iiif-viewer" in html and "data-lazy-viewer" in html
    assert '<script src="/static/vendor/openseadragon' not in html


def _queries(client: Client, url: str) -> int:
    with CaptureQueriesContext(connection) as captured:
        assert client.get(url).status_code == 200
    return len(captured)


def test_search_and_unit_pages_make_no_query_per_row(
    client: Client, make_unit: Any, fonds: Any, categories: Any, django_assert_max_num_queries: Any
) -> None:
    series = do_create_unit(CONSOLE, fonds, {"title": "扶贫案卷", "level": UnitLevel.SERIES, "openness": "open"})
    item = {"category": categories["WS"], "year": 2011, "retention": "Y", "organization": "BGS", "openness": "open"}

    def add(count: int) -> None:
        for _n in range(count):
            do_create_unit(CONSOLE, fonds, {**item, "title": "扶贫案卷内的通知"}, parent=series)
            make_unit("关于扶贫开发的通知", openness="open")

    add(3)
    urls = ("/search/?q=扶贫", f"/units/{series.uuid}/", "/fonds/Z109/", "/")
    few = {url: _queries(client, url) for url in urls}
    add(27)
    many = {url: _queries(client, url) for url in urls}
    assert few == many
    for url in urls:
        with django_assert_max_num_queries(20):
            client.get(url)
