"""The reviewers' aid of the openness review (开放审核): where in a unit's description and text (OCR included) to look
first — what usually keeps a record closed.

It marks 18-digit identity-card numbers whose check digit is right (GB 11643), mobile and fixed-line phone numbers,
names of private persons beside health or poverty words (a simple surname heuristic: 王某 … 患病, 低保户 李某某), 密
markings (绝密, 机密, 秘密, ★) and the words of a configurable list. It suggests; a person decides.

Plain Python, no database: ``find_marks(text, terms)`` gives the marks of one text, ``scan(fields, terms)`` of a
unit's named texts, ``highlight`` the text as HTML with the marks in ``<mark>``. Every pass is one regular expression
over the text, or a bounded window around each health or poverty word: linear in the length of the text.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass

from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import gettext_lazy as _

from dangan.utilities.registry import StrOrPromise

__all__ = [
    "KINDS",
    "Mark",
    "TermMatcher",
    "excerpts",
    "find_marks",
    "highlight",
    "is_valid_id_number",
    "scan",
]

# kind → what the reviewer reads.
KINDS: dict[str, StrOrPromise] = {
    "id_number": _("身份证号码"),
    "phone": _("电话号码"),
    "private": _("个人健康或贫困信息"),
    "secret": _("密级标志"),
    "term": _("关注词"),
}


@dataclass(frozen=True)
class Mark:
    """One place to look: ``text[start:end]`` of the field ``field`` is of kind ``kind``."""

    kind: str
    start: int
    end: int
    text: str
    field: str = ""

    @property
    def label(self) -> str:
        return str(KINDS.get(self.kind, self.kind))


# Full-width digits, letters and signs as their ASCII forms, one character for one (offsets stay those of the
# text as written).
_FULL_WIDTH = {code: code - 0xFEE0 for code in range(0xFF01, 0xFF5F)}
_FULL_WIDTH[0x3000] = 0x20

# ---------------------------------------------------------------- identity-card numbers (GB 11643-1999)

_ID_RE = re.compile(
    r"(?<![0-9A-Za-z])[1-9]\d{5}(?:18|19|20)\d{2}(?:0[1-9]|1[0-2])(?:0[1-9]|[12]\d|3[01])\d{3}[0-9Xx](?![0-9A-Za-z])"
)
_ID_WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
_ID_CHECK = "10X98765432"


def is_valid_id_number(number: str) -> bool:
    """Whether ``number`` is an 18-digit resident identity-card number with the right check digit."""
    if len(number) != 18 or not number[:17].isdigit():
        return False
    total = sum(int(d) * w for d, w in zip(number[:17], _ID_WEIGHTS, strict=True))
    return _ID_CHECK[total % 11] == number[17].upper()


# ---------------------------------------------------------------- phone numbers

_PHONE_RE = re.compile(
    r"(?<![0-9])(?:(?:\+?86[- ]?)?1[3-9]\d[- ]?\d{4}[- ]?\d{4}|(?:\(0\d{2,3}\)|0\d{2,3}-)\d{7,8})(?![0-9])"
)

# ---------------------------------------------------------------- 密 markings

_SECRET_RE = re.compile(r"(?:绝密|機密|机密|秘密)(?:\s*★\s*(?:\d{1,2}\s*年|长期)?)?|★")

# ---------------------------------------------------------------- private persons beside health or poverty data

# The commonest surnames (those that make up most of the population), single characters and a few double ones.
SURNAMES = (
    "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘蒋蔡余杜叶程苏魏吕丁任沈姚卢姜崔"
    "钟谭陆汪范金石廖贾夏韦付傅方白邹孟熊秦邱江尹薛闫段雷侯龙史陶黎贺顾毛郝龚邵万钱严覃武戴莫孔向汤杨龙吴"
)
DOUBLE_SURNAMES = ("欧阳", "司马", "诸葛", "上官", "东方", "皇甫", "令狐", "慕容", "尉迟", "长孙")
HEALTH_WORDS = (
    "精神病",
    "精神疾病",
    "传染病",
    "艾滋病",
    "病历",
    "病史",
    "疾病",
    "诊断",
    "残疾",
    "伤残",
    "住院",
    "患有",
    "患",
    "病",
    "贫困户",
    "建档立卡",
    "低保户",
    "低保",
    "五保户",
    "五保",
    "特困",
    "救济",
)
WINDOW = 12  # characters between a name and the word it stands beside
# Characters that end a given name: grammar words, punctuation and the health words' own first characters.
_NOT_IN_NAME = set("的是在因患系为于等同和与及家户、，。；：,.;:（）()《》“”\"' 病诊残伤住贫低五特救建精传艾某")
_CJK = r"\u3400-\u9fff"
_SURNAME_RE = re.compile(
    "(?:" + "|".join(DOUBLE_SURNAMES) + f")[{_CJK}]{{1,2}}|[{SURNAMES}](?:某某|某|[{_CJK}]{{1,2}})"
)
_HEALTH_RE = re.compile("|".join(sorted(HEALTH_WORDS, key=len, reverse=True)))


def _name_at(match: re.Match[str]) -> tuple[int, int] | None:
    """The span of the name a surname match begins (the given name cut where a grammar or health word begins)."""
    text = match.group(0)
    if "某" in text:
        return match.start(), match.end()
    first = 2 if text[:2] in DOUBLE_SURNAMES else 1
    end = first
    while end < len(text) and text[end] not in _NOT_IN_NAME:
        end += 1
    if end == first:
        return None
    return match.start(), match.start() + end


def _private_marks(text: str) -> list[tuple[int, int]]:
    spans: list[tuple[int, int]] = []
    for word in _HEALTH_RE.finditer(text):
        lo = max(0, word.start() - WINDOW - 4)
        hi = min(len(text), word.end() + WINDOW + 4)
        for candidate in _SURNAME_RE.finditer(text, lo, hi):
            name = _name_at(candidate)
            if name is None:
                continue
            start, end = name
            if end <= word.start() and word.start() - end <= WINDOW:
                spans.append((start, word.end()))
                break
            if start >= word.end() and start - word.end() <= WINDOW:
                spans.append((word.start(), end))
                break
    # Two words beside one name (建档立卡贫困户 李某) are one place to look.
    merged: list[tuple[int, int]] = []
    for start, end in sorted(spans):
        if merged and start < merged[-1][1]:
            merged[-1] = (merged[-1][0], max(end, merged[-1][1]))
        else:
            merged.append((start, end))
    return merged


# ---------------------------------------------------------------- the configurable words


class TermMatcher:
    """The configurable list (OpennessTerm) compiled once: one alternation, longest words first, case folded."""

    def __init__(self, terms: Iterable[str] = ()) -> None:
        words = sorted({t.strip() for t in terms if t and t.strip()}, key=len, reverse=True)
        self.words = words
        self._re = re.compile("|".join(re.escape(w) for w in words), re.IGNORECASE) if words else None

    def spans(self, text: str) -> list[tuple[int, int]]:
        if self._re is None:
            return []
        return [(m.start(), m.end()) for m in self._re.finditer(text)]


# ---------------------------------------------------------------- marking a text


def find_marks(text: str, terms: TermMatcher | Iterable[str] = (), field: str = "") -> list[Mark]:
    """The marks of ``text`` (``field`` names where it comes from), in the order they appear."""
    if not text:
        return []
    matcher = terms if isinstance(terms, TermMatcher) else TermMatcher(terms)
    plain = text.translate(_FULL_WIDTH)
    found: list[tuple[int, int, str]] = []
    for m in _ID_RE.finditer(plain):
        if is_valid_id_number(m.group(0)):
            found.append((m.start(), m.end(), "id_number"))
    ids = [(s, e) for s, e, _k in found]
    for m in _PHONE_RE.finditer(plain):
        if not any(s <= m.start() < e for s, e in ids):
            found.append((m.start(), m.end(), "phone"))
    found.extend((m.start(), m.end(), "secret") for m in _SECRET_RE.finditer(plain))
    found.extend((s, e, "private") for s, e in _private_marks(plain))
    found.extend((s, e, "term") for s, e in matcher.spans(plain))
    found.sort()
    return [Mark(kind, start, end, text[start:end], field) for start, end, kind in found]


def scan(fields: Mapping[str, str], terms: TermMatcher | Iterable[str] = ()) -> list[Mark]:
    """The marks of each of a unit's texts (field name → text), field by field."""
    matcher = terms if isinstance(terms, TermMatcher) else TermMatcher(terms)
    out: list[Mark] = []
    for name, text in fields.items():
        out.extend(find_marks(text or "", matcher, name))
    return out


