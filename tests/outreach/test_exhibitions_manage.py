"""Part exhibitions, the staff's side: building an exhibition through the workspace's forms (structure, a form per
block kind with Chinese errors), preview, publish with a schedule and unpublish, the state the workspace shows, the
audit trail, and who may do what."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from django.test import Client

from dangan.core.models import AuditEntry
from dangan.outreach.models import Exhibition, ExhibitionBlock, ExhibitionPage, ExhibitionSection
from tests.outreach.exhibitions_helpers import VISIBLE_TITLE, Sample, build

pytestmark = pytest.mark.django_db

BASE = "/manage/outreach/exhibitions/"


@pytest.fixture
def editor(archivist: Any) -> Client:
    client = Client()
    client.force_login(archivist)
    return client


def text(response: Any) -> str:
    return response.content.decode()


def test_building_an_exhibition_through_the_forms(
    editor: Client, settings: Any, tmp_path: Path, fonds: Any, categories: Any
) -> None:
    sample: Sample = build(settings, tmp_path, fonds, categories)
    assert "网上展览" in text(editor.get("/manage/outreach/"))  # the start page's link
    # A bad form: Chinese errors, nothing stored.
    bad = editor.post(f"{BASE}new/", {"slug": "红军 展", "title": "", "kiosk_idle_seconds": "3"})
    assert bad.status_code == 200
    page = text(bad)
    assert "网址名只能用小写字母" in page and "请填写展览标题" in page and "无操作复位时间应为 10 到 3600 秒" in page
    assert Exhibition.objects.count() == 1
    created = editor.post(f"{BASE}new/", {"slug": "zunyi", "title": "遵义会议", "kiosk_idle_seconds": "90"})
    exhibition = Exhibition.objects.get(slug="zunyi")
    assert created.status_code == 302 and created["Location"] == f"{BASE}{exhibition.pk}/"
    assert exhibition.kiosk_idle_seconds == 90 and exhibition.kiosk_advance_seconds == 20
    url = f"{BASE}{exhibition.pk}/"
    assert "草稿" in text(editor.get(url))
    # Structure: two sections, a page, blocks of each form.
    editor.post(f"{url}sections/", {"title": "会议前后"})
    editor.post(f"{url}sections/", {"title": "历史意义"})
    first, second = ExhibitionSection.objects.filter(exhibition=exhibition).order_by("order")
    editor.post(f"{url}sections/{first.pk}/pages/", {"title": "会址"})
    target = ExhibitionPage.objects.get(section=first)
    forms = {
        "text": {"html": "<p onclick='x'>会址位于<b>子尹路</b>。</p>"},
        "image": {"image": sample.visible_image, "region": "0,0,200,150", "caption": "会址"},
        "unit": {"unit": str(sample.visible.uuid)},
        "gallery": {"images": f"{sample.visible_image} | | 一\n{sample.visible_image} | 0,0,50,50 | 二"},
        "timeline": {"entries": "1935-01-15 | 会议召开 | 持续三天\n1935-01-17 | 会议结束"},
        "quote": {"unit": str(sample.visible.uuid), "page": "1", "text": "红军来到遵义城"},
    }
    for kind, data in forms.items():
        assert editor.get(f"{url}pages/{target.pk}/blocks/{kind}/").status_code == 200
        response = editor.post(f"{url}pages/{target.pk}/blocks/{kind}/", data)
        assert response.status_code == 302, (kind, text(response))
    blocks = list(ExhibitionBlock.objects.filter(page=target).order_by("order"))
    assert [b.kind for b in blocks] == list(forms)
    assert blocks[0].data == {"html": "<p>会址位于<strong>子尹路</strong>。</p>"}
    assert blocks[3].data["images"][1] == {"image": sample.visible_image, "region": "0,0,50,50", "caption": "二"}
    assert blocks[4].data["entries"][1] == {"date": "1935-01-17", "title": "会议结束", "text": ""}
    # A bad block form keeps what was typed and says what is wrong.
    bad_block = editor.post(f"{url}pages/{target.pk}/blocks/timeline/", {"entries": "去年 | 某事"})
    assert bad_block.status_code == 200 and "日期应写作" in text(bad_block) and "去年 | 某事" in text(bad_block)
    # Edit a block, move it, remove one, rename, move a section.
    edit = editor.post(f"{url}blocks/{blocks[0].pk}/", {"html": "<p>改过的正文</p>"})
    assert edit.status_code == 302
    editor.post(f"{url}structure/", {"part": "block", "id": blocks[5].pk, "op": "up"})
    assert [b.kind for b in ExhibitionBlock.objects.filter(page=target).order_by("order")][4:] == ["quote", "timeline"]
    editor.post(f"{url}structure/", {"part": "block", "id": blocks[1].pk, "op": "remove"})
    assert ExhibitionBlock.objects.filter(page=target).count() == 5
    editor.post(f"{url}structure/", {"part": "page", "id": target.pk, "op": "rename", "title": "遵义会议会址"})
    editor.post(f"{url}structure/", {"part": "section", "id": second.pk, "op": "up"})
    assert list(exhibition.sections.order_by("order").values_list("title", flat=True)) == ["历史意义", "会议前后"]
    structure = text(editor.get(url))
    assert "遵义会议会址" in structure and "改过的正文" not in structure
    # Preview: the staff's view of the page.
    preview = text(editor.get(f"{url}preview/2/1/"))
    assert "改过的正文" in preview and VISIBLE_TITLE in preview
    # Publish, and the public sees it; unpublish, and it is gone.
    assert Client().get("/exhibitions/zunyi/").status_code == 404
    published = editor.post(f"{url}publish/", {"version": Exhibition.objects.get(pk=exhibition.pk).version})
    assert published.status_code == 302
    assert "展出中" in text(editor.get(url))
    public = Client().get("/exhibitions/zunyi/2/1/")
    assert public.status_code == 200 and "改过的正文" in text(public)
    editor.post(f"{url}unpublish/", {"version": Exhibition.objects.get(pk=exhibition.pk).version})
    assert Client().get("/exhibitions/zunyi/").status_code == 404
    # Every change is in the audit log.
    actions = set(AuditEntry.objects.filter(object_id=str(exhibition.uuid)).values_list("action", flat=True))
    assert actions == {
        "outreach.exhibition.create",
        "outreach.exhibition.section",
        "outreach.exhibition.page",
        "outreach.exhibition.block",
        "outreach.exhibition.publish",
        "outreach.exhibition.unpublish",
    }


def test_a_scheduled_exhibition_shows_its_state(
    editor: Client, settings: Any, tmp_path: Path, fonds: Any, categories: Any
) -> None:
    sample = build(settings, tmp_path, fonds, categories)
    url = f"{BASE}{sample.exhibition.pk}/"
    response = editor.post(
        f"{url}publish/",
        {"publish_at": "2099-01-01T09:00", "unpublish_at": "2099-02-01T09:00", "version": sample.exhibition.version},
    )
    assert response.status_code == 302
    assert "已发布，待上线" in text(editor.get(url)) and "已发布，待上线" in text(editor.get(BASE))
    assert Client().get("/exhibitions/hongjun-zai-guizhou/").status_code == 404
    bad = editor.post(
        f"{url}publish/",
        {
            "publish_at": "2099-03-01T09:00",
            "unpublish_at": "2099-02-01T09:00",
            "version": sample.exhibition.version + 1,
        },
        follow=True,
    )
    assert "下线时间应晚于上线时间" in text(bad)


def test_a_stale_edit_form_answers_409_and_keeps_what_was_typed(editor: Client, archivist: Any) -> None:
    from dangan.outreach.actions.exhibitions import do_create_exhibition, do_update_exhibition

    exhibition = do_create_exhibition(archivist, {"slug": "x1", "title": "原题"})
    do_update_exhibition(archivist, exhibition, {"title": "别人改的"})
    response = editor.post(
        f"{BASE}{exhibition.pk}/edit/",
        {"slug": "x1", "title": "我改的", "version": 1, "kiosk_idle_seconds": 120, "kiosk_advance_seconds": 20},
    )
    assert response.status_code == 409
    assert "已被他人修改" in text(response) and "我改的" in text(response)
    assert Exhibition.objects.get(pk=exhibition.pk).title == "别人改的"


def test_only_the_archivists_edit(system_admin: Any, archivist: Any) -> None:
    from dangan.outreach.actions.exhibitions import do_create_exhibition

    exhibition = do_create_exhibition(archivist, {"slug": "x2", "title": "题"})
    admin = Client()
    admin.force_login(system_admin)
    for url in (BASE, f"{BASE}new/", f"{BASE}{exhibition.pk}/", f"{BASE}{exhibition.pk}/preview/"):
        assert admin.get(url).status_code == 403
    assert admin.post(f"{BASE}{exhibition.pk}/sections/", {"title": "x"}).status_code == 403
    assert Client().get(BASE).status_code == 302  # to the sign-in page
