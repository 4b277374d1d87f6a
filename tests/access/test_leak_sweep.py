"""The leak sweep (tests/access/leak_sweep.py): every public URL, crawled anonymously and as a reader with one grant
over a catalog holding every 密级 × 开放状态, shows nothing beyond what the policy allows — and the sweep itself
catches a page that does."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from django.test import Client

from dangan.catalog import grants
from dangan.core.actors import CONSOLE
from dangan.core.choices import Role
from tests.access.leak_sweep import Catalog, Visitor, build_catalog, leak_sweep, recheck_withdrawn
from tests.helpers import account

pytestmark = pytest.mark.django_db

GRANTED = "public-controlled"  # the reader's one grant: a 公开 unit under 控制, its records, files and copies


@pytest.fixture
def catalog(tmp_path: Path, settings: Any, fonds: Any, categories: Any) -> Catalog:
    from dangan.preservation.store import storage_root
    from dangan.replication.node import ensure_node

    settings.STORAGE_ROOT = tmp_path / "storage"
    settings.STORAGE_DURABLE = False
    settings.DERIVATIVES_ROOT = tmp_path / "derivatives"
    settings.REPLICATION_HOME = tmp_path / "replication"
    storage_root()
    ensure_node()  # as after `dangan init`: /replication/identity answers (public, and nothing of the catalog)
    return build_catalog(tmp_path, fonds, categories)


@pytest.fixture
def visitors(catalog: Catalog) -> Iterator[list[tuple[Visitor, Client]]]:
    """The public, and a reader whose one approved access request (查档申请) grants the 公开 控制 unit: a real
    AccessGrant, made by an archivist through the requests part's actions."""
    from dangan.access.actions.requests import do_add_units, do_approve, do_submit_request
    from dangan.access.choices import Purpose
    from dangan.catalog.models import ArchivalUnit

    reader = account(Role.READER, username="leak-reader")
    reviewer = account(Role.ARCHIVIST, username="leak-reviewer")
    unit = ArchivalUnit.objects.get(pk=catalog.unit(GRANTED).pk)
    request = do_submit_request(reader, purpose=Purpose.RESEARCH, description="请求查阅一份控制使用的文件")
    do_add_units(reviewer, request, [unit])
    request.refresh_from_db()
    do_approve(reviewer, request)
    grants.grants_changed()
    reader_client = Client()
    reader_client.force_login(reader)
    yield [
        (Visitor("anonymous"), Client()),
        (Visitor("reader with one grant", reader, frozenset({GRANTED})), reader_client),
    ]


def test_the_reader_sees_the_granted_unit_and_the_public_does_not(catalog: Catalog, visitors: Any) -> None:
    """The grant is in force for the reader only (what the sweep's counts rest on)."""
    from dangan.catalog.models import ArchivalUnit
    from dangan.catalog.policy import can_view_unit

    unit = ArchivalUnit.objects.get(pk=catalog.unit(GRANTED).pk)
    (_public, _), (reader, _) = visitors
    assert can_view_unit(reader.user, unit)
    assert not can_view_unit(None, unit)


def withdraw(catalog: Catalog, key: str) -> None:
    """Put the unit under 控制 (as the openness review would), here and in the sweep's own record of it."""
    from dangan.catalog.actions.units import do_update_unit
    from dangan.catalog.choices import Openness
    from dangan.catalog.models import ArchivalUnit

    do_update_unit(CONSOLE, ArchivalUnit.objects.get(pk=catalog.unit(key).pk), {"openness": Openness.CONTROLLED})
    catalog.unit(key).openness = Openness.CONTROLLED


