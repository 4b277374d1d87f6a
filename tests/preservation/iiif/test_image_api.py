"""The Image API 3.0 at level 2 against real preserved images, served from the master before the derivatives exist
and from the pyramid after the worker's task built them: every parameter form with the pixels checked, info.json,
the errors, caching headers."""

from __future__ import annotations

from typing import Any

import numpy
import pytest
from django.urls import reverse

from dangan.preservation.iiif import image_base_url
from dangan.preservation.iiif.tasks import build_derivatives_task
from tests.helpers import client_for

from .conftest import HEIGHT, QUADRANTS, WIDTH, close, decoded

pytestmark = pytest.mark.django_db

RED, GREEN, BLUE, WHITE = (QUADRANTS[k] for k in ("top_left", "top_right", "bottom_left", "bottom_right"))


@pytest.fixture(params=["master", "pyramid"])
def served(request: Any, page_image: Any, archivist: Any) -> Any:
    """(client, image id): the quadrant page, from its master or from its pyramid."""
    package, identifier = page_image
    if request.param == "pyramid":
        build_derivatives_task.enqueue(package.pk)
    client = client_for(archivist)
    info = client.get(reverse("iiif:info", kwargs={"identifier": identifier})).json()
    assert len(info["tiles"][0]["scaleFactors"]) == 4  # 1200 px: levels 1200, 600, 300, 150
    return client, identifier


def fetch(client: Any, identifier: str, params: str, status: int = 200) -> Any:
    response = client.get(f"{image_base_url(identifier)}/{params}")
    assert response.status_code == status, (params, response.content[:200])
    return decoded(response.content) if status == 200 else response


def corners(image: Any) -> list[Any]:
    image = image.convert("RGB")
    w, h = image.size
    return [image.getpixel((x, y)) for x, y in ((5, 5), (w - 6, 5), (5, h - 6), (w - 6, h - 6))]


@pytest.mark.parametrize(
    ("size", "expected"),
    [
        ("max", (WIDTH, HEIGHT)),
        ("600,", (600, 450)),
        (",450", (600, 450)),
        ("pct:25", (300, 225)),
        ("300,300", (300, 300)),
        ("!300,300", (300, 225)),
        ("!3000,3000", (WIDTH, HEIGHT)),  # not larger than the region without ^
        ("^!3000,3000", (3000, 2250)),
        ("^1500,", (1500, 1125)),
        ("^pct:150", (1800, 1350)),
        ("^max", (7302, 5477)),  # as large as maxArea (40 000 000 px) allows
    ],
)
def test_sizes(served, size, expected):
    client, identifier = served
    image = fetch(client, identifier, f"full/{size}/0/default.jpg")
    assert image.size == expected and image.format == "JPEG"
    assert [close(c, q) for c, q in zip(corners(image), (RED, GREEN, BLUE, WHITE), strict=True)] == [True] * 4


@pytest.mark.parametrize(
    ("region", "expected_size", "expected_corners"),
    [
        ("square", (900, 900), (RED, GREEN, BLUE, WHITE)),
        ("600,0,600,450", (600, 450), (GREEN,) * 4),
        ("0,450,600,450", (600, 450), (BLUE,) * 4),
        ("pct:50,50,50,50", (600, 450), (WHITE,) * 4),
        ("900,600,1000,1000", (300, 300), (WHITE,) * 4),  # clipped to the image
        ("pct:0,0,50,100", (600, 900), (RED, RED, BLUE, BLUE)),
    ],
)
def test_regions(served, region, expected_size, expected_corners):
    client, identifier = served
    image = fetch(client, identifier, f"{region}/max/0/default.png")
    assert image.size == expected_size and image.format == "PNG"
    assert all(close(c, q) for c, q in zip(corners(image), expected_corners, strict=True))


