"""A story as a WeChat article (图文消息): WeChat keeps only inline styles (no <style>, no class, no script), serves
only images uploaded with media/uploadimg (others are filtered out), strips links to other sites, and limits the
lengths (draft/add, as documented: title ≤ 32 characters, author ≤ 16, digest ≤ 128, content < 20,000 characters
and < 1 MB, content_source_url ≤ 1 KB).

``plan_article(story)`` reads the story's body — HTML in the subset models/stories.py describes, parsed with lxml and
never trusted: whatever falls outside the subset is dropped — and gives an ``ArticlePlan``: the images to upload
(IIIF image ids of units the public may see: ``catalog.policy`` with the anonymous viewer; any other image is left
out, never fetched) and ``content(urls)``, the article's HTML once the images have their WeChat URLs. Links become
their text followed by the address in parentheses. The units the story cites (that the public may see) are listed
at the end with their 档号. ``check_lengths`` refuses, in Chinese, with the measured length and the limit.
"""

from __future__ import annotations

import io
import re
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urljoin

from django.conf import settings
from django.contrib.auth.models import AnonymousUser
from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _
from lxml import etree, html

from dangan.catalog.models import ArchivalUnit
from dangan.catalog.policy import can_view_unit_files, visible_units
from dangan.outreach.models import Story

TITLE_MAX = 32
AUTHOR_MAX = 16
DIGEST_MAX = 128
CONTENT_MAX_CHARS = 20_000  # "必须少于2万字符": strictly fewer
CONTENT_MAX_BYTES = 1024 * 1024  # "小于1M": strictly less
SOURCE_URL_MAX_BYTES = 1024
UPLOADIMG_MAX_BYTES = 1024 * 1024  # media/uploadimg: jpg/png, "大小必须在1MB以下"
IMAGE_SIDE = 1080  # the widest an article image is shown on a phone at 3x; larger only costs bytes

# The inline styles WeChat keeps (its editor's own look: readable on a phone).
STYLES = {
    "p": "margin:0 0 1em;line-height:1.75;font-size:16px;color:#333;text-align:justify;",
    "h2": "margin:1.5em 0 0.75em;font-size:20px;font-weight:bold;color:#8b0000;",
    "h3": "margin:1.2em 0 0.6em;font-size:17px;font-weight:bold;color:#333;",
    "strong": "font-weight:bold;",
    "em": "font-style:italic;",
    "blockquote": "margin:1em 0;padding:0.5em 1em;border-left:3px solid #8b0000;background:#f7f3ee;color:#555;",
    "ul": "margin:0 0 1em;padding-left:1.5em;",
    "ol": "margin:0 0 1em;padding-left:1.5em;",
    "li": "margin:0 0 0.4em;line-height:1.75;font-size:16px;color:#333;",
    "figure": "margin:1em 0;text-align:center;",
    "img": "max-width:100%;height:auto;display:block;margin:0 auto;",
    "figcaption": "margin-top:0.4em;font-size:13px;color:#888;text-align:center;",
    "section": "margin:2em 0 0;padding-top:1em;border-top:1px solid #ddd;",
    "small": "font-size:13px;color:#888;",
}
# The subset (models/stories.py) and what becomes of other tags: their content kept (unwrapped) or dropped whole.
KEPT = {"p", "h2", "h3", "strong", "em", "blockquote", "ul", "ol", "li", "figure", "img", "figcaption", "a", "br"}
RENAMED = {"b": "strong", "i": "em"}
DROPPED_WHOLE = {"script", "style", "iframe", "object", "embed", "template", "noscript", "svg", "math", "head"}
BLOCKS = {"p", "h2", "h3", "blockquote", "ul", "ol", "figure"}

IMAGE_ID = re.compile(r"/iiif/3/([0-9a-f]{32}-[0-9a-f]{24})(?:/|$)")
BARE_IMAGE_ID = re.compile(r"^[0-9a-f]{32}-[0-9a-f]{24}$")
PLACEHOLDER = "dangan-image:"


class ArticleRefused(ValidationError):
    """The story cannot become a WeChat article as it is (a length over WeChat's limit, no cover)."""


