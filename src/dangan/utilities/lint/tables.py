"""The database table of every model, read from the source (no Django set-up): ``<app label>_<model name>``
unless the model's Meta names a ``db_table``. Abstract models have no table."""

from __future__ import annotations

import ast
from collections.abc import Iterable, Iterator
from pathlib import Path


def _app_label(apps_py: Path) -> str:
    """The AppConfig's ``label``, else the app folder's name (Django's default)."""
    for node in ast.walk(ast.parse(apps_py.read_text(encoding="utf-8"))):
        if (
            isinstance(node, ast.Assign)
            and any(isinstance(t, ast.Name) and t.id == "label" for t in node.targets)
            and isinstance(node.value, ast.Constant)
            and isinstance(node.value.value, str)
        ):
            return node.value.value
    return apps_py.parent.name


def _model_files(app: Path) -> Iterator[Path]:
    if (app / "models.py").is_file():
        yield app / "models.py"
    if (app / "models").is_dir():
        yield from sorted((app / "models").glob("*.py"))


def _meta(cls: ast.ClassDef) -> dict[str, object]:
    for node in cls.body:
        if isinstance(node, ast.ClassDef) and node.name == "Meta":
            found: dict[str, object] = {}
            for statement in node.body:
                if isinstance(statement, ast.Assign) and isinstance(statement.value, ast.Constant):
                    for target in statement.targets:
                        if isinstance(target, ast.Name):
                            found[target.id] = statement.value.value
            return found
    return {}


def _base_names(cls: ast.ClassDef) -> list[str]:
    names = []
    for base in cls.bases:
        if isinstance(base, ast.Name):
            names.append(base.id)
        elif isinstance(base, ast.Attribute):
            names.append(base.attr)
    return names


def model_tables(roots: Iterable[Path]) -> dict[str, str]:
    """{table name: "app_label.ModelName"} for every concrete model of every app (a folder with apps.py) under
    ``roots``. A class is a model when a base is ``…Model`` or another model of the same sources."""
    classes: list[tuple[str, ast.ClassDef]] = []
    for root in roots:
        if not root.is_dir():
            continue
        for apps_py in sorted(root.rglob("apps.py")):
            if "tests" in apps_py.relative_to(root).parts:
                continue
            label = _app_label(apps_py)
            for models_py in _model_files(apps_py.parent):
                tree = ast.parse(models_py.read_text(encoding="utf-8"))
                classes += [(label, node) for node in tree.body if isinstance(node, ast.ClassDef)]
    models: set[str] = set()
    changed = True
    while changed:  # a model may inherit from a model defined later (or in another file)
        changed = False
        for _, cls in classes:
            if cls.name not in models and any(b.endswith("Model") or b in models for b in _base_names(cls)):
                models.add(cls.name)
                changed = True
    tables: dict[str, str] = {}
    for label, cls in classes:
        meta = _meta(cls)
        if cls.name in models and not meta.get("abstract") and not meta.get("proxy"):
            table = meta.get("db_table")
            tables[table if isinstance(table, str) else f"{label}_{cls.name.lower()}"] = f"{label}.{cls.name}"
    return tables
