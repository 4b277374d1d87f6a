"""IIIF Content Search 2.0 inside a unit: a word of its OCR text is found as highlighting annotations whose targets
are the boxes of the matched characters on the page's canvas; and the manifest links each page's ALTO and text and
reads right to left when the OCR found vertical columns."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

from dangan.core.choices import Role, SecurityClassification
from dangan.digitization.ocr import PageResult
from tests.helpers import client_for

from .pages import column, draw_pages, preserve_masters, row, store_text
from .schema import schema_errors

pytestmark = pytest.mark.django_db


@pytest.fixture
def notice(digitized: Callable[..., Any]) -> Any:
    """A two-page 布告 printed in vertical columns (read right to left), its text OCR'd."""
    unit = digitized(sizes=[(400, 600), (400, 600)])
    first = PageResult(
        400,
        600,
        [column("l1", "中华苏维埃共和国", 320, 40), column("l2", "临时中央政府布告", 260, 40)],
        vertical=True,
        engine="hand-made",
    )
    second = PageResult(400, 600, [column("l1", "工农红军", 320, 40), column("l2", "苏维埃万岁", 260, 40)], True, "x")
    store_text(unit, 1, first)
    store_text(unit, 2, second)
    return unit


def test_a_word_is_found_as_boxes_on_its_pages(notice: Any) -> None:
    client = client_for(Role.ARCHIVIST)
    response = client.get(f"/iiif/3/search/{notice.uuid}", {"q": "苏维埃"})
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/ld+json")
    page = response.json()
    assert page["@context"] == "http://iiif.io/api/search/2/context.json"
    assert page["type"] == "AnnotationPage"
    assert page["id"] == f"http://testserver/iiif/3/search/{notice.uuid}?q=%E8%8B%8F%E7%BB%B4%E5%9F%83"
    assert "ignored" not in page
    canvas = f"http://testserver/iiif/3/manifests/{notice.uuid}/canvas"
    # 中华[苏维埃]: the 3rd to 5th characters of the first column; [苏维埃]万岁: the top of page 2's second column.
    assert [(a["motivation"], a["target"], a["body"]["value"]) for a in page["items"]] == [
        ("highlighting", f"{canvas}/1#xywh=320,120,40,120", "苏维埃"),
        ("highlighting", f"{canvas}/2#xywh=260,40,40,120", "苏维埃"),
    ]
    assert len({a["id"] for a in page["items"]}) == 2


def test_traditional_characters_find_the_simplified_text_and_unsupported_parameters_are_named(notice: Any) -> None:
    client = client_for(Role.ARCHIVIST)
    page = client.get(f"/iiif/3/search/{notice.uuid}", {"q": "蘇維埃", "motivation": "painting", "user": "x"}).json()
    assert len(page["items"]) == 2
    assert page["ignored"] == ["motivation", "user"]
    assert client.get(f"/iiif/3/search/{notice.uuid}", {"q": "长征"}).json()["items"] == []
    blank = client.get(f"/iiif/3/search/{notice.uuid}", {"q": "  "})
    assert blank.status_code == 200 and blank.json()["items"] == []


def test_the_manifest_links_the_text_and_reads_vertical_documents_right_to_left(notice: Any) -> None:
    client = client_for(Role.ARCHIVIST)
    manifest = client.get(f"/iiif/3/manifests/{notice.uuid}").json()
    assert schema_errors(manifest) == []
    assert manifest["viewingDirection"] == "right-to-left"
    canvas = manifest["items"][0]
    assert canvas["seeAlso"][0]["id"] == f"http://testserver/iiif/3/text/{notice.uuid}/1.alto.xml"
    assert canvas["seeAlso"][0]["profile"] == "http://www.loc.gov/standards/alto/ns-v4#"
    assert canvas["rendering"][0]["format"] == "text/plain"
    alto = client.get(canvas["seeAlso"][0]["id"].removeprefix("http://testserver"))
    assert alto.status_code == 200 and b"alto" in alto.content
    text = client.get(canvas["rendering"][0]["id"].removeprefix("http://testserver"))
    assert text.status_code == 200 and "中华苏维埃共和国" in text.content.decode()


def test_a_hidden_unit_cannot_be_searched(digitized: Callable[..., Any]) -> None:
    secret = digitized(classification=SecurityClassification.SECRET)
    store_text(secret, 1, PageResult(300, 420, [row("l1", "绝密电报", 10, 10)], False, "x"))
    url = f"/iiif/3/search/{secret.uuid}"
    assert client_for(Role.ARCHIVIST, SecurityClassification.PUBLIC).get(url, {"q": "电报"}).status_code == 404
    assert client_for(None).get(url, {"q": "电报"}).status_code == 404
    found = client_for(Role.ARCHIVIST, SecurityClassification.SECRET).get(url, {"q": "电报"}).json()
    assert [a["target"].rsplit("#", 1)[1] for a in found["items"]] == ["xywh=90,10,80,40"]


def test_a_page_scanned_again_since_its_ocr_has_no_text_until_read_again(notice: Any, tmp_path: Any) -> None:
    files = draw_pages(tmp_path / "rescan", [(400, 600), (410, 610)])
    preserve_masters(notice, {"content/masters/0002.png": files["content/masters/0002.png"]})
    client = client_for(Role.ARCHIVIST)
    manifest = client.get(f"/iiif/3/manifests/{notice.uuid}").json()
    assert "seeAlso" in manifest["items"][0] and "seeAlso" not in manifest["items"][1]
    assert manifest["items"][1]["width"] == 410
    hits = client.get(f"/iiif/3/search/{notice.uuid}", {"q": "苏维埃"}).json()["items"]
    assert [hit["target"].split("#")[0].rsplit("/", 1)[1] for hit in hits] == ["1"]
