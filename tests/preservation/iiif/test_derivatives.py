"""Viewing derivatives: requested by preservation itself once a preserve with images commits, built by the worker's
task (idempotent), laid out under DERIVATIVES_ROOT without half-written files, rebuilt from the masters by
`dangan derivatives rebuild`; the master serves until they exist. Masters in every format a scanner writes."""

from __future__ import annotations

import io
import json

import numpy
import pytest
from PIL import Image

from dangan.cli import main
from dangan.preservation.iiif import image_base_url, image_id
from dangan.preservation.iiif.building import head_images
from dangan.preservation.iiif.derivatives import derivative_dir, master_path, read_info
from dangan.preservation.iiif.rendering import image_source
from dangan.preservation.iiif.tasks import build_derivatives_task
from tests.helpers import client_for

from .conftest import HEIGHT, WIDTH, decoded, encoded, quadrant_page

pytestmark = pytest.mark.django_db


def source_kind(package):
    [file] = head_images(package)
    return image_source(image_id(file), file.sha256, master_path(file)).kind


def test_the_task_builds_a_pyramid_and_a_thumbnail(page_image, derivatives):
    package, identifier = page_image
    assert source_kind(package) == "master" and not derivative_dir(identifier).exists()
    assert build_derivatives_task.enqueue(package.pk).return_value == 1
    directory = derivative_dir(identifier)
    assert directory == derivatives / identifier[:2] / identifier
    assert sorted(p.name for p in directory.iterdir()) == ["derivative.json", "pyramid.tif", "thumbnail.jpg"]
    info = json.loads((directory / "derivative.json").read_text())
    assert (info["width"], info["height"]) == (WIDTH, HEIGHT) and len(info["levels"]) == 4
    with Image.open(directory / "pyramid.tif") as pyramid:
        assert pyramid.n_frames == 4 and pyramid.size == (WIDTH, HEIGHT)
        assert (pyramid.tag_v2[322], pyramid.tag_v2[323]) == (256, 256)  # TileWidth, TileLength
        assert pyramid.tag_v2[259] == 7  # Compression: JPEG
    with Image.open(directory / "thumbnail.jpg") as thumbnail:
        assert thumbnail.size == (400, 300)
    assert source_kind(package) == "pyramid"
    # Again: nothing to do (idempotent), the files untouched.
    stamp = (directory / "pyramid.tif").stat().st_mtime_ns
    assert build_derivatives_task.enqueue(package.pk).return_value == 0
    assert (directory / "pyramid.tif").stat().st_mtime_ns == stamp


def test_an_unfinished_derivative_is_never_served(page_image, archivist):
    package, identifier = page_image
    build_derivatives_task.enqueue(package.pk)
    (derivative_dir(identifier) / "derivative.json").unlink()  # as if the build died before its last rename
    assert source_kind(package) == "master" and read_info(identifier) is None
    tile = client_for(archivist).get(f"{image_base_url(identifier)}/0,0,256,256/256,/0/default.jpg")
    assert tile.status_code == 200 and decoded(tile.content).size == (256, 256)
    assert build_derivatives_task.enqueue(package.pk).return_value == 1  # the rerun finishes it
    assert source_kind(package) == "pyramid"


def test_preserving_images_requests_derivatives_after_the_commit(
    make_unit, preserve_images, django_capture_on_commit_callbacks
):
    unit = make_unit()
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        package = preserve_images(unit, {"masters/0001.tif": encoded(quadrant_page(600, 400), "TIFF")})
    assert len(callbacks) == 1 and source_kind(package) == "pyramid"
    # A version without new images asks for nothing.
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        preserve_images(unit, {"说明.txt": "补充说明\n".encode()})
    assert callbacks == []


def test_rebuild_from_the_masters(make_unit, preserve_images, derivatives, capsys):
    first = preserve_images(make_unit(), {"masters/0001.jpg": encoded(quadrant_page(500, 400), "JPEG")})
    second = preserve_images(
        make_unit(),
        {
            "masters/0001.png": encoded(quadrant_page(300, 500), "PNG"),
            "masters/0002.png": encoded(quadrant_page(320, 500), "PNG"),
        },
    )
    assert main(["derivatives", "rebuild", "--json"]) == 0
    report = json.loads(capsys.readouterr().out)
    assert report == {"images": 3, "built": 3, "skipped": 0, "failed": []}
    # The whole cache is lost: built again from the masters.
    import shutil

    shutil.rmtree(derivatives)
    assert source_kind(first) == "master"
    assert main(["derivatives", "rebuild", "--unit", str(first.unit.uuid), "--missing-only", "--json"]) == 0
    assert json.loads(capsys.readouterr().out)["built"] == 1
    assert source_kind(first) == "pyramid"
    assert main(["derivatives", "rebuild", "--missing-only"]) == 0
    assert "生成 2，已有 1" in capsys.readouterr().out
    assert all(read_info(image_id(f)) is not None for f in head_images(second))
    assert main(["derivatives", "rebuild", "--unit", "Z109-WS·2099-Y-BGS-9999"]) == 2
    assert "找不到" in capsys.readouterr().err


