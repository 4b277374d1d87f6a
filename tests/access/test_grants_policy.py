"""catalog.policy honours a reader's grants (catalog.grants): the granted units' records, and their files unless
the grant keeps them to the reading room, for that reader only, and never above 公开."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from django.contrib.auth.models import AnonymousUser

from dangan.catalog.grants import Grants, grants_changed, register_grant_provider, unregister_grant_provider
from dangan.catalog.models import ArchivalUnit
from dangan.catalog.policy import (
    can_copy_unit,
    can_view_unit,
    can_view_unit_files,
    files_hidden,
    visible_file_units,
    visible_units,
)
from dangan.search.service import SearchRequest, search

pytestmark = pytest.mark.django_db(transaction=False)


@pytest.fixture
def granted() -> Iterator[dict[int, Grants]]:
    """{reader id: Grants} that a planted provider answers; removed after the test."""
    table: dict[int, Grants] = {}

    def provider(user: Any) -> Grants:
        return table.get(user.pk, Grants())

    register_grant_provider(provider)
    try:
        yield table
    finally:
        unregister_grant_provider(provider)


def fresh(user: Any) -> Any:
    """The account as a new request would load it (no cached answer)."""
    return type(user).objects.get(pk=user.pk)


def test_a_reader_without_grants_sees_what_the_public_sees(make_unit: Any, reader: Any) -> None:
    opened = make_unit("已开放的布告", openness="open")
    controlled = make_unit("控制使用的报告", openness="controlled")
    for who in (AnonymousUser(), reader):
        assert set(visible_units(who)) == {opened}
        assert can_view_unit_files(who, opened) and not can_view_unit(who, controlled)


def test_a_grant_opens_a_controlled_unit_to_that_reader_only(
    make_unit: Any, reader: Any, other_reader: Any, granted: dict[int, Grants]
) -> None:
    controlled = make_unit("控制使用的报告", openness="controlled")
    secret = make_unit("秘密的电报", openness="controlled", classification="secret")
    ids = frozenset({controlled.pk, secret.pk})
    granted[reader.pk] = Grants(ids, ids, frozenset())
    grants_changed()
    me = fresh(reader)
    # A grant widens openness, never 密级: the 秘密 unit stays hidden whatever the provider says.
    assert set(visible_units(me)) == {controlled}
    assert can_view_unit(me, controlled) and not can_view_unit(me, secret)
    assert can_view_unit_files(me, controlled) and not can_copy_unit(me, controlled)
    assert not can_view_unit(fresh(other_reader), controlled)
    assert not can_view_unit(AnonymousUser(), controlled)

    found = search(me, SearchRequest(q="报告"))
    assert [hit.unit.pk for hit in found.hits] == [controlled.pk] and found.total == 1
    assert search(fresh(other_reader), SearchRequest(q="报告")).total == 0
    assert search(me, SearchRequest(q="电报")).total == 0

    # Revoked: gone at once (grants_changed drops the cached answer).
    granted[reader.pk] = Grants()
    grants_changed()
    assert not can_view_unit(me, controlled)
    assert search(me, SearchRequest(q="报告")).total == 0


def test_a_reading_room_grant_outside_a_visit_shows_the_record_not_the_files(
    make_unit: Any, reader: Any, granted: dict[int, Grants]
) -> None:
    controlled = make_unit("控制使用的报告", openness="controlled")
    granted[reader.pk] = Grants(frozenset({controlled.pk}), frozenset(), frozenset())
    grants_changed()
    me = fresh(reader)
    assert can_view_unit(me, controlled)
    assert not can_view_unit_files(me, controlled)
    assert files_hidden(me) == {controlled.pk}
    assert controlled not in visible_file_units(me)
    # Files granted with copies: both.
    granted[reader.pk] = Grants(frozenset({controlled.pk}), frozenset({controlled.pk}), frozenset({controlled.pk}))
    grants_changed()
    assert can_view_unit_files(me, controlled) and can_copy_unit(me, controlled)


def test_a_disposed_of_unit_is_not_granted(make_unit: Any, reader: Any, granted: dict[int, Grants]) -> None:
    controlled = make_unit("控制使用的报告", openness="controlled")
    ArchivalUnit.objects.filter(pk=controlled.pk).update(disposed=True)
    controlled.refresh_from_db()
    granted[reader.pk] = Grants(frozenset({controlled.pk}), frozenset({controlled.pk}))
    grants_changed()
    assert not can_view_unit(fresh(reader), controlled)
    assert not visible_units(fresh(reader)).filter(pk=controlled.pk).exists()
