"""The rich text of a story's body (and of any other outreach text that takes the same subset): a small HTML subset,
cleaned with lxml on every write and again wherever it is shown.

The subset (``ALLOWED_TAGS``)::

    p  h2  h3  blockquote  ul/ol > li                      blocks
    strong  em  a[href]                                    inline; href http(s)://… or site-relative (/…)
    figure > img[src alt] + figcaption                     src: a IIIF Image API URL of this site (/iiif/3/<id>/…)

Everything else is stripped: unknown elements are unwrapped (their text kept, escaped), ``b``/``i`` become
``strong``/``em``, ``h1`` becomes ``h2`` and ``h4``–``h6`` ``h3``; ``script``, ``style``, ``iframe``, ``object``,
``template`` … are dropped with their content; every attribute other than ``a[href]`` and ``img[src, alt]`` goes
(``on*`` handlers, ``style``, ``class``); a link with another scheme (``javascript:``, ``data:``) loses its href and
keeps its text; an image from anywhere but this site's IIIF Image API is dropped with its figure. Loose text at the
top level is gathered into paragraphs. The output is stable: ``clean_html(clean_html(x)) == clean_html(x)``.

Other parts reuse it: the wechat part reads this subset (``ALLOWED_TAGS``, ``image_ids``), pages remove the images
of units that are no longer public (``drop_images``)."""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from html import escape
from urllib.parse import urlsplit

from django.conf import settings
from lxml import etree
from lxml import html as lxml_html

__all__ = [
    "ALLOWED_TAGS",
    "IIIF_IMAGE_PATH",
    "clean_html",
    "drop_images",
    "image_id_of",
    "image_ids",
    "image_url",
    "plain_text",
]

BLOCKS = ("p", "h2", "h3", "blockquote", "ul", "ol", "figure")
INLINE = ("strong", "em", "a")
ALLOWED_TAGS = frozenset({*BLOCKS, *INLINE, "li", "img", "figcaption"})
RENAMED = {"b": "strong", "i": "em", "h1": "h2", "h4": "h3", "h5": "h3", "h6": "h3"}
# Dropped with everything inside them: code, styles, embedded documents, form controls, metadata.
DROPPED = frozenset(
    {
        "script",
        "style",
        "iframe",
        "frame",
        "frameset",
        "object",
        "embed",
        "applet",
        "template",
        "noscript",
        "head",
        "title",
        "meta",
        "link",
        "base",
        "svg",
        "math",
        "textarea",
        "select",
        "button",
        "input",
        "form",
        "canvas",
        "audio",
        "video",
        "source",
        "track",
        "map",
        "area",
    }
)
# /iiif/3/<image id>/<region>/<size>/<rotation>/<quality>.<format> (Image API 3.0, preservation.iiif).
IIIF_IMAGE_PATH = re.compile(
    r"^/iiif/3/(?P<id>[0-9a-f]{32}-[0-9a-f]{24})/(?P<region>full|square|(?:pct:)?[0-9.]+,[0-9.]+,[0-9.]+,[0-9.]+)/"
    r"(?P<size>\^?(?:max|!?(?:pct:)?[0-9.]*,?[0-9.]*))/(?P<rotation>!?[0-9.]+)/"
    r"(?P<quality>default|color|gray|bitonal)\.(?P<format>jpg|png|webp)$"
)
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f\ufffe\uffff]")
_SPACE = re.compile(r"\s+")


def image_url(image_id: str, size: str = "max") -> str:
    """The site-relative Image API URL the body stores for ``image_id``."""
    return f"/iiif/3/{image_id}/full/{size}/0/default.jpg"


def image_id_of(src: str) -> str | None:
    """The IIIF image id an ``img[src]`` names when it is an Image API URL of this site (site-relative, or absolute
    on one of the site's own hosts), else None."""
    path = _site_path(src)
    if path is None:
        return None
    match = IIIF_IMAGE_PATH.match(path)
    return match["id"] if match else None


