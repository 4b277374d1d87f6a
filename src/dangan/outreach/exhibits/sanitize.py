"""The rich text of an exhibition's text blocks: a small HTML subset, cleaned on every write (and again when shown).

Kept: ``p h2 h3 strong em blockquote ul ol li`` and ``a`` with an ``href`` to http(s), mailto, a path on this site or
a fragment (a link elsewhere is unwrapped); ``b``/``i`` become ``strong``/``em``. Dropped with their content: scripts, styles and every embedding
element. Every other element is unwrapped (its text stays), every attribute but ``a``'s ``href`` is removed (no
handlers, no styles, no classes), comments and processing instructions go. Cleaning clean text changes nothing."""

from __future__ import annotations

import re

from lxml import etree
from lxml import html as lxml_html

__all__ = ["ALLOWED_TAGS", "clean_html", "safe_href"]

ALLOWED_TAGS = frozenset({"p", "h2", "h3", "strong", "em", "blockquote", "ul", "ol", "li", "a"})
RENAMED = {"b": "strong", "i": "em"}
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
        "svg",
        "math",
        "head",
        "title",
        "meta",
        "link",
        "base",
        "textarea",
        "select",
        "option",
        "button",
        "input",
        "form",
        "img",
        "video",
        "audio",
        "source",
        "canvas",
    }
)
_SCHEME = re.compile(r"^([a-z][a-z0-9+.\-]*):")
_INVISIBLE = re.compile(r"[\x00-\x20\x7f-\x9f\u200b-\u200f\u2028-\u202e\ufeff]")
MAX_HREF = 1000


def safe_href(href: str | None) -> str | None:
    """``href`` when it leads somewhere harmless (http, https, mailto, a path or a fragment), else None."""
    if not href:
        return None
    href = href.strip()
    if not href or len(href) > MAX_HREF:
        return None
    compact = _INVISIBLE.sub("", href).lower()
    match = _SCHEME.match(compact)
    if match:
        return href if match.group(1) in ("http", "https", "mailto") else None
    if compact.startswith("//") or compact.startswith("\\"):
        return None  # another host without a scheme
    return href


def _add_text(parent: etree._Element, text: str | None) -> None:
    if not text:
        return
    if len(parent):
        last = parent[-1]
        last.tail = (last.tail or "") + text
    else:
        parent.text = (parent.text or "") + text


def _copy(source: etree._Element, target: etree._Element, links: bool) -> None:
    _add_text(target, source.text)
    for child in source:
        tag = child.tag.lower() if isinstance(child.tag, str) else None
        if tag is None:
            pass  # a comment or a processing instruction: gone, its tail stays
        elif tag in DROPPED:
            pass
        else:
            tag = RENAMED.get(tag, tag)
            href = safe_href(child.get("href")) if tag == "a" and links else None
            if tag in ALLOWED_TAGS and (tag != "a" or href is not None):
                element = etree.SubElement(target, tag)
                if href is not None:
                    element.set("href", href)
                _copy(child, element, links)
            else:
                _copy(child, target, links)  # unwrapped: its text stays
        _add_text(target, child.tail)


def clean_html(text: str, *, links: bool = True) -> str:
    """``text`` reduced to the allowed subset (``links=False``: links unwrapped to their text, for the kiosk)."""
    if not text or not text.strip():
        return ""
    try:
        root = lxml_html.fragment_fromstring(text, create_parent="div")
    except (etree.ParserError, ValueError):
        return ""
    clean = etree.Element("div")
    _copy(root, clean, links)
    serialized = etree.tostring(clean, method="html", encoding="unicode")
    inner = serialized[len("<div>") : -len("</div>")] if serialized.startswith("<div>") else ""
    return inner.strip()
