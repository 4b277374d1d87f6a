"""IIIF Image API 3.0 (level 2) for every preserved image: the image id of a package file, its viewing derivatives
(a tiled pyramid and a thumbnail, outside the OCFL objects, rebuilt from the masters at any time) and the routes
``/iiif/3/<image id>/info.json`` and ``/iiif/3/<image id>/<region>/<size>/<rotation>/<quality>.<format>``.

See docs/development/iiif.md."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

__all__ = ["find_image", "image_base_url", "image_id", "image_size", "is_image", "request_derivatives"]

if TYPE_CHECKING:
    from dangan.preservation.models import PackageFile, PreservedPackage


def image_id(file: PackageFile) -> str:
    """``<package uuid without dashes>-<first 24 hex of the file's sha256>``: stable, URL-safe."""
    from .identity import image_id as _image_id

    return _image_id(file)


def find_image(image_id: str) -> PackageFile | None:
    """The package file an image id names (its newest version holding that content), or None."""
    from .identity import find_image as _find_image

    return _find_image(image_id)


def image_base_url(image_id: str) -> str:
    """``/iiif/3/<image id>``: the IIIF ``id`` of the image service (a path; the views make it absolute)."""
    return f"/iiif/3/{image_id}"


def is_image(file: Any) -> bool:
    """Whether a package file is an image the Image API serves (TIFF, JPEG, JPEG 2000, PNG)."""
    from .identity import is_image as _is_image

    return _is_image(file)


def image_size(file: PackageFile) -> tuple[int, int] | None:
    """(width, height) of the image as the Image API serves it (orientation applied; a multi-page TIFF's first
    page), from its derivatives' description or the master's header (no decoding); None when it cannot be read.
    For a manifest's canvases."""
    from .derivatives import image_size as _image_size

    return _image_size(file)


def request_derivatives(package: PreservedPackage) -> None:
    """Queue the building of the viewing derivatives of the images of ``package``'s head version (the worker's
    task; idempotent: images whose derivatives exist are skipped)."""
    from .tasks import build_derivatives_task

    build_derivatives_task.enqueue(package.pk)