@pytest.mark.parametrize(
    ("rotation", "expected_size", "expected_corners"),
    [
        ("90", (225, 300), (BLUE, RED, WHITE, GREEN)),
        ("180", (300, 225), (WHITE, BLUE, GREEN, RED)),
        ("270", (225, 300), (GREEN, WHITE, RED, BLUE)),
        ("!0", (300, 225), (GREEN, RED, WHITE, BLUE)),
        ("!90", (225, 300), (WHITE, GREEN, BLUE, RED)),
        ("360", (300, 225), (RED, GREEN, BLUE, WHITE)),
    ],
)
def test_rotations_and_mirroring(served, rotation, expected_size, expected_corners):
    client, identifier = served
    image = fetch(client, identifier, f"full/300,/{rotation}/default.jpg")
    assert image.size == expected_size
    assert all(close(c, q) for c, q in zip(corners(image), expected_corners, strict=True))


def test_arbitrary_rotation_fills_the_corners(served):
    client, identifier = served
    image = fetch(client, identifier, "full/300,/45/default.jpg")
    side = round((300 + 225) * 2**0.5 / 2)
    assert abs(image.size[0] - side) <= 2 and abs(image.size[1] - side) <= 2
    assert close(image.convert("RGB").getpixel((2, 2)), (255, 255, 255), 10)  # white outside the page (JPEG)
    transparent = fetch(client, identifier, "full/300,/45/default.png")
    assert transparent.mode in ("RGBA", "LA") and transparent.getpixel((2, 2))[-1] == 0


def test_qualities_and_formats(served):
    client, identifier = served
    grey = fetch(client, identifier, "0,0,600,450/60,/0/gray.png")
    assert grey.mode == "L" and 50 < grey.getpixel((30, 20)) < 160  # red, as a mid grey
    bitonal = fetch(client, identifier, "full/120,/0/bitonal.png")
    assert bitonal.mode in ("L", "1") and set(numpy.unique(numpy.asarray(bitonal.convert("L")))) <= {0, 255}
    assert fetch(client, identifier, "full/120,/0/color.webp").format == "WEBP"
    assert fetch(client, identifier, "full/120,/0/default.webp").format == "WEBP"


def test_a_viewer_tile_at_every_level(served):
    """The requests a viewer makes from info.json: 256-px tiles at each scale factor, the edge ones smaller."""
    client, identifier = served
    assert fetch(client, identifier, "0,0,256,256/256,/0/default.jpg").size == (256, 256)
    assert fetch(client, identifier, "512,0,512,512/256,/0/default.jpg").size == (256, 256)
    edge = fetch(client, identifier, "1024,512,176,388/176,/0/default.jpg")
    assert edge.size == (176, 388) and close(edge.convert("RGB").getpixel((100, 300)), WHITE)
    top = fetch(client, identifier, "0,0,1024,900/256,/0/default.jpg")
    assert top.size == (256, 225)
    whole = fetch(client, identifier, "full/150,/0/default.jpg")
    assert whole.size == (150, 113) or whole.size == (150, 112)


@pytest.mark.parametrize(
    "params",
    [
        "0,0,0,10/max/0/default.jpg",  # a region of no size
        "abc/max/0/default.jpg",
        "1200,0,10,10/max/0/default.jpg",  # outside the image
        "pct:0,0,0,50/max/0/default.jpg",
        "full/0,/0/default.jpg",
        "full/pct:0/0/default.jpg",
        "full/pct:150/0/default.jpg",  # upscaling without ^
        "full/1500,/0/default.jpg",
        "full/1300,900/0/default.jpg",
        "full/,/0/default.jpg",
        "full/max/361/default.jpg",
        "full/max/-90/default.jpg",
        "full/max/abc/default.jpg",
        "full/max/0/best.jpg",
        "full/max/0/default.gif",
        "full/max/0/default",
        "full/max/0/default.JPG",
        "full/max/0/.jpg",
    ],
)
def test_bad_requests_are_400(page_image, archivist, params):
    _package, identifier = page_image
    response = fetch(client_for(archivist), identifier, params, status=400)
    assert response["Content-Type"].startswith("text/plain")


