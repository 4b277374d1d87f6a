"""The rules on Python source: state changes outside actions, raw table names, untranslated messages, routes that
read units without asking ``catalog.policy``, and ``importorskip`` in tests."""

from __future__ import annotations

import ast
import re
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from .checker import Problem

# Methods that write rows whatever they are called on (a model instance, a manager, a queryset, a ModelForm).
WRITE_METHODS = frozenset(
    {"save", "delete", "create", "bulk_create", "bulk_update", "get_or_create", "update_or_create"}
)
# ``update`` writes only on a queryset (on a dict it does not): flagged when called on a manager or queryset chain.
QUERYSET_METHODS = frozenset(
    {"objects", "_default_manager", "filter", "exclude", "all", "select_for_update", "select_related", "order_by"}
)
SQL_WRITE = re.compile(r"^\s*(INSERT|UPDATE|DELETE|REPLACE|CREATE|DROP|ALTER|TRUNCATE)\b", re.IGNORECASE)

# Calls whose arguments a person reads: Chinese literals there must go through gettext.
USER_FACING = frozenset(
    {
        "ValidationError",
        "PermissionDenied",
        "Http404",
        "SuspiciousOperation",
        "HttpError",
        "HttpResponse",
        "HttpResponseBadRequest",
        "HttpResponseForbidden",
        "HttpResponseNotFound",
        "JsonResponse",
        "add_error",
        "add_message",
    }
)
MESSAGE_LEVELS = frozenset({"debug", "info", "success", "warning", "error"})  # messages.success(request, …)
TRANSLATORS = frozenset(
    {
        "_",
        "gettext",
        "gettext_lazy",
        "ngettext",
        "ngettext_lazy",
        "pgettext",
        "pgettext_lazy",
        "npgettext",
        "npgettext_lazy",
        "format_lazy",
    }
)
CHINESE = re.compile(r"[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff]")

# Models whose rows only catalog.policy may show: a route that reads them must ask the policy.
GOVERNED_MODELS = frozenset({"ArchivalUnit"})
POLICY_MODULES = ("dangan.catalog.policy", "dangan.catalog.filters")
LOOKUP_SHORTCUTS = frozenset({"get_object_or_404", "get_list_or_404"})


def _problem(display: str, node: ast.expr | ast.stmt, rule: str, message: str) -> Problem:
    from .checker import Problem

    return Problem(display, node.lineno, node.col_offset + 1, rule, message)


def _callee(call: ast.Call) -> str:
    """The called name: ``f`` for ``f(…)`` and ``a.b.f(…)``."""
    if isinstance(call.func, ast.Name):
        return call.func.id
    if isinstance(call.func, ast.Attribute):
        return call.func.attr
    return ""


def _root_name(node: ast.expr) -> str:
    """The leftmost name of ``a.b(…).c``: ``a``."""
    while True:
        if isinstance(node, ast.Attribute):
            node = node.value
        elif isinstance(node, ast.Call):
            node = node.func
        elif isinstance(node, ast.Subscript):
            node = node.value
        else:
            return node.id if isinstance(node, ast.Name) else ""


def _is_queryset_chain(node: ast.expr) -> bool:
    while isinstance(node, ast.Attribute | ast.Call | ast.Subscript):
        if isinstance(node, ast.Attribute):
            if node.attr in QUERYSET_METHODS:
                return True
            node = node.value
        elif isinstance(node, ast.Call):
            node = node.func
        else:
            node = node.value
    return False


def _literal_text(node: ast.expr) -> str:
    """The constant text of a string literal or f-string ('' for anything else)."""
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        return node.value
    if isinstance(node, ast.JoinedStr):
        return "".join(v.value for v in node.values if isinstance(v, ast.Constant) and isinstance(v.value, str))
    return ""


def _docstrings(tree: ast.Module) -> set[int]:
    """ids of the docstring nodes (prose, not strings the program uses)."""
    found: set[int] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Module | ast.ClassDef | ast.FunctionDef | ast.AsyncFunctionDef) and node.body:
            first = node.body[0]
            if isinstance(first, ast.Expr) and isinstance(first.value, ast.Constant):
                found.add(id(first.value))
    return found


