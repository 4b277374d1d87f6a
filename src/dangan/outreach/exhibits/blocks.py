"""The blocks of an exhibition page: what each kind holds (``clean_block``, on every write, with Chinese messages) and
what of it a viewer is shown (``shown_blocks``, at every request).

Kinds and their ``data``::

    text      {"html": "<p>…</p>"}                                   sanitized (exhibits.sanitize)
    image     {"image": "<IIIF image id>", "region": "x,y,w,h" | "", "caption": "…"}
    unit      {"unit": "<unit uuid>"}                                 a unit card: title, 档号, date, thumbnail
    gallery   {"images": [{"image", "region", "caption"}, …]}         2 … 24 images
    timeline  {"entries": [{"date": "1935-01-07", "title": "…", "text": "…"}, …]}
    quote     {"unit": "<unit uuid>", "page": 3, "text": "…", "note": "…"}   a passage of the page's OCR text

A block that names a unit (a card, a quote) is shown only when the viewer may see the unit's record; one that shows
an image of a unit, only when the viewer may see the unit's files (``catalog.policy.can_view_unit_files``); a gallery
keeps its visible images. Anything else is left out without a word: a public page never says that something is
hidden."""

from __future__ import annotations

import re
import uuid as uuid_module
from collections.abc import Iterable
from typing import Any

from django.core.exceptions import ValidationError
from django.urls import NoReverseMatch, reverse
from django.utils.safestring import mark_safe
from django.utils.translation import gettext as _

from dangan.catalog.models import ArchivalUnit
from dangan.catalog.policy import can_view_unit, can_view_unit_files
from dangan.digitization.models import PageText
from dangan.digitization.pages import unit_pages
from dangan.preservation.iiif import find_image, image_base_url
from dangan.preservation.iiif.identity import IMAGE_ID
from dangan.preservation.iiif.imageapi import ParameterError, parse_region

__all__ = [
    "GALLERY_MAX",
    "IMAGE_SIZE",
    "THUMBNAIL_SIZE",
    "clean_block",
    "cover_url",
    "image_url",
    "sees_whole_block",
    "shown_blocks",
]

GALLERY_MAX = 24
TIMELINE_MAX = 100
TEXT_MAX = 20_000
CAPTION_MAX = 300
QUOTE_MAX = 2_000
IMAGE_SIZE = "!1600,1600"
THUMBNAIL_SIZE = "!400,400"
KINDS = ("text", "image", "unit", "gallery", "timeline", "quote")
_DATE = re.compile(r"^\d{4}(-\d{2}(-\d{2})?)?$")
_SPACE = re.compile(r"\s+")


def image_url(image: str, region: str = "", size: str = IMAGE_SIZE) -> str:
    """The IIIF Image API URL of ``image`` (``/iiif/3/<id>/<region>/<size>/0/default.jpg``)."""
    return f"{image_base_url(image)}/{region or 'full'}/{size}/0/default.jpg"


# ---------------------------------------------------------------- validation (every write)


def _text(data: dict[str, Any], key: str, limit: int, label: str, *, required: bool = False) -> str:
    value = data.get(key, "")
    if value is None:
        value = ""
    if not isinstance(value, str):
        raise ValidationError({key: _("%(label)s应为文字。") % {"label": label}})
    value = value.strip()
    if required and not value:
        raise ValidationError({key: _("请填写%(label)s。") % {"label": label}})
    if len(value) > limit:
        raise ValidationError({key: _("%(label)s不能超过 %(limit)d 个字。") % {"label": label, "limit": limit}})
    return value


def _unit(actor: Any, value: Any, *, files: bool = False) -> ArchivalUnit:
    """The unit named by ``value`` (a UUID) that ``actor`` may see (its files too, with ``files``); a hidden one is
    refused as a missing one."""
    missing = ValidationError({"unit": _("找不到该档案（请填写档案的标识符）。")})
    try:
        key = uuid_module.UUID(str(value).strip())
    except (TypeError, ValueError) as exc:
        raise missing from exc
    unit = ArchivalUnit.objects.filter(uuid=key).first()
    if unit is None or not can_view_unit(actor, unit) or (files and not can_view_unit_files(actor, unit)):
        raise missing
    return unit


def _image(actor: Any, item: Any, key: str = "image") -> dict[str, str]:
    if not isinstance(item, dict):
        raise ValidationError({key: _("图像的内容不正确。")})
    identifier = str(item.get("image") or "").strip().lower()
    if not identifier:
        raise ValidationError({key: _("请填写图像标识符。")})
    missing = ValidationError({key: _("找不到该图像：%(image)s。") % {"image": identifier[:80]}})
    if not IMAGE_ID.match(identifier):
        raise missing
    file = find_image(identifier)
    unit = file.package.unit if file is not None else None
    if unit is None or not can_view_unit_files(actor, unit):
        raise missing
    region = str(item.get("region") or "").strip().replace(" ", "")
    if region in ("", "full"):
        region = ""
    else:
        from dangan.preservation.iiif import image_size

        size = image_size(file) if file is not None else None
        width, height = size or (10**9, 10**9)
        try:
            parse_region(region, width, height)
        except ParameterError as exc:
            raise ValidationError(
                {"region": _("局部区域应为 IIIF 区域写法 x,y,宽,高（如 100,200,800,600），且在图像之内。")}
            ) from exc
    caption = _text(item, "caption", CAPTION_MAX, _("图注"))
    return {"image": identifier, "region": region, "caption": caption}


