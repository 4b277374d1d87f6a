"""Part volumes' pages through the Django test client: the list and creating a compilation, its metadata (with the
version check), sections and entries with up/down ordering, the entry editor (text, notes, images), the index
preview, deleting; a hidden entry is neither listed nor reachable."""

from __future__ import annotations

from typing import Any

import pytest

from dangan.compilation.actions import volumes as A
from dangan.compilation.models import Compilation, Entry, EntryImage, Note
from dangan.core.choices import Role, SecurityClassification
from tests.helpers import account, client_for

pytestmark = pytest.mark.django_db
BASE = "/manage/compilation/volumes/"


@pytest.fixture
def editor(db: Any) -> Any:
    return account(Role.ARCHIVIST, SecurityClassification.PUBLIC)


def test_create_edit_order_and_delete(editor: Any, make_unit: Any) -> None:
    client = client_for(editor)
    assert client.post(BASE, {"title": ""}).status_code == 422
    response = client.post(BASE, {"title": "遵义会议文献选编", "editor": "贵州省档案馆"})
    book = Compilation.objects.get()
    assert response.status_code == 302 and response["Location"] == f"{BASE}{book.pk}/"
    assert "遵义会议文献选编" in client.get(BASE).content.decode()
    page = f"{BASE}{book.pk}/"
    saved = client.post(page, {"title": "遵义会议文献选编", "preface": "前言", "version": "1", "status": "draft"})
    assert saved.status_code == 302
    stale = client.post(page, {"title": "旧稿", "version": "1", "status": "draft"})
    assert stale.status_code == 409 and "已被他人修改" in stale.content.decode() and "旧稿" in stale.content.decode()
    units = [make_unit(f"文件{n}") for n in (1, 2)]
    for unit in units:
        assert client.post(f"{page}entries/add", {"unit": str(unit.uuid)}).status_code == 302
    first, second = Entry.objects.order_by("order")
    client.post(f"{page}entries/{second.pk}/up")
    assert [e.heading for e in A.compilation_view(editor, book).entries] == ["文件2", "文件1"]
    client.post(f"{page}sections/add", {"title": "一、会议"})
    html = client.get(page).content.decode()
    assert "一、会议" in html and html.index("文件2") < html.index("文件1")
    missing = client.post(f"{page}entries/add", {"unit": "J001-WS-1934-Y-9999"}, follow=True)
    assert "找不到该档案" in missing.content.decode()
    client.post(f"{page}entries/{first.pk}/remove")
    assert list(Entry.objects.values_list("heading", flat=True)) == ["文件2"]
    assert client.post(f"{page}delete").status_code == 302
    assert not Compilation.objects.exists()
    assert client_for(Role.READER).get(BASE).status_code == 403


def test_entry_editor_notes_images_and_index(editor: Any, digitized: Any) -> None:
    from dangan.catalog.actions.authorities import do_create_authority, do_link_authority
    from dangan.core.actors import CONSOLE

    unit = digitized(title="红军总政治部布告")
    do_link_authority(CONSOLE, unit, do_create_authority(CONSOLE, {"kind": "place", "name": "遵义"}), "place")
    book = A.do_create_compilation(editor, {"title": "布告选编"})
    entry = A.do_add_entry(editor, book, str(unit.uuid))
    client = client_for(editor)
    url = f"{BASE}{book.pk}/entries/{entry.pk}/"
    html = client.get(url).content.decode()
    assert "该档案尚无识别文本" in html and "/iiif/3/" in html
    data = {"heading": "布告", "text": "红军到达〔注1〕遵义。", "text_source": "typed", "version": "1"}
    assert client.post(url, data).status_code == 302
    assert client.post(url, {**data, "heading": ""}).status_code == 422
    client.post(url + "notes/set", {"number": "1", "text": "1935年1月。"})
    client.post(url + "notes/set", {"number": "x", "text": "无效"})
    client.post(url + "images/add", {"page": "2", "caption": "布告原件"})
    assert list(Note.objects.values_list("number", "text")) == [(1, "1935年1月。")]
    assert list(EntryImage.objects.values_list("page", "caption")) == [(2, "布告原件")]
    html = client.get(url).content.decode()
    assert "〔注1〕1935年1月。" in html and "布告原件" in html
    index = client.get(f"{BASE}{book.pk}/index").content.decode()
    assert "遵义" in index and "zun1" in index


def test_a_hidden_entry_is_not_shown(editor: Any, make_unit: Any) -> None:
    chief = account(Role.ARCHIVIST, SecurityClassification.TOP_SECRET)
    book = A.do_create_compilation(chief, {"title": "选编"})
    hidden = A.do_add_entry(chief, book, str(make_unit("秘密会议记录", classification="secret").uuid))
    client = client_for(editor)
    html = client.get(f"{BASE}{book.pk}/").content.decode()
    assert "秘密会议记录" not in html and "另有 1 件选文您无权查看" in html
    assert client.get(f"{BASE}{book.pk}/entries/{hidden.pk}/").status_code == 404
    assert client.post(f"{BASE}{book.pk}/entries/{hidden.pk}/remove").status_code == 404
    assert Entry.objects.filter(pk=hidden.pk).exists()