def _site_path(url: str) -> str | None:
    """The path (with its query) of a URL that points into this site, or None."""
    url = url.strip()
    if url.startswith("/") and not url.startswith("//"):
        return url
    try:
        parts = urlsplit(url)
    except ValueError:
        return None
    if parts.scheme not in ("http", "https") or not parts.hostname:
        return None
    hosts = {h.lower().lstrip(".") for h in settings.ALLOWED_HOSTS if h != "*"}
    if parts.hostname.lower() not in hosts:
        return None
    return parts.path + (f"?{parts.query}" if parts.query else "")


def _href(url: str) -> str | None:
    """A link target the subset keeps: http(s) with a host, or site-relative; None for anything else."""
    url = _CONTROL.sub("", url).strip()
    if not url or any(c.isspace() for c in url):
        return None
    if url.startswith("/") and not url.startswith("//") and "\\" not in url:
        return url
    try:
        parts = urlsplit(url)
    except ValueError:
        return None
    return url if parts.scheme in ("http", "https") and parts.hostname else None


def _attr(value: str) -> str:
    return escape(value, quote=True)


def _text(value: str | None) -> str:
    return escape(_CONTROL.sub("", value), quote=False) if value else ""


class _Writer:
    """Writes the cleaned tree: ``block`` places take blocks (loose inline runs become paragraphs), ``inline`` places
    take text, ``strong``, ``em`` and ``a`` (a block inside them is unwrapped)."""

    def __init__(self) -> None:
        self.out: list[str] = []

    # ------------------------------------------------------------ blocks

    def blocks(self, parent: etree._Element, *, paragraphs: bool = True) -> None:
        """The children of ``parent`` in a block place; loose text and inline elements gathered into ``<p>``
        (``paragraphs=False``: written as they are, in a list item)."""
        run: list[str] = []

        def flush() -> None:
            text = "".join(run)
            run.clear()
            if _SPACE.sub("", _strip_tags(text)):
                self.out.append(f"<p>{text.strip()}</p>" if paragraphs else text)

        if parent.text:
            run.append(_text(parent.text))
        for child in parent:
            tag = _tag(child)
            if tag in BLOCKS or tag in ("h1", "h4", "h5", "h6", "img"):
                flush()
                self.block(child)
            elif tag in ("li",):
                flush()
                self.out.append("<p>")
                self.inline_children(child, self.out)
                self.out.append("</p>")
            elif tag is None or tag in DROPPED:
                pass
            elif tag in ("div", "section", "article", "main", "header", "footer", "aside", "nav", "body", "html"):
                flush()
                self.blocks(child, paragraphs=paragraphs)
            else:
                self.inline(child, run)
            if child.tail:
                run.append(_text(child.tail))
        flush()

    def block(self, element: etree._Element) -> None:
        tag = RENAMED.get(_tag(element) or "", _tag(element))
        if tag in ("p", "h2", "h3"):
            inner: list[str] = []
            self.inline_children(element, inner)
            if _SPACE.sub("", _strip_tags("".join(inner))):
                self.out.append(f"<{tag}>{''.join(inner).strip()}</{tag}>")
        elif tag == "blockquote":
            mark = len(self.out)
            self.out.append("<blockquote>")
            self.blocks(element)
            if len(self.out) == mark + 1:
                self.out.pop()
            else:
                self.out.append("</blockquote>")
        elif tag in ("ul", "ol"):
            items: list[str] = []
            for child in element:
                if _tag(child) in DROPPED or _tag(child) is None:
                    continue
                item = _Writer()
                if _tag(child) == "li":
                    item.blocks(child, paragraphs=False)
                elif _tag(child) in BLOCKS:
                    item.block(child)
                else:
                    item.inline(child, item.out)
                text = "".join(item.out).strip()
                if _SPACE.sub("", _strip_tags(text)):
                    items.append(f"<li>{text}</li>")
            if items:
                self.out.append(f"<{tag}>{''.join(items)}</{tag}>")
        elif tag in ("figure", "img"):
            self.figure(element)

    def figure(self, element: etree._Element) -> None:
        """``figure > img + figcaption``: the first image of this site's Image API and the first caption; a figure
        without such an image is dropped with its caption (a bare ``img`` becomes a figure of its own)."""
        images = [element] if _tag(element) == "img" else [e for e in element.iter("img")]
        image = next((i for i in images if image_id_of(i.get("src") or "")), None)
        if image is None:
            return
        path = _site_path(image.get("src") or "") or ""
        alt = _SPACE.sub(" ", _CONTROL.sub("", image.get("alt") or "")).strip()
        parts = [f'<figure><img src="{_attr(path)}" alt="{_attr(alt)}">']
        caption = next(iter(element.iter("figcaption")), None) if _tag(element) == "figure" else None
        if caption is not None:
            inner: list[str] = []
            self.inline_children(caption, inner)
            text = "".join(inner).strip()
            if _SPACE.sub("", _strip_tags(text)):
                parts.append(f"<figcaption>{text}</figcaption>")
        parts.append("</figure>")
        self.out.append("".join(parts))

    # ------------------------------------------------------------ inline

    def inline_children(self, element: etree._Element, out: list[str]) -> None:
        if element.text:
            out.append(_text(element.text))
        for child in element:
            self.inline(child, out)
            if child.tail:
                out.append(_text(child.tail))

    def inline(self, element: etree._Element, out: list[str]) -> None:
        tag = RENAMED.get(_tag(element) or "", _tag(element))
        if tag is None or tag in DROPPED or tag in ("img", "figure"):
            return
        if tag == "br":
            out.append(" ")
            return
        inner: list[str] = []
        self.inline_children(element, inner)
        text = "".join(inner)
        if tag in ("strong", "em"):
            if text.strip():
                out.append(f"<{tag}>{text}</{tag}>")
            else:
                out.append(text)
        elif tag == "a":
            href = _href(element.get("href") or "")
            out.append(f'<a href="{_attr(href)}">{text}</a>' if href and text.strip() else text)
        else:
            out.append(text)


