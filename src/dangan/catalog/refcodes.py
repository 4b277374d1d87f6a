"""Reference codes (档号): patterns, formatting, parsing and validation.

A pattern names fields in braces and marks optional parts in brackets, e.g. the DA/T 22 default
``{fonds}-{category}·{year}-{retention}[-{org}]-{item:4}`` gives ``Z109-WS·2011-Y-BGS-0001``; a bracketed
part is written only when every field in it has a value. ``{item:4}`` pads the 件号 to 4 digits.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache

from django.utils.translation import gettext as _

DA_T_22 = "{fonds}-{category}·{year}-{retention}[-{org}]-{item:4}"
DA_T_13 = "{fonds}-{category}·{year}·{retention}[·{org}]-{item:4}"
PRESETS = {"DA/T 22-2015": DA_T_22, "DA/T 13-2022": DA_T_13}
DEFAULT_PATTERN = DA_T_22

FIELDS = {
    "fonds": r"[A-Za-z0-9]+",
    "category": r"[A-Za-z0-9]+",
    "year": r"\d{4}",
    "retention": r"Y|D30|D10|C|D",
    "org": r"[^\s\-·]+",
    "file": r"\d+",
    "item": r"\d+",
}
_TOKEN = re.compile(r"\{(\w+)(?::(\d+))?\}|\[|\]|[^{}\[\]]+")


class PatternError(ValueError):
    pass


@dataclass(frozen=True)
class _Part:
    literal: str = ""
    field: str = ""
    width: int = 0


@dataclass(frozen=True)
class CodePattern:
    """A compiled 档号 pattern."""

    source: str
    parts: tuple[tuple[_Part, ...], ...]  # groups; odd-indexed groups are optional
    optional: tuple[bool, ...]
    regex: re.Pattern[str]

    @property
    def fields(self) -> list[str]:
        return [p.field for group in self.parts for p in group if p.field]

    def format(self, values: dict[str, object]) -> str:
        out: list[str] = []
        for group, optional in zip(self.parts, self.optional, strict=True):
            rendered: list[str] = []
            missing = False
            for part in group:
                if not part.field:
                    rendered.append(part.literal)
                    continue
                value = values.get(part.field)
                if value in (None, ""):
                    missing = True
                    continue
                text = f"{int(value):0{part.width}d}" if part.width else str(value)  # type: ignore[call-overload]
                rendered.append(text)
            if missing and optional:
                continue
            if missing:
                absent = [p.field for p in group if p.field and values.get(p.field) in (None, "")]
                raise PatternError(_("生成档号缺少字段：%(fields)s") % {"fields": "、".join(absent)})
            out.append("".join(rendered))
        return "".join(out)

    def parse(self, code: str) -> dict[str, str] | None:
        match = self.regex.fullmatch(code)
        if not match:
            return None
        return {k: v for k, v in match.groupdict().items() if v is not None}

    def example(self) -> str:
        return self.format(
            {"fonds": "Z109", "category": "WS", "year": 2011, "retention": "Y", "org": "BGS", "file": 1, "item": 1}
        )


@lru_cache(maxsize=64)
def compile_pattern(source: str) -> CodePattern:
    groups: list[list[_Part]] = [[]]
    optional = [False]
    regex = ""
    in_optional = False
    seen: set[str] = set()
    for match in _TOKEN.finditer(source):
        token = match.group(0)
        if token == "[":
            if in_optional:
                raise PatternError(_("档号格式中的方括号不能嵌套。"))
            in_optional = True
            groups.append([])
            optional.append(True)
            regex += "(?:"
        elif token == "]":
            if not in_optional:
                raise PatternError(_("档号格式中的方括号不成对。"))
            in_optional = False
            groups.append([])
            optional.append(False)
            regex += ")?"
        elif match.group(1):
            name, width = match.group(1), int(match.group(2) or 0)
            if name not in FIELDS:
                raise PatternError(_("档号格式含未知字段：{%(name)s}") % {"name": name})
            if name in seen:
                raise PatternError(_("档号格式中字段重复：{%(name)s}") % {"name": name})
            seen.add(name)
            groups[-1].append(_Part(field=name, width=width))
            field_re = rf"\d{{{width},}}" if width else FIELDS[name]
            regex += f"(?P<{name}>{field_re})"
        else:
            groups[-1].append(_Part(literal=token))
            regex += re.escape(token)
    if in_optional:
        raise PatternError(_("档号格式中的方括号不成对。"))
    if "fonds" not in seen or "item" not in seen:
        raise PatternError(_("档号格式至少要包含 {fonds} 和 {item}。"))
    return CodePattern(source, tuple(tuple(g) for g in groups), tuple(optional), re.compile(regex))


def validate_pattern(source: str) -> CodePattern:
    """Compile ``source`` or raise PatternError with a message for the user."""
    try:
        return compile_pattern(source)
    except re.error as exc:  # pragma: no cover - FIELDS are fixed, but keep the message human
        raise PatternError(str(exc)) from exc