def _merged(marks: Sequence[Mark]) -> list[tuple[int, int, list[str]]]:
    spans: list[tuple[int, int, list[str]]] = []
    for mark in sorted(marks, key=lambda m: (m.start, -m.end)):
        if spans and mark.start < spans[-1][1]:
            start, end, kinds = spans[-1]
            spans[-1] = (start, max(end, mark.end), kinds if mark.label in kinds else [*kinds, mark.label])
        else:
            spans.append((mark.start, mark.end, [mark.label]))
    return spans


def highlight(text: str, marks: Sequence[Mark]) -> SafeString:
    """``text`` as HTML (escaped) with every mark in ``<mark title="kind">`` (overlapping marks merged)."""
    out: list[str] = []
    at = 0
    for start, end, kinds in _merged(marks):
        out.append(escape(text[at:start]))
        out.append(f'<mark class="openness-mark" title="{escape("、".join(kinds))}">{escape(text[start:end])}</mark>')
        at = end
    out.append(escape(text[at:]))
    return mark_safe("".join(out))  # every piece is escaped above


def excerpts(text: str, marks: Sequence[Mark], context: int = 30, limit: int = 5) -> list[SafeString]:
    """Up to ``limit`` short pieces of a long ``text`` (OCR) around its marks, highlighted: what the reviewer
    reads first, without the whole text."""
    pieces: list[SafeString] = []
    for start, end, _kinds in _merged(marks)[:limit]:
        lo, hi = max(0, start - context), min(len(text), end + context)
        inside = [m for m in marks if m.start >= lo and m.end <= hi]
        shifted = [Mark(m.kind, m.start - lo, m.end - lo, m.text, m.field) for m in inside]
        prefix = "…" if lo > 0 else ""
        suffix = "…" if hi < len(text) else ""
        pieces.append(mark_safe(escape(prefix) + highlight(text[lo:hi], shifted) + escape(suffix)))
    return pieces
