"""Background tasks survive the death of their worker, and a task that keeps killing its worker ends failed.

Real `dangan worker` processes run real tasks from the database queue and are killed with SIGKILL; whether a worker
still runs is asked of the lock it holds (core.liveness), never of its process id: a zombie's pid still answers
kill(pid, 0), and a dead worker's pid soon belongs to another process.
"""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import pytest
from django.db import connection
from django.utils import timezone
from django_tasks_db.models import DBTaskResult

from dangan.core import liveness
from dangan.core.worker import WORKER_LOST, recover_interrupted_tasks

ROOT = Path(__file__).resolve().parents[2]


def worker_env() -> dict[str, str]:
    """A `dangan` child on the test database with the database task queue (not the tests' immediate one)."""
    db = connection.settings_dict
    if connection.vendor == "sqlite":
        url = f"sqlite:///{db['NAME']}"
    else:
        auth = db["USER"] + (f":{db['PASSWORD']}" if db.get("PASSWORD") else "")
        url = f"postgres://{auth}@{db['HOST'] or '127.0.0.1'}:{db['PORT'] or 5432}/{db['NAME']}"
    env = dict(os.environ)
    env.pop("DANGAN_TASKS", None)
    env.update(
        DJANGO_SETTINGS_MODULE="dangan.settings",
        DANGAN_DATABASE_URL=url,
        DANGAN_SCHEDULER_SECONDS="0",
        DANGAN_LOG_LEVEL="ERROR",
    )
    return env


def start_worker(*args: str, **env: str) -> subprocess.Popen[str]:
    command = [sys.executable, "-c", "import sys; from dangan.cli import main; sys.exit(main())", "worker", *args]
    return subprocess.Popen(
        command, cwd=ROOT, env=worker_env() | env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True
    )


def queue(name: str, *args: Any) -> DBTaskResult:
    return DBTaskResult.objects.create(
        status="READY",
        args_kwargs={"args": list(args), "kwargs": {}},
        task_path=f"tests.core.worker_tasks.{name}",
        backend_name="default",
        run_after=timezone.now(),
        queue_name="default",
    )


def running_task(worker_id: str) -> DBTaskResult:
    return DBTaskResult.objects.create(
        status="RUNNING",
        args_kwargs={"args": [1], "kwargs": {}},
        task_path="dangan.catalog.tasks.run_import_batch",
        backend_name="default",
        run_after=timezone.now(),
        worker_ids=[worker_id],
        started_at=timezone.now(),
        queue_name="default",
    )


def wait_for(condition: Any, timeout: float = 30, what: str = "") -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting for {what}")
        time.sleep(0.05)


def process_state(pid: int) -> str:
    """The kernel's state letter of a process: R, S, … or Z for a zombie."""
    return Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]


def status(task: DBTaskResult) -> str:
    return DBTaskResult.objects.get(pk=task.pk).status


@pytest.mark.django_db(transaction=True)
def test_a_worker_killed_mid_task_is_seen_dead_even_as_a_zombie_and_its_task_runs_again(tmp_path):
    marker = tmp_path / "running"
    task = queue("hold", str(marker))
    worker = start_worker()
    try:
        wait_for(marker.exists, what="the worker to start the task")
        wait_for(lambda: status(task) == "RUNNING", what="the task to be RUNNING")
        # Alive: recovery, here as from any other process or host, leaves its task alone.
        assert recover_interrupted_tasks() == 0 and status(task) == "RUNNING"

        os.kill(worker.pid, signal.SIGKILL)
        # Not reaped: the killed worker is a zombie, and its pid still answers kill(pid, 0).
        wait_for(lambda: process_state(worker.pid) == "Z", what="the zombie")
        os.kill(worker.pid, 0)
        # The server notices the closed connection (PostgreSQL) at once or nearly; the file lock is gone at exit.
        wait_for(lambda: recover_interrupted_tasks() == 1, timeout=10, what="the dead worker to be noticed")
        assert status(task) == "READY"
    finally:
        worker.kill()
        worker.communicate()

    # A new worker runs it again (it is idempotent); kill that one too: the second death ends it failed.
    marker.unlink()
    worker = start_worker()
    try:
        wait_for(marker.exists, what="the second worker to start the task")
        os.kill(worker.pid, signal.SIGKILL)
        worker.communicate()
    finally:
        worker.kill()
    wait_for(lambda: [recover_interrupted_tasks(), status(task)][1] == "FAILED", timeout=10, what="the give-up")
    row = DBTaskResult.objects.get(pk=task.pk)
    assert row.status == "FAILED" and len(row.worker_ids) == 2
    assert row.exception_class_path == WORKER_LOST and "2 次意外终止" in row.traceback