def test_a_master_that_cannot_be_decoded_is_reported(make_unit, preserve_images, capsys):
    package = preserve_images(make_unit(), {"masters/0001.png": encoded(quadrant_page(300, 200), "PNG")[:400]})
    assert len(head_images(package)) == 1
    assert main(["derivatives", "rebuild", "--json"]) == 1
    [failure] = json.loads(capsys.readouterr().out)["failed"]
    assert "content/masters/0001.png" in failure


def _multipage_tiff() -> bytes:
    out = io.BytesIO()
    first = Image.fromarray(quadrant_page(640, 480))
    first.save(out, "TIFF", save_all=True, append_images=[Image.new("RGB", (100, 100), (0, 0, 0))])
    return out.getvalue()


def _grey16_png() -> bytes:
    ramp = numpy.tile(numpy.linspace(0, 65535, 640, dtype=numpy.uint16), (480, 1))
    out = io.BytesIO()
    Image.fromarray(ramp).save(out, "PNG")
    return out.getvalue()


def _rgba_png() -> bytes:
    pixels = numpy.dstack([quadrant_page(640, 480), numpy.full((480, 640), 255, numpy.uint8)])
    pixels[:10, :10, 3] = 0
    return encoded(pixels, "PNG")


def _cmyk_jpeg() -> bytes:
    out = io.BytesIO()
    Image.fromarray(quadrant_page(640, 480)).convert("CMYK").save(out, "JPEG")
    return out.getvalue()


@pytest.mark.parametrize(
    ("name", "make", "mode"),
    [
        ("masters/0001.tif", _multipage_tiff, "RGB"),  # the first page: the scanned master
        ("masters/0001.jp2", lambda: encoded(quadrant_page(640, 480), "JPEG2000"), "RGB"),  # through Pillow
        ("masters/0001.png", _grey16_png, "L"),
        ("masters/0001.png", _rgba_png, "RGB"),
        ("masters/0001.jpg", _cmyk_jpeg, "RGB"),
        ("masters/0001.tif", lambda: encoded(quadrant_page(640, 480)[:, :, 0], "TIFF", compression="tiff_lzw"), "L"),
    ],
)
def test_masters_of_every_format(make_unit, preserve_images, archivist, name, make, mode):
    package = preserve_images(make_unit(), {name: make()})
    [file] = head_images(package)
    identifier = image_id(file)
    client = client_for(archivist)
    for _ in ("master", "pyramid"):
        info = client.get(f"{image_base_url(identifier)}/info.json").json()
        assert (info["width"], info["height"]) == (640, 480)
        tile = decoded(client.get(f"{image_base_url(identifier)}/256,128,256,256/128,/0/default.jpg").content)
        assert tile.size == (128, 128) and tile.mode == mode
        build_derivatives_task.enqueue(package.pk)
    assert source_kind(package) == "pyramid"


def test_a_viewer_tile_is_the_stored_tile(page_image, archivist):
    """An aligned full tile of a pyramid level in JPEG is sent as stored (no decoding, no encoding), and shows the
    same pixels as the rendered path (PNG of the same region)."""
    from dangan.preservation.iiif.imageapi import Limits, parse_request
    from dangan.preservation.iiif.rendering import stored_tile

    package, identifier = page_image
    build_derivatives_task.enqueue(package.pk)
    [file] = head_images(package)
    source = image_source(identifier, file.sha256, master_path(file))
    limits = Limits(10000, 10000, 40_000_000)

    def request(region, size="256,", rotation="0", quality="default.jpg"):
        return parse_request(region, size, rotation, quality, WIDTH, HEIGHT, limits)

    client = client_for(archivist)
    for region in ("256,256,256,256", "512,0,512,512"):  # levels 0 and 1 (level 2, 300 × 225, is one edge tile)
        assert stored_tile(source, request(region)) is not None
        sent = numpy.asarray(decoded(client.get(f"{image_base_url(identifier)}/{region}/256,/0/default.jpg").content))
        rendered = numpy.asarray(
            decoded(client.get(f"{image_base_url(identifier)}/{region}/256,/0/default.png").content)
        )
        assert sent.shape == rendered.shape == (256, 256, 3)
        assert numpy.abs(sent.astype(int) - rendered.astype(int)).mean() < 3
    # Anything else is rendered: an edge tile (stored padded), another size, rotation, quality, format.
    for params in (
        ("1024,768,176,132", "176,"),
        ("256,256,256,256", "128,"),
        ("256,256,256,256", "256,", "90"),
        ("256,256,256,256", "256,", "0", "gray.jpg"),
        ("256,256,256,256", "256,", "0", "default.png"),
        ("100,0,256,256",),
    ):
        assert stored_tile(source, request(*params)) is None


