"""The portal's leak sweep: a catalog holding every combination of 密级 and 开放状态 (items at the top and items
inside a series of each combination), crawled anonymously and as a reader with one grant — every portal page, the
search with its facets, every unit page, the fonds tree at every level, the sitemap. Nothing the policy hides
appears: no title, no UUID, no count, and a hidden unit's page is the same 404 as a missing one."""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

import pytest
from django.test import Client

from dangan.catalog import grants as grants_module
from dangan.catalog.actions.units import do_create_unit
from dangan.catalog.choices import Openness, UnitLevel
from dangan.catalog.grants import Grants, grants_changed
from dangan.core.actors import CONSOLE
from dangan.core.choices import SecurityClassification
from tests.helpers import client_for

WORD = "泄漏巡检"


@pytest.fixture
def every_combination(fonds: Any, categories: Any) -> dict[tuple[str, str, str], Any]:
    return make_every_combination(fonds, categories)


def make_every_combination(fonds: Any, categories: Any) -> dict[tuple[str, str, str], Any]:
    """(密级, 开放状态, "top"|"series"|"inside") → unit: an item at the top, a series, and an opened 公开 item in
    that series (visible only through its own rule: its breadcrumbs must stop at a hidden series)."""
    item = {"category": categories["WS"], "year": 2011, "retention": "Y", "organization": "BGS"}
    units: dict[tuple[str, str, str], Any] = {}
    for classification in SecurityClassification.values:
        for openness in Openness.values:
            rule = {"classification": classification, "openness": openness}
            units[(classification, openness, "top")] = do_create_unit(
                CONSOLE, fonds, {**item, **rule, "title": f"{WORD}件{classification}{openness}"}
            )
            series = do_create_unit(
                CONSOLE,
                fonds,
                {**rule, "title": f"{WORD}卷{classification}{openness}", "level": UnitLevel.SERIES},
            )
            units[(classification, openness, "series")] = series
            units[(classification, openness, "inside")] = do_create_unit(
                CONSOLE,
                fonds,
                {**item, "title": f"{WORD}卷内{classification}{openness}", "openness": "open"},
                parent=series,
            )
    return units


@pytest.fixture
def one_grant(reader: Any, every_combination: dict[tuple[str, str, str], Any]) -> Iterator[set[int]]:
    """The reader is granted a 公开 controlled item, and (which must change nothing) a 秘密 one."""
    granted = {
        every_combination[("public", "controlled", "top")].pk,
        every_combination[("secret", "controlled", "top")].pk,
    }

    def provider(user: Any) -> Grants:
        ids = frozenset(granted) if user.pk == reader.pk else frozenset()
        return Grants(ids, ids, ids)

    grants_module.register_grant_provider(provider)
    grants_changed()
    yield granted
    grants_module._providers.remove(provider)
    grants_changed()


def allowed(unit: Any, granted: set[int]) -> bool:
    """The rule, written out independently of catalog.policy: 公开 and 开放, or 公开 and granted."""
    public = unit.classification == "public"
    return public and (unit.openness == "open" or unit.pk in granted)


def crawl(client: Client, units: dict[tuple[str, str, str], Any]) -> dict[str, tuple[int, str]]:
    """Every portal URL, and every link to the portal found on them (fonds tree levels, pages): url → (status, body)."""
    seen: dict[str, tuple[int, str]] = {}
    queue = ["/", "/fonds/", "/fonds/Z109/", "/guide/", "/sitemap.xml", f"/search/?q={WORD}", f"/search/?q={WORD}卷"]
    queue += [f"/units/{u.uuid}/" for u in units.values()]
    while queue:
        url = queue.pop()
        if url in seen:
            continue
        response = client.get(url)
        body = response.content.decode()
        seen[url] = (response.status_code, body)
        if response.status_code == 200 and len(seen) < 400:
            for link in re.findall(r'href="(/(?:fonds|search)/[^"#]*)"', body):
                link = link.replace("&amp;", "&")
                if link not in seen:
                    queue.append(link)
    return seen


def check(pages: dict[str, tuple[int, str]], units: dict[tuple[str, str, str], Any], granted: set[int]) -> None:
    missing_page = None
    for unit in units.values():
        status, body = pages[f"/units/{unit.uuid}/"]
        assert status == (200 if allowed(unit, granted) else 404), unit.title
    hidden = [u for u in units.values() if not allowed(u, granted)]
    visible = [u for u in units.values() if allowed(u, granted)]
    for url, (_status, body) in pages.items():
        for unit in hidden:
            if url == f"/units/{unit.uuid}/":
                continue  # its own 404 repeats the asked URL, nothing more (compared below)
            assert unit.title not in body, (url, unit.title)
            assert str(unit.uuid) not in body, (url, unit.title)
    # Totals and facet counts count the visible units only.
    _status, search = pages[f"/search/?q={WORD}"]
    assert re.search(rf"共 <strong>{len(visible)}</strong> 条", search), len(visible)
    for count in re.findall(r'<span class="facet__count">(\d+)</span>', search):
        assert int(count) <= len(visible)
    # A hidden unit's 404 is a missing unit's 404.
    for unit in hidden:
        _status, body = pages[f"/units/{unit.uuid}/"]
        normalized = re.sub(r'(nonce|value|"X-CSRFToken")[=:] ?"[A-Za-z0-9_-]{20,}"', "", body)
        normalized = normalized.replace(str(unit.uuid), "UUID")
        if missing_page is None:
            missing_page = normalized
        assert normalized == missing_page


def test_the_public_sees_only_opened_public_units(client: Client, every_combination: dict[Any, Any]) -> None:
    pages = crawl(client, every_combination)
    check(pages, every_combination, set())
    # The opened 公开 item inside a hidden series shows no breadcrumb to it.
    inside = every_combination[("secret", "open", "inside")]
    assert pages[f"/units/{inside.uuid}/"][0] == 200
    assert any(url.startswith("/fonds/Z109/?") for url in pages)  # the tree was walked


def test_a_reader_with_one_grant_sees_that_unit_too(
    reader: Any, every_combination: dict[Any, Any], one_grant: set[int]
) -> None:
    pages = crawl(client_for(reader), every_combination)
    check(pages, every_combination, one_grant)
    assert pages[f"/units/{every_combination[('public', 'controlled', 'top')].uuid}/"][0] == 200
    assert pages[f"/units/{every_combination[('secret', 'controlled', 'top')].uuid}/"][0] == 404
    # The sitemap is the anonymous public's, whoever asks.
    sitemap = pages["/sitemap.xml"][1]
    assert str(every_combination[("public", "controlled", "top")].uuid) not in sitemap
