"""The role sweep (tests/sweep/__init__.py): no route is forgotten, and each app's routes answer every role as its
declarations say, without a 500 and without showing a unit the policy hides."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from tests.sweep.runner import all_declarations, coverage_problems, declaration_modules, declarations, sweep
from tests.sweep.world import World


def test_every_route_is_swept_or_excluded_with_a_reason() -> None:
    """A new page or endpoint fails here until its app's tests/<app>/sweep.py declares it (or excludes it, saying
    why)."""
    problems = coverage_problems(all_declarations())
    assert not problems, "\n".join(problems)


@pytest.mark.django_db
@pytest.mark.parametrize("module", declaration_modules())
def test_role_sweep(module: str, tmp_path: Path, settings: Any) -> None:
    # The sweep checks the answers, not the work behind them: a queued task (a check, an import) is recorded only.
    settings.TASKS = {"default": {"BACKEND": "django_tasks.backends.dummy.DummyBackend"}}
    report = sweep(declarations(module).routes, World(tmp_path, settings))
    assert report.requests > 0
    assert not report.problems, f"{len(report.problems)} problem(s) in {report.requests} requests:\n" + "\n".join(
        report.problems
    )
