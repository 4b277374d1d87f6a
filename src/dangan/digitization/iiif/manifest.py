"""IIIF Presentation API 3.0 documents: the manifest of a digitized unit (one canvas per page, in page order) and the
collection of a fonds (the manifests of its digitized units that the person may see).

The manifest carries only the unit's public description — 档号, 题名, 责任者, 日期, 文号, 全宗, 页数 — never its 密级,
openness, location or internal notes, and nothing about the units above it (one of them may be hidden): a manifest
is made to be passed on, and the public portal will serve the same document.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

from django.conf import settings

from dangan.catalog.dates import date_label
from dangan.core.models import Institution
from dangan.digitization.pages import Page

from .text import ALTO_NAMESPACE, StoredPageText

PRESENTATION_CONTEXT = "http://iiif.io/api/presentation/3/context.json"
IMAGE_SERVICE_PROFILE = "level2"
# Copyright Not Evaluated: what an archives can honestly say of a document until someone has looked
# (setting IIIF_RIGHTS: a Creative Commons or RightsStatements.org URI).
DEFAULT_RIGHTS = "http://rightsstatements.org/vocab/CNE/1.0/"
THUMBNAIL_SIZE = 200
# A page whose master cannot be read still needs a canvas size: an A4 sheet at 300 dpi.
FALLBACK_SIZE = (2480, 3508)

Absolute = Callable[[str], str]  # a path on this site → its absolute URL


def zh(*values: str) -> dict[str, list[str]]:
    return {"zh-Hans": list(values)}


def field_label(chinese: str, english: str) -> dict[str, list[str]]:
    return {"zh-Hans": [chinese], "en": [english]}


@dataclass(frozen=True)
class ManifestLinks:
    """The absolute URLs a manifest points at (the routes live in other modules; the views fill these in)."""

    manifest: str
    search: str
    image_base: Callable[[str], str]  # image id → the absolute id of its image service
    alto: Callable[[int], str]  # page number → its ALTO
    text: Callable[[int], str]  # page number → its plain text


def description_metadata(unit: Any, page_count: int) -> list[dict[str, Any]]:
    fields = [
        ("档号", "Reference code", unit.reference_code or ""),
        ("题名", "Title", unit.title),
        ("责任者", "Creator", unit.responsible),
        ("日期", "Date", date_label(unit.date, unit.date_precision)),
        ("文号", "Document number", unit.document_number),
        ("全宗", "Fonds", f"{unit.fonds.code} {unit.fonds.name}"),
        ("页数", "Pages", str(page_count)),
    ]
    return [{"label": field_label(zh_label, en), "value": zh(value)} for zh_label, en, value in fields if value]


def institution_name() -> str:
    institution = Institution.current()
    return institution.name if institution else "dangan"


def required_statement() -> dict[str, Any]:
    return {"label": field_label("收藏机构", "Held by"), "value": zh(institution_name())}


def provider(absolute: Absolute) -> list[dict[str, Any]]:
    return [{"id": absolute("/"), "type": "Agent", "label": zh(institution_name())}]


def rights() -> str:
    return str(getattr(settings, "IIIF_RIGHTS", "") or DEFAULT_RIGHTS)


def image_service(service_id: str) -> dict[str, Any]:
    return {"id": service_id, "type": "ImageService3", "profile": IMAGE_SERVICE_PROFILE}


def thumbnail(service_id: str) -> dict[str, Any]:
    return {
        "id": f"{service_id}/full/!{THUMBNAIL_SIZE},{THUMBNAIL_SIZE}/0/default.jpg",
        "type": "Image",
        "format": "image/jpeg",
        "service": [image_service(service_id)],
    }


def canvas_id(manifest_id: str, number: int) -> str:
    return f"{manifest_id}/canvas/{number}"


def page_size(page: Page) -> tuple[int, int]:
    if page.width and page.height:
        return page.width, page.height
    return FALLBACK_SIZE


def build_canvas(page: Page, links: ManifestLinks, text: StoredPageText | None) -> dict[str, Any]:
    width, height = page_size(page)
    canvas = canvas_id(links.manifest, page.number)
    service_id = links.image_base(page.image_id)
    result: dict[str, Any] = {
        "id": canvas,
        "type": "Canvas",
        "label": {"zh-Hans": [f"第 {page.number} 页"], "en": [f"Page {page.number}"]},
        "width": width,
        "height": height,
        "thumbnail": [thumbnail(service_id)],
        "items": [
            {
                "id": f"{canvas}/page",
                "type": "AnnotationPage",
                "items": [
                    {
                        "id": f"{canvas}/page/image",
                        "type": "Annotation",
                        "motivation": "painting",
                        "target": canvas,
                        "body": {
                            "id": f"{service_id}/full/max/0/default.jpg",
                            "type": "Image",
                            "format": "image/jpeg",
                            "width": width,
                            "height": height,
                            "service": [image_service(service_id)],
                        },
                    }
                ],
            }
        ],
    }
    if text is not None:
        result["seeAlso"] = [
            {
                "id": links.alto(page.number),
                "type": "Dataset",
                "label": field_label("ALTO 全文（含字符坐标）", "ALTO text with character coordinates"),
                "format": "application/xml",
                "profile": ALTO_NAMESPACE,
            }
        ]
        result["rendering"] = [
            {
                "id": links.text(page.number),
                "type": "Text",
                "label": field_label("识别文本", "Recognized text"),
                "format": "text/plain",
            }
        ]
    return result


def build_manifest(
    unit: Any,
    pages: Sequence[Page],
    texts: dict[int, StoredPageText],
    links: ManifestLinks,
    absolute: Absolute,
    *,
    vertical: bool,
) -> dict[str, Any]:
    """The manifest of ``unit`` (the caller has asked the policy and found pages)."""
    summary = " · ".join(
        v for v in (unit.reference_code, unit.responsible, date_label(unit.date, unit.date_precision)) if v
    )
    manifest: dict[str, Any] = {
        "@context": PRESENTATION_CONTEXT,
        "id": links.manifest,
        "type": "Manifest",
        "label": zh(unit.title),
        "metadata": description_metadata(unit, len(pages)),
        "requiredStatement": required_statement(),
        "rights": rights(),
        "provider": provider(absolute),
        "viewingDirection": "right-to-left" if vertical else "left-to-right",
        "behavior": ["individuals"],
        "service": [{"id": links.search, "type": "SearchService2"}],
        "items": [build_canvas(page, links, texts.get(page.number)) for page in pages],
    }
    if summary:
        manifest["summary"] = zh(summary)
    if pages:
        manifest["thumbnail"] = [thumbnail(links.image_base(pages[0].image_id))]
    return manifest


def build_collection(
    fonds: Any, collection_id: str, units: Sequence[Any], manifest_url: Callable[[Any], str], absolute: Absolute
) -> dict[str, Any]:
    """The collection of ``fonds``: a reference to the manifest of each of ``units`` (already filtered)."""
    return {
        "@context": PRESENTATION_CONTEXT,
        "id": collection_id,
        "type": "Collection",
        "label": zh(f"{fonds.code} {fonds.name}"),
        "summary": zh(f"{fonds.name}的数字化档案"),
        "requiredStatement": required_statement(),
        "provider": provider(absolute),
        "items": [{"id": manifest_url(unit), "type": "Manifest", "label": zh(unit.title)} for unit in units],
    }
