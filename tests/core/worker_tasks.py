"""Tasks that the worker tests queue for a real `dangan worker` child: one that holds its worker busy, one that
kills the process running it (as a spreadsheet that makes the reader abort would)."""

from __future__ import annotations

import os
import signal
import time
from pathlib import Path

from django_tasks import task


@task()
def hold(marker: str) -> str:
    """Say which process runs it, then keep that worker busy until the test kills it."""
    Path(marker).write_text(str(os.getpid()))
    time.sleep(120)
    return "held"


@task()
def die(marker: str) -> None:
    """Count a run, then kill the worker process outright (SIGKILL: no exception, no clean-up)."""
    with Path(marker).open("a") as out:
        out.write(f"{os.getpid()}\n")
    os.kill(os.getpid(), signal.SIGKILL)
