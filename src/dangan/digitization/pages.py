"""The pages of a digitized unit: the masters its preserved package holds under ``content/masters/`` in its head
version (``content/masters/0001.tif``, ``0002.tif`` …; a bare ``masters/`` is read too), in the sort order of their
logical paths, which is page order.

Every part that needs a unit's pages (the IIIF manifest, OCR jobs, batches) asks ``unit_pages``. The pixel size of
a page is read from the master's header once (Pillow reads no pixels for it) and cached by the file's digest: a
stored file never changes, so the cache never goes stale.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.core.cache import cache
from django.db.models import Q
from PIL import Image, UnidentifiedImageError

from dangan.preservation.iiif import image_id
from dangan.preservation.models import PackageFile, PackageVersion, PreservedPackage
from dangan.preservation.store import CONTENT_PREFIX, storage_root

__all__ = ["MASTERS_PREFIX", "Page", "image_size", "masters_filter", "page_image_id", "unit_pages"]

# Where batches preserve accepted masters (preservation keeps every content file under content/).
MASTERS_PREFIX = CONTENT_PREFIX + "masters/"
MASTERS_PREFIXES = (MASTERS_PREFIX, "masters/")
_SIZE_CACHE = "dangan:digitization:page-size:"
_SIZE_TTL = 60 * 60 * 24 * 30  # the key is the content digest: an entry is never wrong, only evicted


@dataclass(frozen=True)
class Page:
    number: int  # 1-based, in page order
    file: PackageFile
    image_id: str  # the IIIF Image API identifier (dangan.preservation.iiif.image_id)
    width: int | None
    height: int | None


def page_image_id(file: PackageFile) -> str:
    """The IIIF image id of a master (``dangan.preservation.iiif.image_id``)."""
    return image_id(file)


def masters_filter(prefix: str = "") -> Q:
    """PackageFile rows under a masters folder (``prefix``: the path to the PackageFile, for a related query)."""
    q = Q()
    for folder in MASTERS_PREFIXES:
        q |= Q(**{f"{prefix}logical_path__startswith": folder})
    return q


def page_name(logical_path: str) -> str:
    """The file's name when it lies directly in a masters folder (a page), else ""."""
    for folder in MASTERS_PREFIXES:
        if logical_path.startswith(folder):
            rest = logical_path.removeprefix(folder)
            return "" if "/" in rest else rest
    return ""


def head_version(package: PreservedPackage) -> PackageVersion | None:
    return package.versions.order_by("-number").first()


def unit_package(unit: Any) -> PreservedPackage | None:
    return PreservedPackage.objects.filter(unit=unit).order_by("pk").first()


def master_files(unit: Any) -> list[PackageFile]:
    """The head version's files directly in the masters folder, in page order (none when the unit has no
    package)."""
    package = unit_package(unit)
    if package is None:
        return []
    head = head_version(package)
    if head is None:
        return []
    files = list(
        PackageFile.objects.filter(masters_filter(), version=head).only(
            "id", "package_id", "version_id", "logical_path", "size", "sha256", "sha512", "mime_type"
        )
    )
    for file in files:  # the package and version are these two: no join, no second query
        file.package, file.version = package, head
    # Only files directly in the folder are pages (a masters/rework/… folder would not be).
    pages = [f for f in files if page_name(f.logical_path)]
    return sorted(pages, key=lambda f: page_name(f.logical_path))


def image_size(file: PackageFile) -> tuple[int, int] | None:
    """(width, height) of a stored image from its header, cached by digest; None when it cannot be read."""
    key = _SIZE_CACHE + (file.sha256 or file.sha512)
    cached = cache.get(key)
    if cached is not None:
        return (int(cached[0]), int(cached[1])) if cached else None
    size: tuple[int, int] | None
    try:
        handle = storage_root().open_file(file.package.object_id, file.logical_path, file.version.number)
        with handle, Image.open(handle) as image:
            size = (int(image.width), int(image.height))
    except Image.DecompressionBombError:
        size = None  # past Pillow's guard even for the header: leave the size to the image service
    except (OSError, KeyError, UnidentifiedImageError):
        size = None
    cache.set(key, list(size) if size else [], _SIZE_TTL)
    return size


def unit_pages(unit: Any) -> list[Page]:
    """The unit's pages in order (empty when it has no preserved masters). The caller has asked the policy."""
    pages = []
    for number, file in enumerate(master_files(unit), start=1):
        size = image_size(file)
        pages.append(
            Page(
                number=number,
                file=file,
                image_id=page_image_id(file),
                width=size[0] if size else None,
                height=size[1] if size else None,
            )
        )
    return pages