@pytest.mark.django_db(transaction=True)
def test_a_running_worker_takes_over_the_task_of_one_that_died_without_a_restart(tmp_path):
    """Recovery is not only at start: a live worker notices another's death within WORKER_RECOVERY_SECONDS (once, a
    killed import stayed "running" with 0 rows until the next restart)."""
    marker = tmp_path / "running"
    task = queue("hold", str(marker))
    first = start_worker()
    second = None
    try:
        # The task creates the marker, then writes its worker's pid into it: wait for the pid, not the file.
        wait_for(lambda: marker.exists() and marker.read_text().strip(), what="the first worker to start the task")
        taken_by = int(marker.read_text())
        second = start_worker(DANGAN_WORKER_RECOVERY_SECONDS="0.5")
        time.sleep(2)  # the second worker is up, and idle: the task is the first one's
        assert status(task) == "RUNNING" and int(marker.read_text()) == taken_by
        first.kill()
        first.communicate()
        wait_for(lambda: int(marker.read_text() or 0) == second.pid, timeout=20, what="the second worker")
        row = DBTaskResult.objects.get(pk=task.pk)
        assert (
            row.status == "RUNNING"
            and len(row.worker_ids) == 2
            and row.worker_ids[-1].split("@")[0].endswith(f".{second.pid}")
        )
    finally:
        for worker in (first, second):
            if worker is not None:
                worker.kill()
                worker.communicate()


@pytest.mark.django_db(transaction=True)
def test_a_task_that_kills_its_worker_twice_ends_failed_not_retried_forever(tmp_path):
    """As a spreadsheet that makes the reader abort: each `dangan worker --batch` start used to queue it again."""
    marker = tmp_path / "runs"
    task = queue("die", str(marker))
    for _ in range(2):
        worker = start_worker("--batch")
        _out, err = worker.communicate(timeout=120)
        assert worker.returncode == -signal.SIGKILL, err
    assert status(task) == "RUNNING"
    worker = start_worker("--batch")  # recovers first: the second death gives the task up; then the queue is empty
    _out, err = worker.communicate(timeout=120)
    assert worker.returncode == 0, err
    row = DBTaskResult.objects.get(pk=task.pk)
    assert row.status == "FAILED" and row.exception_class_path == WORKER_LOST
    assert "不再自动重试" in row.traceback
    assert len(marker.read_text().split()) == 2  # it ran twice, never a third time


@pytest.mark.django_db(transaction=True)
def test_a_pid_that_lives_on_does_not_keep_a_dead_workers_task_running():
    """The pid a dead worker's id names is now another process (here: this test's own, which holds no worker lock;
    and an id of the old host-pid-thread form, as left by an older dangan)."""
    host = socket.gethostname()
    sleeper = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(60)"])
    try:
        reused = running_task(f"123456.{sleeper.pid}@{host}")
        old_form = running_task(f"{host}-{os.getpid()}-1")
        assert recover_interrupted_tasks() == 2
        assert status(reused) == status(old_form) == "READY"
    finally:
        sleeper.kill()
        sleeper.wait()


@pytest.mark.django_db(transaction=True)
def test_a_live_process_on_any_host_keeps_its_task_and_the_abandoned_import_says_why(fonds, archivist, tmp_path):
    from dangan.catalog.models import ImportBatch

    mine = running_task(liveness.current())
    assert recover_interrupted_tasks() == 0 and status(mine) == "RUNNING"

    # An import whose worker died twice: the batch shows the worker's message instead of "running" for ever.
    batch = ImportBatch.objects.create(fonds=fonds, user=archivist, file_name="目录.xlsx", status="running")
    task = running_task("999.1@elsewhere")
    DBTaskResult.objects.filter(pk=task.pk).update(
        args_kwargs={"args": [batch.pk], "kwargs": {}}, worker_ids=["998.1@elsewhere", "999.1@elsewhere"]
    )
    assert recover_interrupted_tasks() == 0
    batch.refresh_from_db()
    assert status(task) == "FAILED"
    assert batch.status == ImportBatch.Status.FAILED and "2 次意外终止" in batch.message and batch.finished
