"""IIIF Presentation 3.0: a digitized unit's manifest (its pages as canvases, in order, valid against the official
schema) and a fonds' collection, each shown only to those the policy lets see the unit."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

from dangan.catalog.choices import Openness
from dangan.core.choices import Role, SecurityClassification
from dangan.digitization.pages import unit_pages
from tests.helpers import client_for

from .schema import schema_errors

pytestmark = pytest.mark.django_db


def test_unit_pages_are_the_head_versions_masters_in_order(digitized: Callable[..., Any]) -> None:
    unit = digitized(sizes=[(300, 420), (320, 400), (280, 380)])
    pages = unit_pages(unit)
    assert [(p.number, p.file.logical_path, p.width, p.height) for p in pages] == [
        (1, "content/masters/0001.png", 300, 420),
        (2, "content/masters/0002.png", 320, 400),
        (3, "content/masters/0003.png", 280, 380),
    ]
    package = pages[0].file.package
    assert pages[0].image_id == f"{package.uuid.hex}-{pages[0].file.sha256[:24]}"


def test_the_manifest_describes_the_unit_and_shows_its_pages_in_order(digitized: Callable[..., Any]) -> None:
    unit = digitized(sizes=[(300, 420), (320, 400)], reference_code=None)
    response = client_for(Role.ARCHIVIST).get(f"/iiif/3/manifests/{unit.uuid}")
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/ld+json")
    manifest = response.json()
    assert schema_errors(manifest) == []
    assert manifest["id"] == f"http://testserver/iiif/3/manifests/{unit.uuid}"
    assert manifest["type"] == "Manifest"
    assert manifest["label"] == {"zh-Hans": [unit.title]}
    fields = {entry["label"]["zh-Hans"][0]: entry["value"]["zh-Hans"][0] for entry in manifest["metadata"]}
    assert fields["题名"] == unit.title
    assert fields["责任者"] == "中华苏维埃共和国临时中央政府"
    assert fields["页数"] == "2"
    assert all(entry["label"]["en"] for entry in manifest["metadata"])
    assert "密级" not in fields and "开放状态" not in fields  # access controls are not description
    assert manifest["requiredStatement"]["value"] == {"zh-Hans": ["贵州省档案馆"]}
    assert manifest["service"] == [{"id": f"http://testserver/iiif/3/search/{unit.uuid}", "type": "SearchService2"}]
    assert manifest["viewingDirection"] == "left-to-right"  # no OCR said otherwise

    pages = unit_pages(unit)
    canvases = manifest["items"]
    assert [(c["width"], c["height"]) for c in canvases] == [(300, 420), (320, 400)]
    assert [c["label"]["zh-Hans"][0] for c in canvases] == ["第 1 页", "第 2 页"]
    for canvas, page in zip(canvases, pages, strict=True):
        annotation = canvas["items"][0]["items"][0]
        assert annotation["motivation"] == "painting"
        assert annotation["target"] == canvas["id"]
        service = annotation["body"]["service"][0]
        assert service == {
            "id": f"http://testserver/iiif/3/{page.image_id}",
            "type": "ImageService3",
            "profile": "level2",
        }
        assert "seeAlso" not in canvas  # no OCR text yet: nothing to link to


def test_the_image_services_the_manifest_names_answer(digitized: Callable[..., Any]) -> None:
    unit = digitized(sizes=[(300, 420), (320, 400)])
    client = client_for(Role.ARCHIVIST)
    manifest = client.get(f"/iiif/3/manifests/{unit.uuid}").json()
    for canvas in manifest["items"]:
        service = canvas["items"][0]["items"][0]["body"]["service"][0]["id"].removeprefix("http://testserver")
        info = client.get(f"{service}/info.json")
        assert info.status_code == 200
        assert (info.json()["width"], info.json()["height"]) == (canvas["width"], canvas["height"])
        thumbnail = client.get(canvas["thumbnail"][0]["id"].removeprefix("http://testserver"))
        assert thumbnail.status_code == 200 and thumbnail["Content-Type"] == "image/jpeg"


def test_hidden_or_undigitized_units_have_no_manifest(
    digitized: Callable[..., Any], make_unit: Callable[..., Any], storage: Any
) -> None:
    secret = digitized(classification=SecurityClassification.SECRET)
    url = f"/iiif/3/manifests/{secret.uuid}"
    assert client_for(Role.ARCHIVIST, SecurityClassification.PUBLIC).get(url).status_code == 404
    assert client_for(Role.SYSTEM_ADMIN, SecurityClassification.TOP_SECRET).get(url).status_code == 404
    assert client_for(Role.SECURITY_ADMIN).get(url).status_code == 404
    assert client_for(Role.ARCHIVIST, SecurityClassification.SECRET).get(url).status_code == 200
    # The public sees the pages of opened units (开放), not of controlled ones (catalog.policy.can_view_unit_files).
    opened = digitized(openness=Openness.OPEN)
    assert client_for(None).get(f"/iiif/3/manifests/{opened.uuid}").status_code == 200
    controlled = digitized(openness=Openness.CONTROLLED)
    assert client_for(None).get(f"/iiif/3/manifests/{controlled.uuid}").status_code == 404
    # A unit without masters has no pages to show.
    assert client_for(Role.ARCHIVIST).get(f"/iiif/3/manifests/{make_unit().uuid}").status_code == 404
    assert client_for(Role.ARCHIVIST).get("/iiif/3/manifests/00000000-0000-0000-0000-000000000000").status_code == 404


def test_the_collection_of_a_fonds_lists_the_digitized_units_the_person_may_see(
    digitized: Callable[..., Any], make_unit: Callable[..., Any], fonds: Any
) -> None:
    public = digitized(title="公开的布告")
    secret = digitized(title="秘密的电报", classification=SecurityClassification.SECRET)
    make_unit(title="未数字化的文件")

    def titles(client: Any) -> list[str]:
        response = client.get(f"/iiif/3/collections/{fonds.code}")
        assert response.status_code == 200
        collection = response.json()
        assert schema_errors(collection) == []
        assert collection["type"] == "Collection"
        return [item["label"]["zh-Hans"][0] for item in collection["items"]]

    assert titles(client_for(Role.ARCHIVIST, SecurityClassification.SECRET)) == ["公开的布告", "秘密的电报"]
    junior = client_for(Role.ARCHIVIST, SecurityClassification.PUBLIC)
    assert titles(junior) == ["公开的布告"]
    body = junior.get(f"/iiif/3/collections/{fonds.code}").content.decode()
    assert str(secret.uuid) not in body
    item = junior.get(f"/iiif/3/collections/{fonds.code}").json()["items"][0]
    assert item == {
        "id": f"http://testserver/iiif/3/manifests/{public.uuid}",
        "type": "Manifest",
        "label": {"zh-Hans": ["公开的布告"]},
    }
    assert titles(client_for(None)) == []
    assert titles(client_for(Role.SECURITY_ADMIN)) == []
    assert junior.get("/iiif/3/collections/NOPE").status_code == 404