def _tag(element: etree._Element) -> str | None:
    """The lower-case tag name of an element; None for comments, processing instructions and entities."""
    tag = element.tag
    return tag.lower() if isinstance(tag, str) else None


def _strip_tags(html: str) -> str:
    return re.sub(r"<[^>]*>", "", html)


def _parse(html: str) -> etree._Element | None:
    text = _CONTROL.sub("", html or "")
    if not text.strip():
        return None
    try:
        return lxml_html.fragment_fromstring(text, create_parent="div")
    except (etree.ParserError, ValueError):
        return None


def clean_html(html: str) -> str:
    """``html`` reduced to the subset (module docstring): a string of blocks, every text escaped; "" for nothing."""
    root = _parse(html)
    if root is None:
        return ""
    writer = _Writer()
    writer.blocks(root)
    return "".join(writer.out)


def _figures(html: str) -> Iterator[tuple[str, str]]:
    for match in re.finditer(r'<figure><img src="([^"]*)"', html):
        image = image_id_of(match[1].replace("&amp;", "&"))
        if image:
            yield match[0], image


def image_ids(html: str) -> list[str]:
    """The IIIF image ids of the figures of a cleaned body, in order, each once."""
    seen: dict[str, None] = {}
    for _match, image in _figures(clean_html(html)):
        seen.setdefault(image, None)
    return list(seen)


def drop_images(html: str, keep: Callable[[str], bool]) -> str:
    """A cleaned body without the figures whose image id ``keep`` refuses (their captions go with them)."""
    root = _parse(clean_html(html))
    if root is None:
        return ""
    for figure in list(root.iter("figure")):
        image = figure.find("img")
        image_id = image_id_of(image.get("src") or "") if image is not None else None
        if image_id is None or not keep(image_id):
            figure.drop_tree()
    return clean_html(etree.tostring(root, encoding="unicode", method="html"))


def plain_text(html: str) -> str:
    """The text of a cleaned body (for summaries, search and feeds' plain fields), spaces collapsed."""
    spaced = re.sub(r"(</(?:p|h2|h3|li|figcaption|blockquote)>)", r"\1 ", clean_html(html))
    root = _parse(spaced)
    if root is None:
        return ""
    return _SPACE.sub(" ", root.text_content()).strip()
