"""The portal's page cache (access/page_cache.py): the anonymous public's search, unit and fonds pages are served
again from memory while nothing they show has changed, and never once the policy hides what they show — whether
the change went through the catalog's actions or not (yet) through the search index. These tests commit (the cache
keeps only pages made outside a transaction), so they run on a flushed database."""

from __future__ import annotations

import re
from typing import Any

import pytest
from django.db import connection
from django.db.models import F
from django.test import Client
from django.test.utils import CaptureQueriesContext

from dangan.access.models import ConsultingInfo
from dangan.catalog.actions.openness import do_set_openness
from dangan.catalog.actions.units import do_create_unit, do_update_unit
from dangan.catalog.choices import Openness
from dangan.catalog.models import ArchivalUnit
from dangan.core.actors import CONSOLE
from tests.access.test_portal_leaks import allowed, check, crawl, make_every_combination
from tests.helpers import client_for

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def item(fonds: Any, categories: Any) -> dict[str, Any]:
    return {"category": categories["WS"], "year": 2011, "retention": "Y", "organization": "BGS", "openness": "open"}


@pytest.fixture
def opened(fonds: Any, item: dict[str, Any]) -> Any:
    return do_create_unit(CONSOLE, fonds, {**item, "title": "关于红军长征过境的布告"})


def test_a_second_visit_comes_from_the_cache_with_two_small_queries(client: Client, opened: Any) -> None:
    url = f"/units/{opened.uuid}/"
    first = client.get(url)
    assert first.status_code == 200 and first["X-Cache"] == "miss"
    with CaptureQueriesContext(connection) as queries:
        second = client.get(url)
    assert second.status_code == 200 and second["X-Cache"] == "hit"
    assert len(queries) == 2  # the stamp of the counters, and the policy's answer for the units it shows
    assert second.content == first.content.replace(*_tokens(first, second))
    assert second["ETag"] == first["ETag"]  # the same page: a browser's copy is revalidated as before
    search = client.get("/search/", {"q": "长征"})
    assert search["X-Cache"] == "miss" and opened.title in words(search)
    assert client.get("/search/", {"q": "长征"})["X-Cache"] == "hit"


def words(response: Any) -> str:
    """The page's text without its tags (a search highlights the matched words inside titles)."""
    return re.sub(r"<[^>]+>", "", response.content.decode())


def _tokens(first: Any, second: Any) -> tuple[bytes, bytes]:
    pattern = rb'name="csrfmiddlewaretoken" value="([^"]*)"'
    old, new = re.search(pattern, first.content), re.search(pattern, second.content)
    assert old and new
    return old[1], new[1]


def test_the_cached_pages_form_carries_the_visitors_own_csrf_token(opened: Any) -> None:
    url = f"/units/{opened.uuid}/"
    Client().get(url)  # another visitor makes the page
    visitor = Client(enforce_csrf_checks=True)
    page = visitor.get(url)
    assert page["X-Cache"] == "hit"
    token = re.search(rb'name="csrfmiddlewaretoken" value="([^"]*)"', page.content)
    assert token
    switched = visitor.post("/i18n/setlang/", {"language": "en", "next": url, "csrfmiddlewaretoken": token[1].decode()})
    assert switched.status_code == 302  # not 403: the token matches this visitor's cookie
    english = visitor.get(url)
    assert english["X-Cache"] == "miss"  # another language, another page
    assert english["Content-Language"] == "en"


def test_a_unit_closed_behind_the_indexs_back_is_gone_at_once(client: Client, fonds: Any, item: Any) -> None:
    series = do_create_unit(CONSOLE, fonds, {**item, "title": "长征卷", "level": "series"})
    child = do_create_unit(CONSOLE, fonds, {**item, "title": "长征途中的家书"}, parent=series)
    urls = [f"/units/{series.uuid}/", f"/units/{child.uuid}/", "/search/?q=长征"]
    for url in urls:
        assert client.get(url).status_code == 200
        assert client.get(url)["X-Cache"] == "hit"
    # A write that neither raises the unit's index generation nor passes the catalog's actions (an import's index
    # task still queued, say): only the unit's row changes.
    ArchivalUnit.objects.filter(pk=child.pk).update(openness=Openness.CONTROLLED, version=F("version") + 1)
    assert client.get(f"/units/{child.uuid}/").status_code == 404
    for url in [f"/units/{series.uuid}/", "/search/?q=长征"]:
        response = client.get(url)
        assert response.status_code == 200 and response["X-Cache"] == "miss", url
        assert child.title not in words(response), url
        assert str(child.uuid) not in response.content.decode(), url


def test_an_edit_shows_at_once(client: Client, opened: Any) -> None:
    url = f"/units/{opened.uuid}/"
    client.get(url)
    do_update_unit(CONSOLE, opened, {"title": "关于红军长征过境的布告（修订）"})
    response = client.get(url)
    assert response["X-Cache"] == "miss" and "（修订）" in response.content.decode()
    ConsultingInfo.objects.create(pk=1, hours="周一至周五 9:00–17:00")
    response = client.get(url)
    assert response["X-Cache"] == "miss" and "周一至周五" in response.content.decode()  # the footer


def test_the_leak_sweep_holds_through_the_cache(client: Client, fonds: Any, categories: Any) -> None:
    units = make_every_combination(fonds, categories)
    check(crawl(client, units), units, set())
    again = crawl(client, units)  # most pages from the cache now
    check(again, units, set())
    # Reopen the hidden, close the shown: the next crawl follows at once.
    shown = [u for u in units.values() if allowed(u, set())]
    closed_public = [u for u in units.values() if u.classification == "public" and u.openness == "controlled"]
    do_set_openness(CONSOLE, shown[:2], Openness.CONTROLLED, "复审")
    do_set_openness(CONSOLE, closed_public, Openness.OPEN, "到期开放")
    fresh = {key: ArchivalUnit.objects.get(pk=u.pk) for key, u in units.items()}
    check(crawl(client, fresh), fresh, set())


def test_only_the_anonymous_public_is_served_from_it(reader: Any, opened: Any, settings: Any) -> None:
    url = f"/units/{opened.uuid}/"
    signed_in = client_for(reader)
    for _ in range(2):
        assert "X-Cache" not in signed_in.get(url)
    settings.PORTAL_CACHE_SECONDS = 0
    assert "X-Cache" not in Client().get(url)