def _table_definitions(tree: ast.Module) -> set[int]:
    """ids of the strings that define a table's name (``db_table = "…"`` in a Meta, ``db_table="…"``)."""
    found: set[int] = set()
    for node in ast.walk(tree):
        if (
            isinstance(node, ast.Assign) and any(isinstance(t, ast.Name) and t.id == "db_table" for t in node.targets)
        ) or (isinstance(node, ast.keyword) and node.arg == "db_table"):
            found.add(id(node.value))
    return found


def _module_of(path: Path) -> list[str]:
    """``dangan.catalog.views`` for …/dangan/catalog/views/units.py (the package a relative import starts from)."""
    parts = list(path.parts[:-1])
    return parts[len(parts) - 1 - parts[::-1].index("dangan") :] if "dangan" in parts else parts


def _policy_names(tree: ast.Module, path: Path) -> set[str]:
    """Names this module imported from catalog.policy or catalog.filters (functions, classes or the module)."""
    package = _module_of(path)
    names: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom):
            base = package[: len(package) - node.level + 1] if node.level else []
            module = ".".join([*base, *(node.module.split(".") if node.module else [])])
            for alias in node.names:
                full = f"{module}.{alias.name}"
                if module in POLICY_MODULES or full in POLICY_MODULES:
                    names.add(alias.asname or alias.name)
        elif isinstance(node, ast.Import):
            for alias in node.names:
                if alias.name in POLICY_MODULES:
                    names.add(alias.asname or alias.name.split(".")[0])
    return names


def _untranslated(node: ast.expr) -> ast.expr | None:
    """The first Chinese literal in ``node`` that no gettext call wraps (containers are searched too)."""
    if isinstance(node, ast.Call):
        if _callee(node) in TRANSLATORS:
            return None
        if isinstance(node.func, ast.Attribute) and node.func.attr == "format":
            return _untranslated(node.func.value)
        return None  # another call's result: its own business
    if CHINESE.search(_literal_text(node)):
        return node
    if isinstance(node, ast.BinOp):  # "…%s" % x, "…" + x
        return _untranslated(node.left) or _untranslated(node.right)
    children: list[ast.expr | None] = []
    if isinstance(node, ast.Dict):
        children = list(node.values)
    elif isinstance(node, ast.List | ast.Tuple | ast.Set):
        children = list(node.elts)
    elif isinstance(node, ast.IfExp):
        children = [node.body, node.orelse]
    for child in children:
        if child is not None and (found := _untranslated(child)) is not None:
            return found
    return None


def _user_facing(call: ast.Call) -> bool:
    name = _callee(call)
    if name in USER_FACING:
        return True
    return name in MESSAGE_LEVELS and _root_name(call.func) == "messages"


def _functions(tree: ast.Module) -> Iterator[ast.FunctionDef | ast.AsyncFunctionDef]:
    for node in ast.walk(tree):
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
            yield node


def _governed_reads(node: ast.AST) -> Iterator[ast.expr]:
    """Expressions under ``node`` that read a governed model's rows: ``ArchivalUnit.objects`` or
    ``get_object_or_404(ArchivalUnit, …)``."""
    for child in ast.walk(node):
        if (
            isinstance(child, ast.Attribute)
            and child.attr in {"objects", "_default_manager", "_base_manager"}
            and isinstance(child.value, ast.Name)
            and child.value.id in GOVERNED_MODELS
        ):
            yield child
        elif isinstance(child, ast.Call) and _callee(child) in LOOKUP_SHORTCUTS and child.args:
            first = child.args[0]
            if isinstance(first, ast.Name) and first.id in GOVERNED_MODELS:
                yield first


def _asks_policy(function: ast.FunctionDef | ast.AsyncFunctionDef, policy: set[str]) -> bool:
    return any(isinstance(node, ast.Call) and _root_name(node.func) in policy for node in ast.walk(function))