def anonymous() -> AnonymousUser:
    return AnonymousUser()


def image_id_of(src: str) -> str | None:
    """The IIIF image id an <img src> names (``/iiif/3/<id>/…``, absolute or not, or the bare id), else None."""
    src = (src or "").strip()
    if BARE_IMAGE_ID.match(src):
        return src
    match = IMAGE_ID.search(src)
    return match.group(1) if match else None


def public_image_unit(image_id: str) -> ArchivalUnit | None:
    """The unit of a preserved image when the public may see its files; None for an unknown or hidden one (alike)."""
    from dangan.preservation.iiif import find_image

    file = find_image(image_id)
    unit_id = file.package.unit_id if file is not None else None
    if unit_id is None:
        return None
    unit = ArchivalUnit.objects.filter(pk=unit_id).first()
    if unit is None or not can_view_unit_files(anonymous(), unit):
        return None
    return unit


def image_bytes(image_id: str, *, max_bytes: int = UPLOADIMG_MAX_BYTES) -> bytes:
    """The image as a JPEG under ``max_bytes``, at most IMAGE_SIDE pixels a side, rendered in this process from the
    site's own derivatives (preservation.iiif, as the Image API serves it) — only for an image the public may see."""
    from PIL import Image

    from dangan.preservation.iiif.imageapi import Limits, parse_request
    from dangan.preservation.iiif.rendering import image_record, image_source, render

    if public_image_unit(image_id) is None:
        raise ArticleRefused(_("图片 {id} 不存在或不对公众开放，不能上传").format(id=image_id))
    record = image_record(image_id)
    if record is None:
        raise ArticleRefused(_("图片 {id} 不存在或不对公众开放，不能上传").format(id=image_id))
    source = image_source(image_id, record.sha256, record.master)
    limits = Limits(settings.IIIF_MAX_WIDTH, settings.IIIF_MAX_HEIGHT, settings.IIIF_MAX_AREA)
    size = f"!{IMAGE_SIDE},{IMAGE_SIDE}" if max(source.width, source.height) > IMAGE_SIDE else "max"
    wanted = parse_request("full", size, "0", "default.jpg", source.width, source.height, limits)
    data = render(source, wanted)
    if len(data) < max_bytes:
        return data
    # Too heavy (a detailed page): lower the quality, then the size, until it fits.
    picture: Any = Image.open(io.BytesIO(data)).convert("RGB")
    for _step in range(8):
        for quality in (80, 60, 40):
            out = io.BytesIO()
            picture.save(out, "JPEG", quality=quality, optimize=True)
            if out.tell() < max_bytes:
                return out.getvalue()
        picture = picture.resize((max(1, picture.width * 3 // 4), max(1, picture.height * 3 // 4)))
    raise ArticleRefused(_("图片 {id} 无法压缩到 {limit} 字节以下").format(id=image_id, limit=max_bytes))


@dataclass
class ArticlePlan:
    """What a story needs before it is an article: its images (IIIF ids the public may see, in order), the cover,
    and the body as a tree with placeholders where the images' WeChat URLs go."""

    story: Story
    images: list[str]
    cover: str
    tree: Any
    dropped_images: int = 0
    cited: list[tuple[str, str]] = field(default_factory=list)  # (档号, 题名) of the units the public may see

    def content(self, urls: dict[str, str]) -> str:
        """The article's HTML, each image's placeholder replaced by its WeChat URL (an image without one is left
        out with its figure)."""
        tree = etree.fromstring(etree.tostring(self.tree))
        for img in list(tree.iter("img")):
            wanted = img.get("src", "").removeprefix(PLACEHOLDER)
            if wanted in urls:
                img.set("src", urls[wanted])
            else:
                _remove(img.getparent() if img.getparent() is not None and img.getparent().tag == "figure" else img)
        parts = [etree.tostring(child, encoding="unicode", method="html") for child in tree]
        return (tree.text or "") + "".join(parts)

    def title(self) -> str:
        return self.story.title.strip()

    def author(self) -> str:
        return (settings.WECHAT_AUTHOR or self.story.author_name).strip()

    def digest(self) -> str:
        return " ".join(self.story.summary.split())

    def source_url(self) -> str:
        base = settings.WECHAT_SOURCE_URL_BASE
        return f"{base}/stories/{self.story.slug}/" if base else ""


def _remove(element: Any) -> None:
    """Remove ``element`` and keep its tail text in place."""
    parent = element.getparent()
    if parent is None:
        return
    tail = element.tail or ""
    previous = element.getprevious()
    if tail:
        if previous is not None:
            previous.tail = (previous.tail or "") + tail
        else:
            parent.text = (parent.text or "") + tail
    parent.remove(element)


def _link_target(href: str) -> str:
    href = (href or "").strip()
    if re.match(r"^https?://", href, re.IGNORECASE):
        return href
    if href.startswith("/") and settings.WECHAT_SOURCE_URL_BASE:
        return urljoin(settings.WECHAT_SOURCE_URL_BASE + "/", href.lstrip("/"))
    return ""  # javascript:, mailto:, fragments and relative links without a base: the text alone


class _Converter:
    def __init__(self) -> None:
        self.images: list[str] = []
        self.dropped = 0

    def convert(self, source: Any, target: Any) -> None:
        """Append ``source``'s text and children to ``target``, keeping the subset with inline styles only."""
        self._text(target, source.text)
        for child in source:
            if not isinstance(child.tag, str):  # a comment or processing instruction: gone, its tail kept
                self._text(target, child.tail)
                continue
            tag = RENAMED.get(child.tag.lower(), child.tag.lower())
            if tag in DROPPED_WHOLE:
                pass
            elif tag == "a":
                self._link(child, target)
            elif tag == "img":
                self._image(child, target)
            elif tag == "br":
                etree.SubElement(target, "br")
            elif tag in KEPT:
                element = etree.SubElement(target, tag)
                if tag in STYLES:
                    element.set("style", STYLES[tag])
                self.convert(child, element)
                if tag == "figure" and not len(element.findall(".//img")):
                    target.remove(element)  # a figure whose image was left out goes with its caption
            else:  # outside the subset (div, span, table, h1 …): its content, unwrapped
                self.convert(child, target)
            self._text(target, child.tail)

    @staticmethod
    def _text(target: Any, text: str | None) -> None:
        if not text:
            return
        if len(target):
            last = target[-1]
            last.tail = (last.tail or "") + text
        else:
            target.text = (target.text or "") + text

    def _link(self, link: Any, target: Any) -> None:
        self.convert(link, target)
        href = _link_target(link.get("href", ""))
        text = link.text_content().strip()
        if href and href != text:
            small = etree.SubElement(target, "small")
            small.set("style", STYLES["small"])
            small.text = f"（{href}）"

    def _image(self, img: Any, target: Any) -> None:
        # The image id: in src (/iiif/3/<id>/…) or a data- attribute the editor kept (data-image-id, data-iiif …).
        candidates = [img.get("src", "")] + [v for k, v in img.attrib.items() if str(k).startswith("data-")]
        identifier = next((found for value in candidates if (found := image_id_of(value)) is not None), None)
        if identifier is None or public_image_unit(identifier) is None:
            self.dropped += 1  # an outside image or a hidden unit's: never fetched, never uploaded
            return
        if identifier not in self.images:
            self.images.append(identifier)
        element = etree.SubElement(target, "img")
        element.set("src", PLACEHOLDER + identifier)
        alt = (img.get("alt") or "").strip()
        if alt:
            element.set("alt", alt)
        element.set("style", STYLES["img"])


def plan_article(story: Story) -> ArticlePlan:
    """The story's article, before its images are uploaded (nothing is sent or fetched here)."""
    root = etree.Element("div")
    body = (story.body or "").strip()
    converter = _Converter()
    if body:
        source = html.fragment_fromstring(body, create_parent="div")
        converter.convert(source, root)
    # Text outside any block becomes paragraphs of its own (WeChat's editor shows bare text unstyled).
    _wrap_loose_text(root)
    cited = [
        (unit.reference_code or "", unit.title)
        for unit in visible_units(anonymous(), story.units.all()).order_by("reference_code", "pk")
    ]
    if cited:
        section = etree.SubElement(root, "section")
        section.set("style", STYLES["section"])
        heading = etree.SubElement(section, "h3")
        heading.set("style", STYLES["h3"])
        heading.text = _("引用档案")
        listing = etree.SubElement(section, "ul")
        listing.set("style", STYLES["ul"])
        for code, title in cited:
            item = etree.SubElement(listing, "li")
            item.set("style", STYLES["li"])
            item.text = f"{code}　{title}" if code else title
    cover = ""
    if story.cover_image and public_image_unit(story.cover_image) is not None:
        cover = story.cover_image
    elif converter.images:
        cover = converter.images[0]
    return ArticlePlan(story, converter.images, cover, root, converter.dropped, cited)


def _wrap_loose_text(root: Any) -> None:
    if root.text and root.text.strip():
        paragraph = etree.Element("p")
        paragraph.set("style", STYLES["p"])
        paragraph.text = root.text.strip()
        root.insert(0, paragraph)
    root.text = None
    for child in list(root):
        if child.tail and child.tail.strip():
            paragraph = etree.Element("p")
            paragraph.set("style", STYLES["p"])
            paragraph.text = child.tail.strip()
            child.addnext(paragraph)
        child.tail = None
        if child.tag not in BLOCKS and child.tag != "section":
            paragraph = etree.Element("p")
            paragraph.set("style", STYLES["p"])
            child.addprevious(paragraph)
            paragraph.append(child)


def _measured(what: str, length: int, limit: int, unit: str) -> str:
    return _("{what}长度为 {length} {unit}，超过微信的上限 {limit} {unit}").format(
        what=what, length=length, limit=limit, unit=unit
    )


def check_lengths(plan: ArticlePlan, content: str | None = None) -> None:
    """Refuse (ArticleRefused, every problem listed in Chinese) what WeChat would: lengths over its limits, no cover.
    ``content`` is the article's HTML (by default with placeholder URLs as long as WeChat's own)."""
    problems: list[str] = []
    title, author, digest = plan.title(), plan.author(), plan.digest()
    if not title:
        problems.append(_("标题为空"))
    if len(title) > TITLE_MAX:
        problems.append(_measured(_("标题"), len(title), TITLE_MAX, _("字")))
    if len(author) > AUTHOR_MAX:
        problems.append(_measured(_("作者"), len(author), AUTHOR_MAX, _("字")))
    if len(digest) > DIGEST_MAX:
        problems.append(_measured(_("摘要"), len(digest), DIGEST_MAX, _("字")))
    if content is None:
        sample = "http://mmbiz.qpic.cn/mmbiz_jpg/" + "x" * 80 + "/0"
        content = plan.content(dict.fromkeys(plan.images, sample))
    if not content.strip():
        problems.append(_("正文为空"))
    if len(content) >= CONTENT_MAX_CHARS:
        problems.append(
            _("正文（含排版）长度为 {length} 字符，微信要求少于 {limit} 字符").format(
                length=len(content), limit=CONTENT_MAX_CHARS
            )
        )
    size = len(content.encode("utf-8"))
    if size >= CONTENT_MAX_BYTES:
        problems.append(_("正文大小为 {size} 字节，微信要求小于 1 MB").format(size=size))
    if len(plan.source_url().encode()) > SOURCE_URL_MAX_BYTES:
        problems.append(_measured(_("原文链接"), len(plan.source_url().encode()), SOURCE_URL_MAX_BYTES, _("字节")))
    if not plan.cover:
        problems.append(_("没有可公开的封面图：请为故事选择对公众开放档案的图片作封面"))
    if problems:
        raise ArticleRefused(problems)


def article_payload(plan: ArticlePlan, content: str, thumb_media_id: str) -> dict[str, Any]:
    """The article as draft/add takes it."""
    article: dict[str, Any] = {
        "article_type": "news",
        "title": plan.title(),
        "author": plan.author(),
        "digest": plan.digest(),
        "content": content,
        "thumb_media_id": thumb_media_id,
        "need_open_comment": 0,
        "only_fans_can_comment": 0,
    }
    if plan.source_url():
        article["content_source_url"] = plan.source_url()
    return article
