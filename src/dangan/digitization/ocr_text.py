"""Reading the OCR text of digitized units: the pages a unit has (its preserved masters), the text of each page,
and the full text of many units at once for search (the ``全文`` field, see hooks.py).

Nothing here asks the policy: the caller has (a view through ``catalog.policy``, search through its own filter)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from dangan.preservation.iiif import image_base_url, image_id
from dangan.preservation.models import PackageFile

from .models import PageText
from .pages import MASTERS_PREFIX, master_files

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

# Where the OCR text of the pages goes in the unit's package.
OCR_METADATA_PREFIX = "metadata/ocr/"


@dataclass(frozen=True)
class MasterPage:
    number: int  # 1-based, in page order
    file: PackageFile


def alto_path(page: int) -> str:
    return f"{OCR_METADATA_PREFIX}{page:04d}.alto.xml"


def text_path(page: int) -> str:
    return f"{OCR_METADATA_PREFIX}{page:04d}.txt"


def master_pages(unit: Any) -> list[MasterPage]:
    """The unit's masters in page order (the page rule of ``dangan.digitization.pages``), without reading them."""
    return [MasterPage(number, file) for number, file in enumerate(master_files(unit), start=1)]


def page_image_id(file: PackageFile) -> str:
    """The IIIF image id of a master."""
    return image_id(file)


def page_image_url(file: PackageFile) -> str:
    """A whole-page JPEG of the master through the IIIF Image API."""
    return f"{image_base_url(image_id(file))}/full/max/0/default.jpg"


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
