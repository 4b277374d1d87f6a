"""Every Image API route asks catalog.policy through the package's unit: an image of a unit the person may not see
is exactly as absent as an image that does not exist (the same 404), for the signed-in and the anonymous alike."""

from __future__ import annotations

import re

import pytest
from django.urls import reverse

from dangan.preservation.iiif import find_image, image_base_url, image_id
from dangan.preservation.iiif.building import head_images
from tests.helpers import client_for

from .conftest import encoded, quadrant_page

pytestmark = pytest.mark.django_db

TILE = "0,0,256,256/256,/0/default.jpg"


@pytest.fixture
def images(make_unit, preserve_images):
    """The image id of a page in a 公开 unit and in a 秘密 one."""
    found = {}
    for level in ("public", "secret"):
        package = preserve_images(
            make_unit(classification=level), {"masters/0001.jpg": encoded(quadrant_page(400, 300), "JPEG")}
        )
        [file] = head_images(package)
        found[level] = image_id(file)
    return found


def page(body: bytes) -> bytes:
    """A page without what differs between any two responses (the CSP nonce, the masked CSRF token)."""
    return re.sub(rb'nonce="[^"]*"|"X-CSRFToken": "[^"]*"|name="csrfmiddlewaretoken" value="[^"]*"', b"", body)


def requests(identifier):
    return [reverse("iiif:info", kwargs={"identifier": identifier}), f"{image_base_url(identifier)}/{TILE}"]


@pytest.mark.parametrize(
    ("user_fixture", "level", "status"),
    [
        ("archivist", "secret", 200),  # cleared for 机密
        ("archivist", "public", 200),
        ("junior_archivist", "public", 200),
        ("junior_archivist", "secret", 404),  # cleared for 公开 only: as if it did not exist
        ("system_admin", "public", 200),
        ("system_admin", "secret", 404),  # never above 公开 (三员分立)
        ("security_admin", "public", 404),  # no catalog at all
        (None, "public", 404),  # anonymous: 公开 but not opened (控制 by default)
        (None, "secret", 404),
    ],
)
def test_images_follow_the_visibility_policy(request, images, user_fixture, level, status):
    user = request.getfixturevalue(user_fixture) if user_fixture else None
    client = client_for(user)
    unknown = images[level][:-6] + "abcdef"
    for url in requests(images[level]):
        response = client.get(url)
        assert response.status_code == status
        if status == 404:
            absent = client.get(url.replace(images[level], unknown))
            # The same page, but for the path it names and the page's own nonce.
            assert absent.status_code == 404
            assert page(absent.content.replace(unknown.encode(), images[level].encode())) == page(response.content)
            assert "ETag" not in response and "Access-Control-Allow-Origin" not in response


def test_ids_that_name_nothing(images, archivist):
    client = client_for(archivist)
    public = images["public"]
    assert find_image("not-an-id") is None and find_image(public.upper()) is None
    assert find_image(public[:-1] + ("0" if public[-1] != "0" else "1")) is None
    assert client.get(f"/iiif/3/{public.upper()}/info.json").status_code == 404
    assert client.get(f"/iiif/3/{public}x/info.json").status_code == 404
    assert client.get(f"/iiif/3/{public}/full/max/0/default.jpg/extra").status_code == 404


def test_a_file_that_is_no_image_has_no_image_id(make_unit, preserve_images, archivist):
    package = preserve_images(make_unit(), {"说明.txt": "遵义会议纪要\n".encode()})
    file = package.files.get(logical_path="content/说明.txt")
    assert head_images(package) == [] and find_image(image_id(file)) is None
    assert client_for(archivist).get(reverse("iiif:info", kwargs={"identifier": image_id(file)})).status_code == 404


def test_a_unit_hidden_after_its_image_was_seen_is_hidden_at_once(images, junior_archivist):
    """What serving keeps per process (the image's file record) never keeps the policy's answer: the unit is read
    on every request."""
    from dangan.catalog.models import ArchivalUnit
    from dangan.preservation.iiif import find_image

    client = client_for(junior_archivist)
    url = f"{image_base_url(images['public'])}/{TILE}"
    assert client.get(url).status_code == 200
    unit = find_image(images["public"]).package.unit
    ArchivalUnit.objects.filter(pk=unit.pk).update(classification="secret")
    assert client.get(url).status_code == 404
    assert client.get(reverse("iiif:info", kwargs={"identifier": images["public"]})).status_code == 404


def test_the_public_sees_the_images_of_opened_units_only(make_unit, preserve_images, archivist):
    """A 公开 unit opened to the public (开放): the anonymous see its record and its images (the portal shows
    them); once it is controlled again (控制), its images are 404 to them at once."""
    from django.contrib.auth.models import AnonymousUser

    from dangan.catalog.models import ArchivalUnit
    from dangan.catalog.policy import can_view_unit_files

    package = preserve_images(
        make_unit(classification="public", openness="open"),
        {"masters/0001.jpg": encoded(quadrant_page(400, 300), "JPEG")},
    )
    [file] = head_images(package)
    identifier = image_id(file)
    unit = ArchivalUnit.objects.get(pk=package.unit_id)
    assert can_view_unit_files(AnonymousUser(), unit)
    for url in requests(identifier):
        assert client_for(None).get(url).status_code == 200
        assert client_for(archivist).get(url).status_code == 200
    ArchivalUnit.objects.filter(pk=unit.pk).update(openness="controlled")
    for url in requests(identifier):
        assert client_for(None).get(url).status_code == 404
        assert client_for(archivist).get(url).status_code == 200
