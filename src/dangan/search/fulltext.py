"""The full text of units (the OCR text of their pages now; transcriptions later): higher apps register a provider
that gives each unit's text, search indexes it as the unit's field 全文 (``全文:词``, and plain queries), and
``match_spans`` finds where a query matches inside a text, by the same folding as the analyzer (繁简, full width),
for snippets and for the highlight of a hit on a page image.

Full text is layout as much as words: OCR writes a line break wherever a column or line of the page ends, inside
words too. Whitespace between two Chinese characters is therefore dropped before the analysis (遵义⏎会议 is 遵义会议),
both when the text is indexed and in ``match_spans``.
"""

from __future__ import annotations

import hashlib
import html
import re
import unicodedata
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from functools import lru_cache

import numpy as np

from .analysis import _CJK, _PHRASE_RE, _PHRASE_STARTS, _PHRASES, _T2S

__all__ = [
    "FULLTEXT_FIELD",
    "Provider",
    "chunks",
    "first_span",
    "fulltext_digest",
    "match_spans",
    "piece_at",
    "piece_digest",
    "piece_snippet",
    "pieces",
    "prepare_text",
    "providers",
    "register_fulltext_provider",
    "snippet",
    "unit_full_texts",
]

# The field name in the query language (全文:词) and in the index.
FULLTEXT_FIELD = "fulltext"

Provider = Callable[[Sequence[int]], Mapping[int, str]]

_providers: dict[str, Provider] = {}


def register_fulltext_provider(name: str, provider: Provider) -> None:
    """Register ``provider``: unit pks → their full text (units without text may be left out). Search indexes what
    it returns as each unit's field 全文; registering again under the same name replaces the provider. Reindexing
    follows ``catalog.signals.notify_units_changed`` for the units whose text changed, as for any unit change."""
    _providers[name] = provider


def unregister_fulltext_provider(name: str) -> None:
    """Remove a provider (tests; an app that is switched off)."""
    _providers.pop(name, None)


def providers() -> dict[str, Provider]:
    """The registered providers, by name."""
    return dict(_providers)


def unit_full_texts(unit_ids: Sequence[int]) -> dict[int, str]:
    """Each unit's full text from every provider (in the order of their names, "\\n\\n" between two providers'
    texts); units without any text are left out."""
    if not unit_ids or not _providers:
        return {}
    out: dict[int, str] = {}
    for name in sorted(_providers):
        found = _providers[name](list(unit_ids))
        for unit_id, text in found.items():
            if not text or not text.strip():
                continue
            key = int(unit_id)
            out[key] = out[key] + "\n\n" + text if key in out else text
    return out


def fulltext_digest(text: str) -> str:
    """A short digest of a unit's full text and the analyzer version (whether its index rows are current)."""
    from .analysis import ANALYZER_VERSION

    return hashlib.blake2b((ANALYZER_VERSION + "\x1f" + text).encode(), digest_size=8).hexdigest()


# Preparation and chunks ------------------------------------------------------------------------------------------

_LAYOUT_SPACE = re.compile(f"(?<=[{_CJK}])\\s+(?=[{_CJK}])")
_CJK_CHAR = re.compile(f"[{_CJK}]")


def prepare_text(text: str) -> str:
    """The text as the analyzer reads it: whitespace between two Chinese characters (line and page breaks of the
    page's layout) dropped."""
    return _LAYOUT_SPACE.sub("", text)


# A unit's full text is analysed and stored in pieces of at most this many characters: memory stays bounded for a
# 300-page unit, and a PostgreSQL tsvector stays far below its 1 MB limit and its 16,383 positions.
CHUNK_CHARS = 4_000
_SEPARATOR = re.compile(r"[^\w]", re.UNICODE)
# A piece cut inside a run of letters (no separator near the end) repeats the last characters at the start of the
# next piece, so that every n-gram (up to four characters) across the cut is in one of them.
_OVERLAP = 3


