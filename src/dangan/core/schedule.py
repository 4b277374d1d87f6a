"""Periodic jobs: an app registers a function that queues its work when it is due; the worker's scheduler thread
calls every registered function every SCHEDULER_SECONDS (and `dangan worker --batch` once).

The functions decide due-ness from their own records and queue ordinary tasks, so a job is never lost or doubled by
a restart: the schedule is the data, this module only looks at it now and then.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime

from django.db import connections
from django.utils import timezone

from dangan.utilities.registry import Registry, StrOrPromise

logger = logging.getLogger("dangan.schedule")


@dataclass(frozen=True)
class PeriodicJob:
    key: str
    label: StrOrPromise
    queue_if_due: Callable[[datetime], int]  # queues what is due at that time; returns how many tasks it queued


periodic_jobs = Registry[PeriodicJob]("periodic jobs")


def register_periodic_job(job: PeriodicJob) -> PeriodicJob:
    return periodic_jobs.register(job.key, job)


def run_due_jobs(now: datetime | None = None) -> dict[str, int]:
    """Ask every periodic job to queue what is due; one failing job does not stop the others."""
    now = now or timezone.now()
    queued = {}
    for job in periodic_jobs:
        try:
            queued[job.key] = job.queue_if_due(now)
        except Exception:
            logger.exception("periodic job %s failed", job.key)
            queued[job.key] = 0
    return queued


def start_scheduler(interval: float | None = None, stop: threading.Event | None = None) -> threading.Thread | None:
    """A daemon thread running run_due_jobs() now and every ``interval`` seconds (SCHEDULER_SECONDS; 0: none)."""
    from django.conf import settings

    interval = settings.SCHEDULER_SECONDS if interval is None else interval
    if interval <= 0:
        return None
    stop = stop or threading.Event()

    def loop() -> None:
        while True:
            run_due_jobs()
            connections.close_all()  # this thread's connections; a new one is opened next time
            if stop.wait(interval):
                return

    thread = threading.Thread(target=loop, name="dangan-scheduler", daemon=True)
    thread.start()
    return thread
