"""The driver: which rules apply to which file, allowances (``# conventions: allow <rule> — reason``), output."""

from __future__ import annotations

import argparse
import ast
import io
import re
import sys
import tokenize
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from .python_rules import check_python
from .tables import model_tables
from .templates import check_template

RULES = ("state-change", "raw-table", "untranslated", "policy", "importorskip")
# The rule for problems with the allowances themselves: it cannot be allowed away.
ALLOWANCE = "allowance"

_ALLOW = re.compile(
    r"conventions:\s*(?P<scope>allow-file|allow)\b\s*(?P<rules>[a-z, -]*?)\s*(?:—|–|--|:|$)\s*(?P<reason>.*)"
)
_SKIPPED_DIRS = {"migrations", "__pycache__", "node_modules", ".venv", "data"}


@dataclass(frozen=True, order=True)
class Problem:
    """One place that breaks a convention."""

    path: str
    line: int
    col: int
    rule: str
    message: str

    def __str__(self) -> str:
        return f"{self.path}:{self.line}:{self.col}: {self.rule}: {self.message}"


@dataclass
class Allowance:
    line: int
    rules: frozenset[str]
    whole_file: bool
    covers: int  # the line it allows: its own, or (a comment alone on its line) the next line of code
    used: bool = False


@dataclass
class FileKind:
    """What a file is, by its path: which rules apply to it."""

    rules: set[str] = field(default_factory=set)
    route: bool = False  # a view or API module
    writer_forbidden: bool = False  # a view, API or task module


def classify(path: Path, root: Path) -> FileKind:
    """The rules for ``path`` (found under ``root``): by its folder and file name, as the app shape names them."""
    # Only the folders from the root down count (a checkout inside a folder called "api" is not an API module).
    relative = path.relative_to(root).parts if path.is_relative_to(root) and path != root else (path.name,)
    names = [p.lower() for p in (root.name, *relative)]
    kind = FileKind()
    if "migrations" in names[:-1]:
        return kind
    is_test = "tests" in names[:-1] or path.name.startswith("test_") or path.name == "conftest.py"
    if path.suffix == ".html":
        if "templates" in names[:-1] and not is_test:
            kind.rules.add("untranslated")
        return kind
    if path.suffix != ".py":
        return kind
    if is_test:
        kind.rules.add("importorskip")
        return kind
    kind.rules |= {"raw-table", "untranslated"}
    folders, stem = names[:-1], path.stem.lower()
    kind.route = stem.startswith(("views", "api")) or "views" in folders or "api" in folders
    task = stem == "tasks" or "tasks" in folders
    if kind.route or task:
        kind.writer_forbidden = True
        kind.rules.add("state-change")
    if kind.route:
        kind.rules.add("policy")
    return kind


def _comments(source: str, suffix: str) -> Iterator[tuple[int, str, bool]]:
    """(line, comment text, stands alone on its line) for each comment of a Python file or a template."""
    if suffix == ".html":
        for number, line in enumerate(source.splitlines(), 1):
            for match in re.finditer(r"\{#(.*?)#\}", line):
                yield number, match.group(1), not line[: match.start()].strip()
        return
    try:
        tokens = list(tokenize.generate_tokens(io.StringIO(source).readline))
    except (tokenize.TokenError, SyntaxError):
        return
    for token in tokens:
        if token.type == tokenize.COMMENT:
            yield token.start[0], token.string.lstrip("#"), not token.line[: token.start[1]].strip()


def _next_code_line(lines: list[str], line: int, suffix: str) -> int:
    """The first line after ``line`` that is not blank and not only a comment (a reason may run on)."""
    comment = re.compile(r"^\s*(\{#.*#\}\s*)+$" if suffix == ".html" else r"^\s*#")
    number = line + 1
    while number <= len(lines) and (not lines[number - 1].strip() or comment.match(lines[number - 1])):
        number += 1
    return number


def _allowances(source: str, display: str, suffix: str) -> tuple[list[Allowance], list[Problem]]:
    allowances: list[Allowance] = []
    problems: list[Problem] = []
    lines = source.splitlines()
    for line, text, own_line in _comments(source, suffix):
        match = _ALLOW.search(text)
        if match is None:
            continue
        rules = frozenset(r.strip() for r in match.group("rules").split(",") if r.strip())
        unknown = sorted(rules - set(RULES))
        if not rules or unknown:
            problems.append(
                Problem(display, line, 0, ALLOWANCE, f"names no known rule ({', '.join(unknown) or '—'}): {RULES}")
            )
            continue
        if not match.group("reason").strip(" —–-:#}"):
            problems.append(Problem(display, line, 0, ALLOWANCE, "an allowance needs its reason after the rule"))
            continue
        covers = _next_code_line(lines, line, suffix) if own_line else line
        allowances.append(Allowance(line, rules, match.group("scope") == "allow-file", covers))
    return allowances, problems


def _allowed(problem: Problem, allowances: list[Allowance]) -> bool:
    for allowance in allowances:
        if problem.rule not in allowance.rules:
            continue
        if allowance.whole_file or allowance.covers == problem.line:
            allowance.used = True
            return True
    return False


def check_file(path: Path, root: Path, tables: dict[str, str], display: str | None = None) -> list[Problem]:
    """The problems in one file, after its allowances."""
    display = display or str(path)
    kind = classify(path, root)
    if not kind.rules:
        return []
    source = path.read_text(encoding="utf-8")
    if path.suffix == ".html":
        found = check_template(source, display)
    else:
        try:
            tree = ast.parse(source, filename=display)
        except SyntaxError as exc:
            return [Problem(display, exc.lineno or 0, 0, "syntax", str(exc.msg))]
        found = check_python(tree, path, display, kind.rules, tables)
    allowances, problems = _allowances(source, display, path.suffix)
    problems += [p for p in found if p.rule in kind.rules and not _allowed(p, allowances)]
    for allowance in allowances:
        if not allowance.used:
            problems.append(
                Problem(
                    display,
                    allowance.line,
                    0,
                    ALLOWANCE,
                    f"allows {', '.join(sorted(allowance.rules))} but nothing here needs it",
                )
            )
    return sorted(problems)


def _files(root: Path) -> Iterator[Path]:
    if root.is_file():
        yield root
        return
    for path in sorted(root.rglob("*")):
        relative = path.relative_to(root).parts[:-1]
        if path.suffix in {".py", ".html"} and path.is_file() and not _SKIPPED_DIRS.intersection(relative):
            yield path


def check_paths(paths: Iterable[Path | str]) -> list[Problem]:
    """Every problem under ``paths`` (folders are walked; migrations, caches and vendored data are skipped)."""
    roots = [Path(p) for p in paths]
    tables = model_tables(roots)
    problems: list[Problem] = []
    for root in roots:
        for path in _files(root):
            problems += check_file(path, root if root.is_dir() else root.parent, tables)
    return problems


def main(argv: Sequence[str] | None = None) -> int:
    """Print each problem as ``path:line:col: rule: message``; exit status 1 if there was any."""
    parser = argparse.ArgumentParser(prog="python -m dangan.utilities.lint", description=__doc__)
    parser.add_argument("paths", nargs="+", type=Path, help="folders or files to check (e.g. src tests)")
    args = parser.parse_args(argv)
    problems = check_paths(args.paths)
    for problem in problems:
        print(problem)
    if problems:
        print(
            f"{len(problems)} convention problem(s); see docs/development.md (Conventions checked by make lint)",
            file=sys.stderr,
        )
    return 1 if problems else 0