def test_limits_are_announced_and_enforced(page_image, archivist, settings):
    settings.IIIF_MAX_WIDTH, settings.IIIF_MAX_HEIGHT, settings.IIIF_MAX_AREA = 1000, 1000, 500_000
    _package, identifier = page_image
    client = client_for(archivist)
    info = client.get(reverse("iiif:info", kwargs={"identifier": identifier})).json()
    assert (info["maxWidth"], info["maxHeight"], info["maxArea"]) == (1000, 1000, 500_000)
    assert all(s["width"] * s["height"] <= 500_000 for s in info["sizes"])
    image = fetch(client, identifier, "full/max/0/default.jpg")  # max: the largest size within the limits
    assert image.size[0] * image.size[1] <= 500_000 and abs(image.size[0] / image.size[1] - 4 / 3) < 0.01
    assert fetch(client, identifier, "full/^max/0/default.jpg").size == image.size
    fetch(client, identifier, "full/1000,750/0/default.jpg", status=400)  # 750 000 px: beyond maxArea
    fetch(client, identifier, "full/^1100,/0/default.jpg", status=400)  # beyond maxWidth


def test_info_json(page_image, archivist):
    package, identifier = page_image
    build_derivatives_task.enqueue(package.pk)
    client = client_for(archivist)
    response = client.get(reverse("iiif:info", kwargs={"identifier": identifier}))
    assert response.status_code == 200 and response["Content-Type"] == "application/json"
    info = response.json()
    assert info["@context"] == "http://iiif.io/api/image/3/context.json"
    assert info["id"] == f"http://testserver/iiif/3/{identifier}"
    assert (info["type"], info["protocol"], info["profile"]) == ("ImageService3", "http://iiif.io/api/image", "level2")
    assert (info["width"], info["height"]) == (WIDTH, HEIGHT)
    assert info["tiles"] == [{"width": 256, "height": 256, "scaleFactors": [1, 2, 4, 8]}]
    assert [s["width"] for s in info["sizes"]] == [150, 300, 600]
    assert set(info["extraFormats"]) == {"png", "webp"}
    assert set(info["extraQualities"]) == {"color", "gray", "bitonal"}
    assert {"mirroring", "rotationArbitrary", "sizeUpscaling"} <= set(info["extraFeatures"])
    linked = client.get(reverse("iiif:info", kwargs={"identifier": identifier}), HTTP_ACCEPT="application/ld+json")
    assert (
        linked["Content-Type"].startswith("application/ld+json") and 'image/3/context.json"' in linked["Content-Type"]
    )
    # The image service's own URL sends to its info.json (303, as the spec asks).
    base = client.get(image_base_url(identifier))
    assert base.status_code == 303 and base["Location"] == f"{image_base_url(identifier)}/info.json"


def test_caching_headers_and_not_modified(page_image, archivist):
    _package, identifier = page_image
    client = client_for(archivist)
    url = f"{image_base_url(identifier)}/0,0,256,256/256,/0/default.jpg"
    response = client.get(url)
    assert response["Cache-Control"].startswith("private")
    assert response["Access-Control-Allow-Origin"] == "http://testserver"
    assert (
        response["Link"]
        == f'<http://testserver{image_base_url(identifier)}/0,0,256,256/256,256/0/default.jpg>;rel="canonical", '
        '<http://iiif.io/api/image/3/level2.json>;rel="profile"'
    )
    etag = response["ETag"]
    assert etag.startswith('"') and etag != client.get(url.replace("default", "gray"))["ETag"]
    again = client.get(url, HTTP_IF_NONE_MATCH=etag)
    assert again.status_code == 304 and again.content == b"" and again["ETag"] == etag
    info_url = reverse("iiif:info", kwargs={"identifier": identifier})
    info_etag = client.get(info_url)["ETag"]
    assert client.get(info_url, HTTP_IF_NONE_MATCH=info_etag).status_code == 304