def _check_policy(tree: ast.Module, path: Path, display: str) -> Iterator[Problem]:
    policy = _policy_names(tree, path)
    functions = list(_functions(tree))
    inside = {id(n) for f in functions for n in ast.walk(f)}
    for function in functions:
        nested = {
            id(n)
            for inner in ast.walk(function)
            if inner is not function and isinstance(inner, ast.FunctionDef | ast.AsyncFunctionDef)
            for n in ast.walk(inner)
        }
        if _asks_policy(function, policy):
            continue
        for read in _governed_reads(function):
            if id(read) not in nested:
                yield _problem(
                    display,
                    read,
                    "policy",
                    f"{function.name}() reads {ast.unparse(read)} without asking catalog.policy "
                    "(visible_units, can_view_unit … or a catalog filter)",
                )
    for read in _governed_reads(tree):
        if id(read) not in inside:
            yield _problem(display, read, "policy", f"module-level {ast.unparse(read)}: routes ask catalog.policy")


def _check_call(node: ast.Call, display: str, rules: set[str]) -> Iterator[Problem]:
    name = _callee(node)
    if "state-change" in rules:
        receiver = node.func.value if isinstance(node.func, ast.Attribute) else None
        if receiver is not None and (name in WRITE_METHODS or (name == "update" and _is_queryset_chain(receiver))):
            yield _problem(
                display,
                node,
                "state-change",
                f".{name}() writes: state changes belong in the app's actions (check_*/do_*), "
                "not in views, API functions or tasks",
            )
        elif name in {"execute", "executemany"} and node.args and SQL_WRITE.match(_literal_text(node.args[0])):
            yield _problem(display, node, "state-change", "SQL that writes: state changes belong in actions")
    if "untranslated" in rules and _user_facing(node):
        for argument in [*node.args, *(k.value for k in node.keywords)]:
            literal = _untranslated(argument)
            if literal is not None:
                yield _problem(
                    display,
                    literal,
                    "untranslated",
                    f"Chinese text passed to {name}() without gettext: wrap it in _(…) "
                    "(placeholders with %(name)s or .format after translation)",
                )
    if "importorskip" in rules and name == "importorskip":
        yield _problem(
            display,
            node,
            "importorskip",
            "importorskip turns a missing dependency into a skip: import it (dependencies are installed)",
        )


def _table_pattern(tables: dict[str, str]) -> re.Pattern[str] | None:
    if not tables:
        return None
    names = "|".join(map(re.escape, sorted(tables, key=len, reverse=True)))
    return re.compile(rf"(?<![A-Za-z0-9_])({names})(?![A-Za-z0-9_])")


def check_python(tree: ast.Module, path: Path, display: str, rules: set[str], tables: dict[str, str]) -> list[Problem]:
    """Problems of the given ``rules`` in one module's syntax tree."""
    problems: list[Problem] = []
    prose = _docstrings(tree) | _table_definitions(tree)
    table_pattern = _table_pattern(tables) if "raw-table" in rules else None
    # ``@router.delete("/units/{id}")`` declares a route; it writes nothing.
    decorators = {
        id(n)
        for f in ast.walk(tree)
        if isinstance(f, ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef)
        for d in f.decorator_list
        for n in ast.walk(d)
    }
    for node in ast.walk(tree):
        if isinstance(node, ast.Call):
            problems += _check_call(node, display, rules - {"state-change"} if id(node) in decorators else rules)
        elif (
            table_pattern is not None
            and isinstance(node, ast.Constant)
            and isinstance(node.value, str)
            and id(node) not in prose
            and (match := table_pattern.search(node.value))
        ):
            table = match.group(1)
            model = tables[table].split(".")[1]
            problems.append(
                _problem(
                    display,
                    node,
                    "raw-table",
                    f"the table of {tables[table]} written out ({table}): use {model}._meta.db_table",
                )
            )
    if "policy" in rules:
        problems += _check_policy(tree, path, display)
    return problems