def test_what_a_killed_build_left_is_cleared(page_image):
    import os
    import time

    package, identifier = page_image
    left = derivative_dir(identifier) / ".build-killed"
    left.mkdir(parents=True)
    (left / "pyramid.tif").write_bytes(b"half")
    old = time.time() - 7200
    os.utime(left, (old, old))
    assert build_derivatives_task.enqueue(package.pk).return_value == 1
    assert not left.exists() and read_info(identifier) is not None


def test_image_size_without_decoding(make_unit, preserve_images):
    from dangan.preservation.iiif import image_size

    package = preserve_images(
        make_unit(),
        {
            "masters/0001.tif": _multipage_tiff(),
            "masters/0002.jp2": encoded(quadrant_page(320, 200), "JPEG2000"),
            "masters/0003.png": encoded(quadrant_page(300, 200), "PNG")[:400],
        },
    )
    tiff, jp2, broken = head_images(package)
    assert image_size(tiff) == (640, 480) and image_size(jp2) == (320, 200)
    assert image_size(broken) in (None, (300, 200))  # the header may still be whole
    rebuilt = main(["derivatives", "rebuild", "--missing-only", "--json"])
    assert rebuilt == 1 and image_size(tiff) == (640, 480)


def test_threads_share_the_opened_images(page_image):
    """The per-process caches under a threaded server: many threads rendering at once get the same pixels."""
    from concurrent.futures import ThreadPoolExecutor

    from dangan.preservation.iiif.imageapi import Limits, parse_request
    from dangan.preservation.iiif.rendering import clear_caches, render

    package, identifier = page_image
    [file] = head_images(package)
    limits = Limits(10000, 10000, 40_000_000)
    wanted = [
        parse_request(region, "128,", "0", "default.png", WIDTH, HEIGHT, limits)
        for region in ("0,0,256,256", "512,256,256,256", "256,0,512,512", "full")
    ]

    def all_tiles() -> list[bytes]:
        source = image_source(identifier, file.sha256, master_path(file))
        return [render(source, request) for request in wanted]

    for built in (False, True):
        if built:
            build_derivatives_task.enqueue(package.pk)
        clear_caches()
        with ThreadPoolExecutor(8) as pool:
            results = list(pool.map(lambda _: all_tiles(), range(16)))
        assert all(result == results[0] for result in results)


def test_a_request_inside_one_tile_decodes_only_that_tile(page_image):
    """An edge tile (stored padded) or a part of one tile: that tile alone decoded, cropped and encoded — the same
    pixels as the general path (pyvips over the level)."""
    from dangan.preservation.iiif.imageapi import Limits, parse_request
    from dangan.preservation.iiif.rendering import _extract, stored_tile, within_one_tile

    package, identifier = page_image
    build_derivatives_task.enqueue(package.pk)
    [file] = head_images(package)
    source = image_source(identifier, file.sha256, master_path(file))
    limits = Limits(10000, 10000, 40_000_000)
    for region, size in (
        ("1024,768,176,132", "176,"),
        ("1024,512,176,388", "88,"),
        ("full", "75,"),
        ("10,20,100,50", "50,"),
    ):
        request = parse_request(region, size, "0", "default.png", WIDTH, HEIGHT, limits)
        assert stored_tile(source, request) is None
        data = within_one_tile(source, request)
        assert data is not None
        fast = numpy.asarray(decoded(data)).astype(int)
        general = _extract(source, request)
        reference = numpy.ndarray(
            buffer=general.write_to_memory(), dtype=numpy.uint8, shape=(general.height, general.width, general.bands)
        ).astype(int)
        assert fast.shape == reference.shape
        assert numpy.abs(fast - reference).mean() < 4
    # Across two tiles, rotated or bitonal: the general path.
    for region, rotation, quality in (
        ("200,200,100,100", "0", "default"),
        ("0,0,100,100", "90", "default"),
        ("0,0,100,100", "0", "bitonal"),
    ):
        assert (
            within_one_tile(source, parse_request(region, "max", rotation, f"{quality}.jpg", WIDTH, HEIGHT, limits))
            is None
        )