def clean_block(actor: Any, kind: str, data: Any) -> dict[str, Any]:
    """``data`` checked and normalized for a block of ``kind``, as ``actor`` may write it (the units and images it
    names must be ones ``actor`` sees). ValidationError with Chinese messages per field."""
    if kind not in KINDS:
        raise ValidationError({"kind": _("不支持的内容块类型：%(kind)s。") % {"kind": str(kind)[:40]}})
    if not isinstance(data, dict):
        raise ValidationError(_("内容块的内容应为一个对象。"))
    if kind == "text":
        from .sanitize import clean_html

        raw = data.get("html", "")
        if not isinstance(raw, str):
            raise ValidationError({"html": _("正文应为文字。")})
        if len(raw) > TEXT_MAX:
            raise ValidationError({"html": _("正文不能超过 %(limit)d 个字符。") % {"limit": TEXT_MAX}})
        html = clean_html(raw)
        if not html:
            raise ValidationError({"html": _("请填写正文。")})
        return {"html": html}
    if kind == "image":
        return _image(actor, data)
    if kind == "unit":
        return {"unit": str(_unit(actor, data.get("unit")).uuid)}
    if kind == "gallery":
        items = data.get("images")
        if not isinstance(items, list) or len(items) < 2:
            raise ValidationError({"images": _("图集至少需要两幅图像。")})
        if len(items) > GALLERY_MAX:
            raise ValidationError({"images": _("图集最多 %(limit)d 幅图像。") % {"limit": GALLERY_MAX}})
        return {"images": [_image(actor, item, "images") for item in items]}
    if kind == "timeline":
        return {"entries": _timeline(data.get("entries"))}
    return _quote(actor, data)


def _timeline(entries: Any) -> list[dict[str, str]]:
    if not isinstance(entries, list) or not entries:
        raise ValidationError({"entries": _("时间线至少需要一个条目。")})
    if len(entries) > TIMELINE_MAX:
        raise ValidationError({"entries": _("时间线最多 %(limit)d 个条目。") % {"limit": TIMELINE_MAX}})
    cleaned = []
    for number, entry in enumerate(entries, 1):
        if not isinstance(entry, dict):
            raise ValidationError({"entries": _("第 %(n)d 个条目的内容不正确。") % {"n": number}})
        date = str(entry.get("date") or "").strip()
        if not _DATE.match(date):
            raise ValidationError(
                {"entries": _("第 %(n)d 个条目的日期应写作 年、年-月 或 年-月-日（如 1935-01-07）。") % {"n": number}}
            )
        title = _text(entry, "title", 200, _("第 %(n)d 个条目的标题") % {"n": number}, required=True)
        text = _text(entry, "text", 2000, _("第 %(n)d 个条目的说明") % {"n": number})
        cleaned.append({"date": date, "title": title, "text": text})
    cleaned.sort(key=lambda e: e["date"])
    return cleaned


def _quote(actor: Any, data: dict[str, Any]) -> dict[str, Any]:
    unit = _unit(actor, data.get("unit"), files=True)
    try:
        page = int(data.get("page") or 0)
    except (TypeError, ValueError):
        page = 0
    if page < 1:
        raise ValidationError({"page": _("请填写页码（从 1 起）。")})
    text = _text(data, "text", QUOTE_MAX, _("摘录的文字"), required=True)
    page_text = PageText.objects.filter(unit=unit, page=page).values_list("text", flat=True).first()
    if page_text is None:
        raise ValidationError({"page": _("该档案的第 %(page)d 页没有识别文本。") % {"page": page}})
    if _SPACE.sub("", text) not in _SPACE.sub("", page_text):
        raise ValidationError({"text": _("摘录的文字不在该页的识别文本中，请从原文中复制。")})
    note = _text(data, "note", CAPTION_MAX, _("说明"))
    return {"unit": str(unit.uuid), "page": page, "text": text, "note": note}


# ---------------------------------------------------------------- what a viewer is shown (every request)


def _unit_url(unit: ArchivalUnit) -> str:
    try:
        return reverse("portal:unit", args=[unit.uuid])
    except NoReverseMatch:  # pragma: no cover - the portal is always mounted
        return ""


