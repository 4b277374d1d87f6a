"""What every kind of background job shares: refusing to start one that is already queued or running, asking whether
a task is queued or running, and being told when the worker gives a task up.

- ``refuse_if_running(key, active, message)``: call it in the transaction that records a new job (``do_start_*``),
  before recording it. Starts of the same ``key`` are serialised (a PostgreSQL transaction advisory lock; SQLite's
  IMMEDIATE transactions are serialised already), so two clicks at once cannot both pass; when ``active`` (the
  queued or running jobs of that kind) is not empty, it raises ValidationError(message, code="already_running"),
  which the page shows on its form, the API answers with 409 and the CLI prints (exit 2).
- ``task_active(task, *args)``: whether a django-tasks task with these arguments is queued or running.
- ``register_abandoned_handler(task, handler)``: when the worker gives a task up (its process died with it
  ``TASK_MAX_CRASHES`` times, see core.worker), ``handler(args, kwargs, message)`` records the failure, with the
  Chinese message, on the job's own row (the import batch, the audit run …) where people look for it.
"""

from __future__ import annotations

import contextlib
import zlib
from collections.abc import Callable, Sequence
from typing import Any

from django.core.exceptions import ValidationError
from django.db import connections, transaction
from django.db.models import QuerySet
from django.utils.module_loading import import_string

from dangan.utilities.registry import Registry

__all__ = [
    "AbandonedHandler",
    "abandoned_handlers",
    "hold_start_lock",
    "refuse_if_running",
    "register_abandoned_handler",
    "task_active",
    "task_path",
]

_GUARD_NAMESPACE = 0x64616E68  # the first key of refuse_if_running's advisory locks ("danh")


def hold_start_lock(key: str, using: str = "default") -> None:
    """Serialise, until the current transaction ends, every start of a job of kind ``key``."""
    connection = connections[using]
    if not connection.in_atomic_block:
        raise RuntimeError("starting a job must happen inside transaction.atomic()")
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT pg_advisory_xact_lock(%s::int4, %s::int4)",
                [_GUARD_NAMESPACE, zlib.crc32(key.encode()) & 0x7FFFFFFF],
            )
    # SQLite: every transaction of dangan's is BEGIN IMMEDIATE (settings.py), so it holds the write lock already.


def refuse_if_running(
    key: str,
    active: QuerySet[Any] | Callable[[], Sequence[Any]],
    message: str | Callable[[Any], str],
) -> None:
    """Inside the transaction that records a new job of kind ``key``: ValidationError when a job of that kind is
    queued or running already; otherwise the caller goes on, holding the start lock of ``key`` until its
    transaction ends, so that a second start at the same moment waits and then sees the first.

    ``active`` is a queryset of the queued or running jobs, or a function returning them (called under the lock,
    for a rule a queryset cannot say); ``message`` is the Chinese message, or a function of the first such job."""
    using = active.db if isinstance(active, QuerySet) else "default"
    hold_start_lock(key, using)
    found = active.first() if isinstance(active, QuerySet) else next(iter(active()), None)
    if found is not None:
        raise ValidationError(message(found) if callable(message) else message, code="already_running")


def task_path(task: Any) -> str:
    """The dotted path django-tasks records for a task (``module.function``)."""
    return str(task.module_path) if hasattr(task, "module_path") else str(task)


def task_active(task: Any, *args: Any) -> bool:
    """Whether a task of ``task`` called with exactly ``args`` is queued or running in the database queue."""
    from django_tasks_db.models import DBTaskResult

    candidates = DBTaskResult.objects.filter(task_path=task_path(task), status__in=("READY", "RUNNING"))
    return any(list(row.args_kwargs.get("args", [])) == list(args) for row in candidates.only("args_kwargs"))


# ---------------------------------------------------------------- tasks the worker gave up

AbandonedHandler = Callable[[list[Any], dict[str, Any], str], None]
abandoned_handlers = Registry[AbandonedHandler]("abandoned task handlers")


def register_abandoned_handler(task: Any, handler: AbandonedHandler) -> AbandonedHandler:
    """Call ``handler(args, kwargs, message)`` when the worker gives up a task of ``task`` (see core.worker)."""
    return abandoned_handlers.register(task_path(task), handler)


def run_abandoned_handler(path: str, args: list[Any], kwargs: dict[str, Any], message: str) -> None:
    """Let the owner of the task at ``path`` record that the worker gave it up (its module registers the handler
    when imported, so it is imported here first)."""
    with contextlib.suppress(ImportError):
        import_string(path)
    if path not in abandoned_handlers:
        return
    with transaction.atomic():
        abandoned_handlers.get(path)(args, kwargs, message)