# Providers put a blank line between pages ("\n\n"): a unit's text is cut there first, so that a correction of one
# page changes the pieces of that page only, and only those are analysed and written again.
_PAGE_BREAK = re.compile(r"\n[^\S\n]*\n\s*")
_CJK_AT_START = re.compile(f"[{_CJK}]{{1,{_OVERLAP}}}")


def pieces(text: str, size: int = CHUNK_CHARS) -> Iterator[str]:
    """``text`` prepared (``prepare_text``) and cut into the pieces it is indexed in: each page alone (at most
    ``size`` characters a piece, ``chunks``); where a page ends and the next begins with Chinese characters, the
    page's last piece also holds the next page's first three characters, so that a word across the page break is
    found (as within a page)."""
    pages = _PAGE_BREAK.split(text)
    for n in range(len(pages)):
        yield from _page_pieces(pages, n, size)


def _page_pieces(pages: list[str], n: int, size: int) -> list[str]:
    page = prepare_text(pages[n])
    if not page.strip():
        return []
    page_pieces = list(chunks(page, size))
    if n + 1 < len(pages) and _CJK_CHAR.match(page[-1]):
        following = pages[n + 1].lstrip()
        if start := _CJK_AT_START.match(prepare_text(following[: 4 * _OVERLAP])):
            page_pieces[-1] += start.group(0)
    return page_pieces


def piece_at(text: str, number: int, size: int = CHUNK_CHARS) -> str | None:
    """Piece ``number`` of ``pieces(text)``, preparing only the page that holds it (a page no longer than a piece
    is one piece, whatever its preparation)."""
    pages = _PAGE_BREAK.split(text)
    seen = 0
    for n, raw in enumerate(pages):
        if not raw.strip():
            continue
        if len(raw) <= size and seen != number:
            seen += 1
            continue
        found = _page_pieces(pages, n, size)
        if number < seen + len(found):
            return found[number - seen]
        seen += len(found)
    return None


def piece_digest(piece: str) -> str:
    """A short digest of one piece and the analyzer version (whether its index row is current)."""
    from .analysis import ANALYZER_VERSION

    return hashlib.blake2b((ANALYZER_VERSION + "\x1f" + piece).encode(), digest_size=6).hexdigest()


