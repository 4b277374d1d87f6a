"""``make lint`` runs every check (ruff, import layers, the conventions, mypy, migrations), and the modules on the
strict list pass mypy's strict per-module checks."""

from __future__ import annotations

import os
import re
import subprocess
import sys
import tomllib
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
# What --strict switches on per module (mypy 2.x); the overrides must keep every one of them.
STRICT_FLAGS = {
    "disallow_any_generics",
    "disallow_subclassing_any",
    "disallow_untyped_calls",
    "disallow_untyped_defs",
    "disallow_incomplete_defs",
    "disallow_untyped_decorators",
    "check_untyped_defs",
    "warn_return_any",
    "no_implicit_reexport",
    "strict_equality",
    "extra_checks",
}


def lint_recipe() -> str:
    makefile = (REPO / "Makefile").read_text(encoding="utf-8")
    match = re.search(r"^lint:.*\n((?:\t.*\n)+)", makefile, re.MULTILINE)
    assert match, "the Makefile has no lint target"
    return match.group(1)


def strict_override() -> dict[str, object]:
    config = tomllib.loads((REPO / "pyproject.toml").read_text(encoding="utf-8"))
    overrides = [o for o in config["tool"]["mypy"].get("overrides", []) if set(o) >= STRICT_FLAGS]
    assert len(overrides) == 1, "pyproject.toml needs one [[tool.mypy.overrides]] with the strict flags"
    return overrides[0]


def test_make_lint_runs_every_check() -> None:
    recipe = lint_recipe()
    for step in (
        "ruff check src tests bench",
        "ruff format --check src tests bench",
        "lint-imports",
        "-m dangan.utilities.lint src tests",
        "DANGAN_HOME=$$(mktemp -d) $(BIN)/mypy",
        "makemigrations --check",
    ):
        assert step in recipe, f"make lint does not run {step!r}"


def test_the_strict_list_is_strict_and_names_real_modules() -> None:
    override = strict_override()
    assert all(override[flag] is True for flag in STRICT_FLAGS)
    assert "strict" not in override, "strict = true in an override turns the global strict flags on for everyone"
    modules = override["module"]
    assert isinstance(modules, list)
    for required in ("dangan.core.actors", "dangan.utilities.spreadsheets", "dangan.utilities.lint.*"):
        assert required in modules, required
    for module in modules:
        path = REPO / "src" / Path(*module.removesuffix(".*").split("."))
        assert path.with_suffix(".py").is_file() or (path / "__init__.py").is_file(), f"no module {module}"


def test_the_strict_modules_pass_strict(tmp_path: Path) -> None:
    """The flags are honoured: mypy, configured by pyproject.toml, finds nothing in the strict modules."""
    listed = strict_override()["module"]
    assert isinstance(listed, list)
    modules = sorted({m.removesuffix(".*") for m in listed})
    arguments = [
        a for m in modules for a in (("-p", m) if (REPO / "src" / Path(*m.split("."))).is_dir() else ("-m", m))
    ]
    result = subprocess.run(
        [sys.executable, "-m", "mypy", "--cache-dir", str(tmp_path / "cache"), *arguments],
        cwd=REPO,
        capture_output=True,
        text=True,
        check=False,
        env={**os.environ, "DANGAN_HOME": str(tmp_path / "home")},
    )
    own = [line for line in result.stdout.splitlines() if any(m.replace(".", "/") in line for m in modules)]
    assert not own, "\n".join(own)
    assert result.returncode in (0, 1), result.stdout + result.stderr
