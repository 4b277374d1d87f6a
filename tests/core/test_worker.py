"""Background tasks survive a crash of their worker: what it left RUNNING is queued again."""

from __future__ import annotations

import os
import socket
import subprocess
import sys

from django.utils import timezone
from django_tasks_db.models import DBTaskResult

from dangan.core.worker import recover_interrupted_tasks


def _task(worker_id: str) -> DBTaskResult:
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


def test_tasks_of_a_dead_worker_are_requeued_and_live_ones_left(db):
    dead_pid = int(subprocess.check_output([sys.executable, "-c", "import os; print(os.getpid())"]))
    host = socket.gethostname()
    orphan = _task(f"{host}-{dead_pid}-1")
    alive = _task(f"{host}-{os.getpid()}-1")
    elsewhere = _task(f"another-host-{dead_pid}-1")
    assert recover_interrupted_tasks() == 1
    statuses = {t.pk: DBTaskResult.objects.get(pk=t.pk).status for t in (orphan, alive, elsewhere)}
    assert statuses == {orphan.pk: "READY", alive.pk: "RUNNING", elsewhere.pk: "RUNNING"}
