"""The rule on templates: Chinese prose stays inside ``{% translate %}`` / ``{% blocktranslate %}``.

What is not prose is left alone: template tags and variables, comments, and ``<code>`` samples (query syntax, a
command line: text a person types as it is, in any language)."""

from __future__ import annotations

import re
from typing import TYPE_CHECKING

from .python_rules import CHINESE

if TYPE_CHECKING:
    from .checker import Problem

# Removed before looking, in this order; each match is replaced by as many newlines as it spans so lines still count.
_NOT_PROSE = [
    re.compile(r"\{%\s*blocktranslate\b.*?\{%\s*endblocktranslate\s*%\}", re.DOTALL),
    re.compile(r"\{%\s*comment\s*%\}.*?\{%\s*endcomment\s*%\}", re.DOTALL),
    re.compile(r"\{#.*?#\}", re.DOTALL),
    re.compile(r"\{%.*?%\}", re.DOTALL),
    re.compile(r"\{\{.*?\}\}", re.DOTALL),
    re.compile(r"<code\b[^>]*>.*?</code>", re.DOTALL | re.IGNORECASE),
]


def _blank(match: re.Match[str]) -> str:
    return "\n" * match.group(0).count("\n")


def check_template(source: str, display: str) -> list[Problem]:
    """One problem per line that still shows Chinese once the translated and non-prose parts are removed."""
    from .checker import Problem

    text = source
    for pattern in _NOT_PROSE:
        text = pattern.sub(_blank, text)
    problems = []
    for number, line in enumerate(text.splitlines(), 1):
        match = CHINESE.search(line)
        if match:
            snippet = line.strip()[:40]
            problems.append(
                Problem(
                    display,
                    number,
                    match.start() + 1,
                    "untranslated",
                    f"Chinese text outside {{% translate %}}: {snippet}",
                )
            )
    return problems
