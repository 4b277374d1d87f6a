"""Reading the OCR text of digitized units: the pages a unit has (its preserved masters), the text of each page,
and the full text of many units at once for search (the ``全文`` field, see hooks.py).

Nothing here asks the policy: the caller has (a view through ``catalog.policy``, search through its own filter)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from dangan.preservation.models import PackageFile, PreservedPackage
from dangan.preservation.store import CONTENT_PREFIX

from .models import PageText

__all__ = [
    "MASTERS_PREFIX",
    "OCR_METADATA_PREFIX",
    "MasterPage",
    "alto_path",
    "master_pages",
    "page_image_id",
    "page_text",
    "page_texts",
    "text_path",
    "unit_full_text",
]

# Where a unit's accepted masters are (page order = sort order of the logical paths), and where their OCR text goes.
MASTERS_PREFIX = CONTENT_PREFIX + "masters/"
OCR_METADATA_PREFIX = "metadata/ocr/"


@dataclass(frozen=True)
class MasterPage:
    number: int  # 1-based, in page order
    file: PackageFile


def alto_path(page: int) -> str:
    return f"{OCR_METADATA_PREFIX}{page:04d}.alto.xml"


def text_path(page: int) -> str:
    return f"{OCR_METADATA_PREFIX}{page:04d}.txt"


def unit_package(unit: Any) -> PreservedPackage | None:
    return PreservedPackage.objects.filter(unit=unit).order_by("pk").first()


def master_pages(unit: Any) -> list[MasterPage]:
    """The head version's files directly under ``content/masters/`` (also a bare ``masters/``), in page order."""
    package = unit_package(unit)
    if package is None:
        return []
    head = package.versions.order_by("-number").first()
    if head is None:
        return []
    files = [
        f
        for f in PackageFile.objects.filter(version=head).select_related("package", "version")
        if _page_name(f.logical_path)
    ]
    files.sort(key=lambda f: _page_name(f.logical_path))
    return [MasterPage(number, f) for number, f in enumerate(files, start=1)]


def _page_name(logical_path: str) -> str:
    for prefix in (MASTERS_PREFIX, "masters/"):
        if logical_path.startswith(prefix):
            rest = logical_path.removeprefix(prefix)
            return "" if "/" in rest else rest
    return ""


def page_image_id(file: PackageFile) -> str:
    """The IIIF image id of a master, as ``dangan.preservation.iiif.image_id`` makes it."""
    try:
        from dangan.preservation.iiif import image_id
    except ImportError:  # before the Image API is installed: the same rule, written out
        return f"{file.package.uuid.hex}-{file.sha256[:24]}"
    return str(image_id(file))


def page_image_url(file: PackageFile) -> str:
    """A whole-page JPEG of the master through the IIIF Image API."""
    try:
        from dangan.preservation.iiif import image_base_url
    except ImportError:
        base = f"/iiif/3/{page_image_id(file)}"
    else:
        base = str(image_base_url(page_image_id(file)))
    return f"{base}/full/max/0/default.jpg"


def page_texts(unit: Any) -> list[PageText]:
    """The unit's page texts in page order."""
    return list(PageText.objects.filter(unit=unit).order_by("page"))


def page_text(unit: Any, page: int) -> PageText | None:
    return PageText.objects.filter(unit=unit, page=page).first()


def unit_full_text(unit_ids: Sequence[int]) -> dict[int, str]:
    """The search provider: unit pk → all its pages' text in page order ("\\n\\n" between pages); units without
    text are left out."""
    found: dict[int, list[str]] = {}
    rows = PageText.objects.filter(unit_id__in=list(unit_ids)).order_by("unit_id", "page")
    for unit_id, text in rows.values_list("unit_id", "text"):
        if text:
            found.setdefault(unit_id, []).append(text)
    return {unit_id: "\n\n".join(texts) for unit_id, texts in found.items()}