class _Lookup:
    """The units and images the blocks name, each read once and asked of the policy once."""

    def __init__(self, viewer: Any, blocks: list[Any]) -> None:
        self.viewer = viewer
        keys: set[str] = set()
        for block in blocks:
            if block.kind in ("unit", "quote"):
                keys.add(str(block.data.get("unit", "")))
        valid = []
        for key in keys:
            try:
                valid.append(uuid_module.UUID(key))
            except ValueError:
                continue
        self.units = {str(u.uuid): u for u in ArchivalUnit.objects.filter(uuid__in=valid)}
        self._images: dict[str, bool] = {}
        self._thumbnails: dict[int, str | None] = {}

    def unit(self, key: Any, *, files: bool = False) -> ArchivalUnit | None:
        unit = self.units.get(str(key))
        if unit is None or not can_view_unit(self.viewer, unit):
            return None
        if files and not can_view_unit_files(self.viewer, unit):
            return None
        return unit

    def image_visible(self, identifier: str) -> bool:
        if identifier not in self._images:
            file = find_image(identifier)
            unit = file.package.unit if file is not None else None
            self._images[identifier] = unit is not None and can_view_unit_files(self.viewer, unit)
        return self._images[identifier]

    def thumbnail(self, unit: ArchivalUnit) -> str | None:
        if unit.pk not in self._thumbnails:
            url = None
            if can_view_unit_files(self.viewer, unit):
                pages = unit_pages(unit)
                if pages:
                    url = image_url(pages[0].image_id, "", THUMBNAIL_SIZE)
            self._thumbnails[unit.pk] = url
        return self._thumbnails[unit.pk]


def _shown_image(item: dict[str, Any]) -> dict[str, Any]:
    region = item.get("region", "")
    return {
        "image": item["image"],
        "region": region,
        "caption": item.get("caption", ""),
        "url": image_url(item["image"], region),
        "thumbnail": image_url(item["image"], region, THUMBNAIL_SIZE),
    }


def _card(unit: ArchivalUnit, lookup: _Lookup) -> dict[str, Any]:
    return {
        "uuid": str(unit.uuid),
        "title": unit.title,
        "reference_code": unit.reference_code or "",
        "date": unit.date_label,
        "thumbnail": lookup.thumbnail(unit),
        "url": _unit_url(unit),
    }


def shown_blocks(viewer: Any, blocks: Iterable[Any], *, links: bool = True) -> list[dict[str, Any]]:
    """What ``viewer`` is shown of ``blocks`` (in order): one dict per block left in, with its ``kind`` and what
    the templates and the mini program's API show of it. ``links=False`` (the kiosk) unwraps the links of text."""
    from .sanitize import clean_html

    items = list(blocks)
    lookup = _Lookup(viewer, items)
    shown: list[dict[str, Any]] = []
    for block in items:
        data = block.data if isinstance(block.data, dict) else {}
        entry: dict[str, Any] | None = None
        if block.kind == "text":
            # Cleaned on every write and once more here: only the allowed subset can be marked safe.
            html = clean_html(str(data.get("html", "")), links=links)
            entry = {"html": mark_safe(html)} if html else None
        elif block.kind == "image":
            if data.get("image") and lookup.image_visible(data["image"]):
                entry = _shown_image(data)
        elif block.kind == "gallery":
            images = [_shown_image(i) for i in data.get("images", []) if lookup.image_visible(i.get("image", ""))]
            entry = {"images": images} if images else None
        elif block.kind == "timeline":
            entries = data.get("entries", [])
            entry = {"entries": entries} if entries else None
        elif block.kind == "unit":
            unit = lookup.unit(data.get("unit"))
            entry = {"unit": _card(unit, lookup)} if unit is not None else None
        elif block.kind == "quote":
            unit = lookup.unit(data.get("unit"), files=True)
            if unit is not None:
                entry = {
                    "text": data.get("text", ""),
                    "note": data.get("note", ""),
                    "page": data.get("page"),
                    "unit": _card(unit, lookup),
                }
        if entry is not None:
            shown.append({"kind": block.kind, "id": block.pk, **entry})
    return shown


def sees_whole_block(viewer: Any, block: Any) -> bool:
    """Whether ``viewer`` may see everything ``block`` names (its unit, every image): the staff's block form shows
    the ids it holds, so a block naming something hidden from the editor answers like a missing one."""
    data = block.data if isinstance(block.data, dict) else {}
    lookup = _Lookup(viewer, [block])
    if block.kind in ("unit", "quote"):
        return lookup.unit(data.get("unit"), files=block.kind == "quote") is not None
    images = [data.get("image", "")] if block.kind == "image" else [i.get("image", "") for i in data.get("images", [])]
    return all(lookup.image_visible(image) for image in images if image or block.kind == "image")


def cover_url(viewer: Any, image: str) -> str | None:
    """The cover's URL when ``viewer`` may see its unit's files, else None."""
    if not image:
        return None
    return image_url(image, "", IMAGE_SIZE) if _Lookup(viewer, []).image_visible(image) else None
