"""The background task worker: `dangan worker` runs it in the foreground; `dangan serve` runs one in a thread
so that the embedded default needs no second process. Both also run the scheduler of periodic jobs (core.schedule)."""

from __future__ import annotations

import logging
import os
import socket
import threading

from dangan.utilities.processes import process_alive

from .schedule import run_due_jobs, start_scheduler

logger = logging.getLogger("dangan.worker")


def _make_worker(batch: bool) -> object:
    from django_tasks_db.management.commands.db_worker import Worker

    return Worker(
        queue_names=["*"],
        interval=1.0,
        batch=batch,
        backend_name="default",
        startup_delay=False,
        max_tasks=None,
        worker_id=f"{socket.gethostname()}-{os.getpid()}-{threading.get_ident()}"[:64],
        excluded_queue_names=[],
    )


def run_worker(batch: bool = False) -> None:
    """Run tasks until stopped (or, with ``batch``, until the queue is empty)."""
    from django.conf import settings

    if "django_tasks_db" not in settings.TASKS["default"]["BACKEND"]:
        logger.warning("TASKS backend is not the database backend; nothing to run")
        return
    recover_interrupted_tasks()
    if batch:
        run_due_jobs()  # periodic jobs due now are queued, and run in this batch
    else:
        start_scheduler()
    worker = _make_worker(batch)
    worker.configure_signals()  # type: ignore[attr-defined]
    worker.run()  # type: ignore[attr-defined]


def start_inprocess_worker() -> threading.Thread | None:
    from django.conf import settings

    if "django_tasks_db" not in settings.TASKS["default"]["BACKEND"]:
        return None
    recover_interrupted_tasks()
    start_scheduler()
    worker = _make_worker(batch=False)
    thread = threading.Thread(target=worker.run, name="dangan-worker", daemon=True)  # type: ignore[attr-defined]
    thread.start()
    return thread


def recover_interrupted_tasks() -> int:
    """Tasks left RUNNING by a worker of this host that has died (crash, kill -9) are queued again.

    Tasks are written to be idempotent (they load by id and redo or finish their work), so running one again
    after a crash duplicates nothing.
    """
    from django_tasks_db.models import DBTaskResult

    host = socket.gethostname()
    requeued = 0
    for result in DBTaskResult.objects.filter(status="RUNNING"):
        worker_id = (result.worker_ids or [""])[-1]
        name, _, rest = worker_id.rpartition("-")[0].rpartition("-")
        if name != host or not rest.isdigit() or process_alive(int(rest)):
            continue
        DBTaskResult.objects.filter(pk=result.pk, status="RUNNING").update(status="READY", started_at=None)
        requeued += 1
        logger.warning("re-queued task %s interrupted on worker %s", result.pk, worker_id)
    return requeued