def chunks(text: str, size: int = CHUNK_CHARS) -> Iterator[str]:
    """``text`` (prepared) in pieces of at most ``size`` characters, cut after a separator (space, punctuation)
    where there is one in the last half of the piece."""
    start, n = 0, len(text)
    while start < n:
        end = start + size
        if end >= n:
            yield text[start:]
            return
        cut = -1
        for match in _SEPARATOR.finditer(text, start + size // 2, end):
            cut = match.end()
        if cut > start:
            yield text[start:cut]
            start = cut
        else:
            yield text[start:end]
            start = end - _OVERLAP


# match_spans ---------------------------------------------------------------------------------------------------


@lru_cache(maxsize=1)
def _width_tables() -> tuple[dict[int, str], re.Pattern[str]]:
    """NFKC one character at a time: a translation table for the characters it maps to one other character
    (full-width forms, compatibility ideographs …), and a pattern of those it maps to several or none, or that
    combine with others (folded one by one)."""
    table: dict[int, str] = {}
    ranges: list[tuple[int, int]] = []
    for code in range(0x80, 0x110000):
        if 0xD800 <= code <= 0xDFFF:
            continue
        c = chr(code)
        folded = unicodedata.normalize("NFKC", c)
        if folded == c and not unicodedata.combining(c):
            continue
        if len(folded) == 1 and not unicodedata.combining(c) and not unicodedata.combining(folded):
            table[code] = folded
        elif ranges and ranges[-1][1] == code - 1:
            ranges[-1] = (ranges[-1][0], code)
        else:
            ranges.append((code, code))
    body = "".join(re.escape(chr(a)) if a == b else f"{re.escape(chr(a))}-{re.escape(chr(b))}" for a, b in ranges)
    return table, re.compile(f"[{body}]")


_SPACE = re.compile(r"\s+")


def _code_points(text: str) -> np.ndarray:
    return np.frombuffer(text.encode("utf-32-le"), dtype=np.uint32)


def fold(text: str) -> tuple[str, np.ndarray]:
    """``text`` folded as the analyzer folds it (NFKC width folding, traditional → simplified with its phrases,
    lower case; whitespace between Chinese characters dropped, other whitespace one space), and for each folded
    character the offset of the original character it comes from (an array)."""
    one_to_one, several = _width_tables()
    folded = text.translate(one_to_one)
    origin: np.ndarray | None = None  # None: character for character
    if several.search(folded):
        pieces: list[str] = []
        counts = np.ones(len(folded), dtype=np.int64)
        last = 0
        for match in several.finditer(folded):
            i = match.start()
            pieces.append(folded[last:i])
            expanded = unicodedata.normalize("NFKC", match.group(0))
            pieces.append(expanded)
            counts[i] = len(expanded)
            last = i + 1
        pieces.append(folded[last:])
        folded = "".join(pieces)
        origin = np.repeat(np.arange(len(text), dtype=np.int64), counts)
    if _PHRASE_RE is not None and not _PHRASE_STARTS.isdisjoint(folded):
        # Phrases whose simplified form differs from the character-by-character one (乾隆 stays 乾隆): the same
        # length, so they are replaced in place.
        folded = _PHRASE_RE.sub(lambda m: _PHRASES[m.group(0)], folded)
    converted = folded.translate(_T2S)
    lowered = converted.lower()
    if len(lowered) != len(converted):  # a letter whose lower case is longer (İ): one by one
        counts = np.array([len(c.lower()) for c in converted], dtype=np.int64)
        lowered = "".join(c.lower() for c in converted)
        base = origin if origin is not None else np.arange(len(text), dtype=np.int64)
        origin = np.repeat(base, counts)
    if origin is None:
        origin = np.arange(len(lowered), dtype=np.int64)
    # Whitespace: dropped between two Chinese characters (layout), else one space.
    runs = list(_SPACE.finditer(lowered))
    if not runs:
        return lowered, origin
    chars = _code_points(lowered).copy()
    keep = np.ones(len(lowered), dtype=bool)
    end_all = len(lowered)
    for match in runs:
        s, e = match.span()
        keep[s:e] = False
        if s > 0 and e < end_all and not (_CJK_CHAR.match(lowered[s - 1]) and _CJK_CHAR.match(lowered[e])):
            keep[s] = True
            chars[s] = 32
    return chars[keep].tobytes().decode("utf-32-le"), origin[keep]


def _query_terms(query: str) -> list[str]:
    """The texts of the query's positive terms (field prefixes ignored, NOT terms left out); a query the parser
    cannot read is taken word by word."""
    from .query import QuerySyntaxError, parse_query, positive_terms

    try:
        parsed = parse_query(query)
    except QuerySyntaxError:
        words = []
        for word in query.split():
            if word.startswith("-"):
                continue
            word = word.split(":", 1)[-1] if ":" in word else word
            words.append(word.strip('"“”「」『』()'))
        return [w for w in words if w]
    return [term.text for term in positive_terms(parsed.root)]


_WORD_CHAR = re.compile(r"[^\W_]")


def _is_word_char(c: str) -> bool:
    return bool(_WORD_CHAR.match(c)) and not _CJK_CHAR.match(c)


def match_spans(text: str, query: str) -> list[tuple[int, int]]:
    """Character offsets ``(start, end)`` in ``text`` where ``query`` matches, in text order, overlapping matches
    merged: through the analyzer's folding (a simplified query finds traditional text and the other way round,
    full-width and half-width alike), whitespace between Chinese characters ignored (a word across a line break
    is one match, its span covers the break), every positive term of a multi-word query, field prefixes
    (全文:, 题名: …) ignored. A Chinese term matches anywhere (as the index's n-grams do); a Latin or digit term
    matches whole words."""
    if not text or not query:
        return []
    needles = _needles(_query_terms(query))
    if not needles:
        return []
    folded, origin = fold(text)
    found: list[tuple[int, int]] = []
    for needle in needles:
        start_word = _is_word_char(needle[0])
        end_word = _is_word_char(needle[-1])
        at = folded.find(needle)
        while at != -1:
            end = at + len(needle)
            whole = not (start_word and at > 0 and _is_word_char(folded[at - 1])) and not (
                end_word and end < len(folded) and _is_word_char(folded[end])
            )
            if whole:
                found.append((int(origin[at]), int(origin[end - 1]) + 1))
                at = folded.find(needle, end)
            else:
                at = folded.find(needle, at + 1)
    return merge_spans(found)


def _needles(terms: Iterable[str]) -> list[str]:
    needles: list[str] = []
    for term in terms:
        folded = fold(term)[0].strip()
        if folded and _WORD_CHAR.search(folded) and folded not in needles:
            needles.append(folded)
    return needles


def merge_spans(spans: Iterable[tuple[int, int]]) -> list[tuple[int, int]]:
    """Spans sorted, those that overlap made one."""
    merged: list[tuple[int, int]] = []
    for s, e in sorted(spans):
        if merged and s < merged[-1][1]:
            merged[-1] = (merged[-1][0], max(merged[-1][1], e))
        else:
            merged.append((s, e))
    return merged


# Snippets --------------------------------------------------------------------------------------------------------

SNIPPET_CHARS = 80
# A long text is searched for its first match window by window (folding 300 pages to show one line would not do).
_SNIPPET_WINDOW = 20_000
_SNIPPET_OVERLAP = 200


def first_span(text: str, query: str) -> tuple[int, int] | None:
    """The first place where ``query`` matches ``text`` (as ``match_spans``), reading only as far as needed."""
    for offset in range(0, len(text), _SNIPPET_WINDOW):
        window = text[offset : offset + _SNIPPET_WINDOW + _SNIPPET_OVERLAP]
        spans = match_spans(window, query)
        if spans:
            start, end = spans[0]
            return offset + start, offset + end
    return None


def _shown(window: str) -> list[str]:
    """Each character of ``window`` as one line of HTML shows it: whitespace between two Chinese characters
    (layout) dropped, other whitespace one space, the rest escaped."""
    out = [html.escape(c) for c in window]
    for match in _SPACE.finditer(window):
        s, e = match.span()
        between_cjk = s > 0 and e < len(window) and _CJK_CHAR.match(window[s - 1]) and _CJK_CHAR.match(window[e])
        out[s:e] = ["" if between_cjk else " "] + [""] * (e - s - 1)
    return out


def piece_snippet(text: str, number: int, query: str, chars: int = SNIPPET_CHARS) -> str:
    """``snippet`` of piece ``number`` of ``text`` (``pieces``: the piece the index found the first match in), with
    "…" where the text goes on; the whole text when the piece does not show the match."""
    piece = piece_at(text, number)
    if piece is not None and (shown := snippet(piece, query, chars, more_before=number > 0, more_after=True)):
        return shown
    return snippet(text, query, chars)


def snippet(
    text: str, query: str, chars: int = SNIPPET_CHARS, *, more_before: bool = False, more_after: bool = False
) -> str:
    """HTML (escaped, matches in <mark>) of about ``chars`` characters of ``text`` around the first match of
    ``query``; empty when it does not match. ``more_before``/``more_after``: ``text`` is part of a longer one."""
    first = first_span(text, query)
    if first is None:
        return ""
    start = max(0, first[0] - chars // 3)
    end = min(len(text), max(start + chars, first[1]))
    window = text[start:end]
    shown = _shown(window)
    out = ["…" if start or more_before else ""]
    last = 0
    for s, e in match_spans(window, query):
        out.extend(shown[last:s])
        out.append("<mark>" + "".join(shown[s:e]) + "</mark>")
        last = e
    out.extend(shown[last:])
    out.append("…" if end < len(text) or more_after else "")
    return "".join(out).strip()