def test_the_public_side_shows_nothing_beyond_the_policy(catalog: Catalog, visitors: Any) -> None:
    """The whole crawl passes; then every URL that showed an opened unit, asked again (conditionally) once the unit
    is put under 控制, no longer shows it and counts without it."""
    report = leak_sweep(catalog, visitors)
    # The crawl did its work: every unit was asked for by every route that names one, and the search was counted.
    assert report.requests > 200, report.statuses
    assert report.compared > 0 and report.searches_checked > 0, report
    assert not report.problems, f"{len(report.problems)} problem(s) in {report.requests} requests:\n" + "\n".join(
        report.problems
    )
    withdraw(catalog, "public-open")
    assert recheck_withdrawn(catalog, "public-open", visitors, report) > 0
    assert not report.problems, "\n".join(report.problems)


def test_the_sweep_catches_leaking_pages(catalog: Catalog, visitors: Any, settings: Any) -> None:
    settings.ROOT_URLCONF = "tests.access.leaky_portal_urls"
    report = leak_sweep(catalog, visitors)
    problems = "\n".join(report.problems)
    secret = catalog.unit("secret-open")
    controlled = catalog.unit("public-controlled")
    for visitor in ("anonymous", "reader with one grant"):
        # A list of every title: each hidden unit's title, for both visitors.
        assert f"{visitor}: GET /leaky/list/ shows “{secret.title}”" in problems, problems
        # A 403 for a hidden unit where a missing one is a 404.
        assert f"GET /leaky/unit/{secret.uuid}/ (hidden secret-open) answered 403, a missing unit 404" in problems
        # A total that counts what the policy hides.
        assert f"{visitor}: GET /leaky/search/?q=%E6%B3%84%E6%A3%80: total 21, the policy allows" in problems
        assert f"{visitor}: GET /leaky/found/?q=%E6%B3%84%E6%A3%80: says 21 found, the policy allows" in problems
    # The granted unit is the reader's: shown to them, a leak to the public.
    assert f"anonymous: GET /leaky/list/ shows “{controlled.title}”" in problems
    assert f"reader with one grant: GET /leaky/list/ shows “{controlled.title}”" not in problems
    # A title split by highlighting is still found, and the link it shows is followed.
    first_hidden = catalog.unit("internal-open")
    assert f"GET /leaky/highlighted/ shows “{first_hidden.title}”" in problems, problems
    # A page reached only through the sitemap's <loc> (under the site's public address) is crawled too.
    opened = catalog.unit("public-open")
    deep = f"anonymous: GET /leaky/deep/{opened.uuid}/ shows “{secret.ocr_word}” of the hidden unit secret-open"
    assert deep in problems, problems
    # A redirect to a hidden unit names it in its Location.
    top = catalog.unit("top_secret-open")
    assert f"anonymous: GET /leaky/go/ shows “{top.uuid}” of the hidden unit top_secret-open" in problems, problems
    # A page whose ETag never changes keeps a withdrawn unit in the visitors' copies.
    withdraw(catalog, "public-open")
    assert recheck_withdrawn(catalog, "public-open", visitors, report) > 0
    problems = "\n".join(report.problems)
    assert "anonymous: GET /leaky/stale/ answered 304 Not Modified" in problems, problems


def test_a_site_that_honours_the_policy_passes(catalog: Catalog, visitors: Any, settings: Any) -> None:
    """No false alarm on pages that show visible units with their 档号, place in the fonds, highlighted search hits,
    facets and sitemap — and those pages are reached by their links alone."""
    settings.ROOT_URLCONF = "tests.access.honest_portal_urls"
    report = leak_sweep(catalog, visitors)
    assert not report.problems, "\n".join(report.problems)
    opened = catalog.unit("open-in-secret")  # a 公开 开放 件 in a 秘密 案卷: its page shows no breadcrumb to it
    for visitor in ("anonymous", "reader with one grant"):
        assert f"{visitor}: GET /honest/units/{opened.uuid}/" in report.followed, report.followed
    assert f"reader with one grant: GET /honest/units/{catalog.unit(GRANTED).uuid}/" in report.followed
    assert f"anonymous: GET /honest/units/{catalog.unit(GRANTED).uuid}/" not in report.followed
