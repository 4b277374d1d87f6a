"""Kill tests of the OCFL writer at library level: a child process writing a version is SIGKILLed at every crash
point (DANGAN_OCFL_CRASH_AT) and after random delays. After each kill the object at its path is the complete old
object or the complete new one; after recover() and a rerun the new version is there exactly once.
The same driver runs from the command line: python -m dangan.preservation.ocfl.crashtest run --root DIR"""

from __future__ import annotations

import os
import random
import signal
from pathlib import Path

import pytest

from dangan.preservation.ocfl import crash, crashtest
from dangan.preservation.ocfl.crashtest import Scenario

FILES = 6
SIZE = 40_000  # more than one read chunk for some files


@pytest.mark.parametrize("scenario", list(crashtest.scenarios(FILES)), ids=lambda s: s.label.replace(" ", "-"))
def test_kill_at_each_crash_point(tmp_path: Path, scenario: Scenario) -> None:
    outcome = crashtest.run_scenario(tmp_path, scenario, FILES, SIZE)
    before_swap = crash.STEPS.index(scenario.step) < crash.STEPS.index("ocfl.swapped")
    if scenario.step == "ocfl.moved-aside":
        assert outcome == "missing until recover(), then old"
    else:
        assert outcome == ("old" if before_swap else "new")


def test_kill_after_random_delays(tmp_path: Path) -> None:
    rng = random.Random(int(os.environ.get("DANGAN_CRASH_SEED", "4")))
    duration = crashtest.measure_write(tmp_path, FILES, SIZE)
    outcomes = []
    for _ in range(8):
        scenario = Scenario("random", version=2, exchange=rng.random() < 0.7, delay=rng.uniform(0, duration * 1.1))
        outcomes.append(crashtest.run_scenario(tmp_path, scenario, FILES, SIZE))
    assert set(outcomes) <= {"old", "new", "missing until recover(), then old"}


def test_crash_points_count_occurrences(tmp_path: Path) -> None:
    """The hook kills at the n-th time a step is reached, not before; other steps never."""
    command = crashtest.child_command(tmp_path / "root", 1, FILES, SIZE, exchange=True)
    crashtest.StorageRoot(crashtest.LocalFilesystemBackend(tmp_path / "root")).initialize()
    assert crashtest.run_killed(command, crash_at=f"ocfl.content-file:{FILES + 1}") == -signal.SIGKILL
    assert crashtest.run_killed(command, crash_at="some.other-step:1") == 0  # the rerun completes the version


def test_every_step_is_reached_by_some_scenario() -> None:
    reached = {s.step for s in crashtest.scenarios(FILES)}
    assert reached == set(crash.STEPS)
