"""The background task worker: `dangan worker` runs it in the foreground; `dangan serve` runs one in a thread
so that the embedded default needs no second process. Both also run the scheduler of periodic jobs (core.schedule).

A worker's id is its process's liveness identity (core.liveness): whether the worker still runs is asked of a lock
that dies with the process, never of a process id. Every worker looks for tasks left RUNNING by a dead worker, on
any host, when it starts and every WORKER_RECOVERY_SECONDS: such a task is queued again, unless its worker has died
with it TASK_MAX_CRASHES times already, and then it is marked failed with a Chinese message, and the app that owns
it records that message on the job's own row (core.jobs.register_abandoned_handler).
"""

from __future__ import annotations

import logging
import threading
from typing import Any

from django.db import connections
from django.utils import timezone
from django.utils.translation import gettext as _

from . import liveness
from .jobs import run_abandoned_handler
from .schedule import run_due_jobs, start_scheduler

logger = logging.getLogger("dangan.worker")

# Recorded as the failed task's exception class: the task raised nothing, its process died under it.
WORKER_LOST = "dangan.core.worker.WorkerLost"


def _make_worker(batch: bool) -> Any:
    from django_tasks_db.management.commands.db_worker import Worker

    return Worker(
        queue_names=["*"],
        interval=1.0,
        batch=batch,
        backend_name="default",
        startup_delay=False,
        max_tasks=None,
        worker_id=liveness.current(),
        excluded_queue_names=[],
    )


def _uses_database_queue() -> bool:
    from django.conf import settings

    return "django_tasks_db" in settings.TASKS["default"]["BACKEND"]


def run_worker(batch: bool = False) -> None:
    """Run tasks until stopped (or, with ``batch``, until the queue is empty)."""
    if not _uses_database_queue():
        logger.warning("TASKS backend is not the database backend; nothing to run")
        return
    liveness.current()  # the lock first: a task is never claimed under an id that no lock backs
    recover_interrupted_tasks()
    if batch:
        run_due_jobs()  # periodic jobs due now are queued, and run in this batch
    else:
        start_scheduler()
        start_recovery()
    worker = _make_worker(batch)
    worker.configure_signals()
    worker.run()


def start_inprocess_worker() -> threading.Thread | None:
    if not _uses_database_queue():
        return None
    liveness.current()
    recover_interrupted_tasks()
    start_scheduler()
    start_recovery()
    worker = _make_worker(batch=False)
    thread = threading.Thread(target=worker.run, name="dangan-worker", daemon=True)
    thread.start()
    return thread


def start_recovery(interval: float | None = None, stop: threading.Event | None = None) -> threading.Thread | None:
    """A daemon thread that recovers the tasks of dead workers every ``interval`` seconds (WORKER_RECOVERY_SECONDS;
    0: only at start), so that a worker dying on one host is noticed by a live one without a restart."""
    from django.conf import settings

    interval = settings.WORKER_RECOVERY_SECONDS if interval is None else interval
    if interval <= 0:
        return None
    stop = stop or threading.Event()

    def loop() -> None:
        while not stop.wait(interval):
            try:
                liveness.current()  # takes the lock again if its connection was cut
                recover_interrupted_tasks()
            except Exception:
                logger.exception("recovering interrupted tasks failed")
            finally:
                connections.close_all()  # this thread's connections; a new one is opened next time

    thread = threading.Thread(target=loop, name="dangan-recovery", daemon=True)
    thread.start()
    return thread


def crash_message(crashes: int) -> str:
    return _(
        "后台任务执行中，运行它的进程已 %(count)d 次意外终止（崩溃、内存耗尽或被强制结束），为免反复中断，"
        "不再自动重试。请检查任务的输入（例如导入的文件）后重新发起。"
    ) % {"count": crashes}


def recover_interrupted_tasks() -> int:
    """Tasks left RUNNING by a worker that has died (crash, kill -9, on any host) are queued again, or marked
    failed when their worker has died with them TASK_MAX_CRASHES times. Returns how many were queued again.

    Tasks are written to be idempotent (they load by id and redo or finish their work), so running one again after a
    crash duplicates nothing. Each claim appends the worker's id to ``worker_ids``, so its length counts the runs
    that did not end: a task that ended (SUCCESSFUL or FAILED) is never claimed again.
    """
    from django.conf import settings
    from django_tasks_db.models import DBTaskResult

    requeued = 0
    for result in DBTaskResult.objects.filter(status="RUNNING"):
        worker_id = (result.worker_ids or [""])[-1]
        if liveness.is_alive(worker_id):
            continue
        crashes = len(result.worker_ids or [])
        still = DBTaskResult.objects.filter(pk=result.pk, status="RUNNING", started_at=result.started_at)
        if crashes >= settings.TASK_MAX_CRASHES:
            message = crash_message(crashes)
            if still.update(
                status="FAILED",
                finished_at=timezone.now(),
                exception_class_path=WORKER_LOST,
                traceback=message,
                return_value=None,
            ):
                logger.error("gave up task %s (%s): its worker died %d times", result.pk, result.task_path, crashes)
                _tell_owner(result, message)
            continue
        if still.update(status="READY", started_at=None):
            requeued += 1
            logger.warning("re-queued task %s interrupted on worker %s", result.pk, worker_id)
    return requeued


def _tell_owner(result: Any, message: str) -> None:
    args_kwargs = result.args_kwargs or {}
    try:
        run_abandoned_handler(result.task_path, args_kwargs.get("args", []), args_kwargs.get("kwargs", {}), message)
    except Exception:
        logger.exception("could not record the failure of task %s on its job", result.pk)
