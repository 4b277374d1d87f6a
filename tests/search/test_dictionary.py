"""The users' dictionary words: added and removed on the workspace page by archivists, followed by every process."""

from __future__ import annotations

from typing import Any

import pytest
from django.urls import reverse

from dangan.search import analysis
from dangan.search.actions.dictionary import check_terms, do_add_terms, do_remove_term
from dangan.search.models import DictionaryTerm, IndexState

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _fresh_segmenter() -> Any:
    yield
    analysis.reload_dictionary()  # leave no test word in the process's segmenter


def test_words_are_checked_and_normalised() -> None:
    from django.core.exceptions import ValidationError

    assert check_terms("青龍嘴  苟坝会议，猴场会议、青龙嘴") == ["青龙嘴", "苟坝会议", "猴场会议"]
    for bad in ("", "嘴", "abc", "红军1934"):
        with pytest.raises(ValidationError):
            check_terms(bad)


def test_an_archivist_adds_words_on_the_page_and_the_segmenter_keeps_them_whole(client: Any, archivist: Any) -> None:
    assert analysis.words("青龙嘴档案") != ["青龙嘴", "档案"]
    client.force_login(archivist)
    page = client.get(reverse("search:dictionary"))
    assert page.status_code == 200 and "检索词典" in page.content.decode()
    response = client.post(reverse("search:dictionary"), {"terms": "青龍嘴 白腊坎", "kind": "place"})
    assert response.status_code == 302
    assert set(DictionaryTerm.objects.values_list("term", flat=True)) == {"青龙嘴", "白腊坎"}
    assert analysis.words("青龙嘴档案") == ["青龙嘴", "档案"]
    listing = client.get(reverse("search:dictionary")).content.decode()
    assert "青龙嘴" in listing and "白腊坎" in listing
    bad = client.post(reverse("search:dictionary"), {"terms": "嘴 abc", "kind": "place"})
    assert bad.status_code == 400 and "2–50 个汉字" in bad.content.decode()


def test_who_may_change_the_dictionary(client: Any, archivist: Any, system_admin: Any, security_auditor: Any) -> None:
    term = do_add_terms(archivist, "苟坝会议")[0]
    client.force_login(system_admin)
    assert client.get(reverse("search:dictionary")).status_code == 200  # reads the list
    assert client.post(reverse("search:dictionary"), {"terms": "猴场会议", "kind": "event"}).status_code == 403
    assert client.post(reverse("search:dictionary_remove", args=[term.pk])).status_code == 403
    client.force_login(security_auditor)
    assert client.get(reverse("search:dictionary")).status_code == 403
    client.force_login(archivist)
    assert client.post(reverse("search:dictionary_remove", args=[term.pk])).status_code == 302
    assert not DictionaryTerm.objects.exists()


def test_another_process_reloads_when_the_version_moves(archivist: Any) -> None:
    from dangan.search.columns import follow_dictionary

    follow_dictionary()  # this process is at the current version
    # Another process adds a word: the row and the raised version, without touching this process's segmenter.
    DictionaryTerm.objects.create(term="白腊坎")
    state = IndexState.objects.get(pk=IndexState.ID)
    state.dictionary_version += 1
    state.save()
    assert analysis.words("白腊坎战斗") != ["白腊坎", "战斗"]
    follow_dictionary()  # what every search and index write does first
    assert analysis.words("白腊坎战斗") == ["白腊坎", "战斗"]


def test_changes_are_in_the_audit_log(archivist: Any) -> None:
    from dangan.core.models import AuditEntry

    term = do_add_terms(archivist, "猴场会议", "event")[0]
    do_remove_term(archivist, term)
    assert list(AuditEntry.objects.order_by("id").values_list("action", flat=True))[-2:] == [
        "search.dictionary.add",
        "search.dictionary.remove",
    ]


def test_the_console_adds_words_with_no_account_behind_them(db: Any) -> None:
    from dangan.core.actors import CONSOLE

    (term,) = do_add_terms(CONSOLE, "遵义会议会址")
    assert term.created_by is None and analysis.words("遵义会议会址") == ["遵义会议会址"]
