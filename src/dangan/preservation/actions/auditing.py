"""Fixity audits: re-hash every stored object, or a random sample, against its inventory; record what differs.

A run is planned when it starts (the object ids, sampled if asked) and checked object by object; each object's
result — a PREMIS fixity-check event, the failures, the package's status — commits together with the run's
checkpoint, so a run killed at any moment resumes after the last object it finished and checks nothing twice.

The fixity-check events are written to the database and the audit log, not as a new OCFL version: an audit only
reads the storage it checks. They go into the package's METS document with its next version (see preserving.py),
so they reach storage whenever the package changes next.
"""

from __future__ import annotations

import logging
import math
import random
import threading
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext as _

from dangan.core import liveness
from dangan.core.actors import account_of, actor_name
from dangan.core.audit import log
from dangan.core.jobs import refuse_if_running, task_active
from dangan.preservation.choices import AuditKind, AuditStatus, FailureKind, FixityStatus
from dangan.preservation.mets import MetsError
from dangan.preservation.models import AuditFailure, AuditRun, PreservedPackage
from dangan.preservation.models.audits import failure_description
from dangan.preservation.ocfl.crash import crash_point
from dangan.preservation.ocfl.fixity import Failure, VerifyReport
from dangan.preservation.ocfl.inventory import INVENTORY, Inventory, InventoryError
from dangan.preservation.ocfl.root import ObjectNotFound, StorageRoot
from dangan.preservation.permissions import RUN_AUDIT, require_actor_any
from dangan.preservation.premis import (
    EventOutcome,
    EventType,
    Link,
    intellectual_entity_id,
    new_event,
)
from dangan.preservation.storage.backend import join
from dangan.preservation.store import object_id_for, storage_root

from .access import readable_failures
from .indexing import event_row, index_object, package_uuid_of
from .preserving import _agents

__all__ = [
    "AuditProgress",
    "check_start_audit",
    "do_audit",
    "do_start_audit",
    "failures_of",
    "resumable_run",
    "run_audit",
]

AuditProgress = Callable[[AuditRun], None]
logger = logging.getLogger(__name__)

# Crash point of this module: before each object of a run is checked (DANGAN_OCFL_CRASH_AT, see ocfl.crash).
CRASH_STEPS = ("preservation.audit-object",)
MAX_LISTED = 20  # failures quoted in an event's outcome detail


def owner_id() -> str:
    """The owner of a run this thread takes: its process's liveness identity (core.liveness) and the thread."""
    return f"{liveness.current()}:{threading.get_ident()}"


def _owner_alive(owner: str) -> bool:
    """Whether the thread that owns a run still runs it: in this process, the thread must be alive; elsewhere, on
    any host, its process must hold its liveness lock (a process id is never trusted: zombies and reused ids)."""
    identity, _sep, thread_text = owner.rpartition(":")
    if liveness.is_current(identity):
        return thread_text.isdigit() and any(t.ident == int(thread_text) for t in threading.enumerate())
    return liveness.is_alive(identity)


# ---------------------------------------------------------------- starting a run


def check_start_audit(actor: Any, sample_percent: float | None) -> None:
    require_actor_any(actor, RUN_AUDIT)
    if sample_percent is not None and not (0 < sample_percent <= 100):
        raise ValidationError(_("抽样比例须大于 0、不超过 100。"))


def _run_is_moving(run: AuditRun) -> bool:
    """Whether an unfinished run will go on by itself: a live thread owns it, or a task for it is queued or
    running (a dead worker's task is queued again by core.worker, and resumes it)."""
    from dangan.preservation.tasks import run_audit_task

    return bool(run.owner and _owner_alive(run.owner)) or task_active(run_audit_task, run.pk)


def active_runs() -> list[AuditRun]:
    """The unfinished runs that will go on by themselves (queued, or running in a live process)."""
    unfinished = AuditRun.objects.filter(status__in=(AuditStatus.PENDING, AuditStatus.RUNNING)).order_by("created")
    return [run for run in unfinished if _run_is_moving(run)]


def already_running_message(run: AuditRun) -> str:
    return _("已有一次固定性检查%(state)s（%(created)s 由 %(who)s 发起），请等它结束后再发起。") % {
        "state": _("正在进行") if run.status == AuditStatus.RUNNING else _("在排队等待"),
        "created": timezone.localtime(run.created).strftime("%Y-%m-%d %H:%M"),
        "who": run.requested_by_name or _("系统"),
    }


@transaction.atomic
def do_start_audit(
    actor: Any,
    sample_percent: float | None = None,
    *,
    all_digests: bool = False,
    scheduled: bool = False,
    enqueue: bool = True,
) -> AuditRun:
    """Record a new audit run (every object, or ``sample_percent`` % of them) and, with ``enqueue``, queue it for the
    worker in the same transaction; without, the calling thread owns it and runs it next (``do_audit``).

    Refused (ValidationError) while another run is queued or running: the page, the API and the CLI all start audits
    here. A run left unfinished that nothing will resume (its process died and no task is queued for it) is closed
    as interrupted instead of blocking audits for ever."""
    check_start_audit(actor, sample_percent)
    refuse_if_running("preservation.audit", active_runs, already_running_message)
    # Nothing moves under the start lock: what is unfinished now will never go on.
    AuditRun.objects.filter(status__in=(AuditStatus.PENDING, AuditStatus.RUNNING)).update(
        status=AuditStatus.ERROR,
        owner="",
        finished=timezone.now(),
        message=_("检查中断且无法继续（执行它的进程已终止），已由新发起的检查取代。"),
    )
    user = account_of(actor)
    run = AuditRun.objects.create(
        kind=AuditKind.SAMPLE if sample_percent is not None and sample_percent < 100 else AuditKind.FULL,
        sample_percent=sample_percent if sample_percent is not None and sample_percent < 100 else None,
        all_digests=all_digests,
        scheduled=scheduled,
        requested_by=user,
        requested_by_name=actor_name(actor),
        owner="" if enqueue else owner_id(),
    )
    log(run, "preservation.audit.start", actor, {"kind": run.kind, "sample_percent": run.sample_percent})
    if enqueue:
        from dangan.preservation.tasks import run_audit_task

        run_audit_task.enqueue(run.pk)
    return run


def resumable_run() -> AuditRun | None:
    """The oldest run a crash interrupted (running, its process gone), if any."""
    for run in AuditRun.objects.filter(status=AuditStatus.RUNNING).order_by("created"):
        if not run.owner or not _owner_alive(run.owner):
            return run
    return None


def do_audit(
    actor: Any,
    sample_percent: float | None = None,
    *,
    all_digests: bool = False,
    progress: AuditProgress | None = None,
    resume: bool = True,
) -> AuditRun:
    """Audit now, in this process: resume a run a crash interrupted (when ``resume``), else start a new one."""
    check_start_audit(actor, sample_percent)
    run = resumable_run() if resume else None
    if run is None:
        run = do_start_audit(actor, sample_percent, all_digests=all_digests, enqueue=False)
    finished = run_audit(run.pk, actor=actor, progress=progress)
    run.refresh_from_db()
    return finished or run


# ---------------------------------------------------------------- running a run


def _claim(run_id: int) -> AuditRun | None:
    """Take the run for this process: a pending one, or a running one whose process has died."""
    run = AuditRun.objects.filter(pk=run_id).first()
    if run is None or run.status not in (AuditStatus.PENDING, AuditStatus.RUNNING):
        return None
    if run.status == AuditStatus.RUNNING and run.owner and _owner_alive(run.owner):
        return None
    now = timezone.now()
    taken = AuditRun.objects.filter(pk=run.pk, status=run.status, owner=run.owner).update(
        status=AuditStatus.RUNNING,
        owner=owner_id(),
        started=run.started or now,
        resumed=F("resumed") + (1 if run.status == AuditStatus.RUNNING else 0),
        updated=now,
    )
    if not taken:
        return None
    run.refresh_from_db()
    return run


def _plan(run: AuditRun, root: StorageRoot) -> None:
    """Every object id to check: the packages the database knows and any object in storage it does not."""
    known = {p.object_path: p.object_id for p in PreservedPackage.objects.only("uuid", "object_path")}
    ids = set(known.values())
    for path in root.object_paths():
        if path not in known:
            try:
                ids.add(object_id_for(Inventory.from_bytes(root.backend.read_bytes(join(path, INVENTORY))).id))
            except (InventoryError, ValueError, OSError):
                continue  # not an object of ours, or unreadable: validate_root reports those
    plan = sorted(ids)
    if run.kind == AuditKind.SAMPLE and run.sample_percent:
        count = min(len(plan), max(1, math.ceil(len(plan) * run.sample_percent / 100))) if plan else 0
        plan = sorted(random.SystemRandom().sample(plan, count))
    sizes = dict(PreservedPackage.objects.values_list("uuid", "stored_bytes"))
    run.plan = plan
    run.planned = True
    run.checkpoint = 0
    run.total_objects = len(plan)
    run.total_bytes = sum(sizes.get(package_uuid_of(i), 0) for i in plan)
    run.save()


def run_audit(run_id: int, actor: Any, *, progress: AuditProgress | None = None) -> AuditRun | None:
    """Run (or resume) audit ``run_id`` to its end. None when another live process runs it or it is finished.
    The worker's task (as SYSTEM) and ``dangan audit`` (as CONSOLE) both call this; it is idempotent."""
    run = _claim(run_id)
    if run is None:
        return None
    root = storage_root()
    try:
        if not run.planned:
            root.recover()
            _plan(run, root)
        if progress is not None:
            progress(run)
        while run.checkpoint < len(run.plan):
            object_id = run.plan[run.checkpoint]
            crash_point("preservation.audit-object")
            _check_object(root, run, object_id, actor)
            if progress is not None:
                progress(run)
        return _finish(run, actor)
    except Exception as exc:
        # The exception's own text is English and may name server paths: it goes to the server log, not the page.
        logger.exception("audit %s stopped", run.uuid)
        AuditRun.objects.filter(pk=run.pk).update(
            status=AuditStatus.ERROR,
            finished=timezone.now(),
            owner="",
            message=_("检查出错中止（%(error)s），详情见服务器日志；再次发起检查会从中断处继续。")
            % {"error": exc.__class__.__name__},
        )
        raise


def _finish(run: AuditRun, actor: Any) -> AuditRun:
    with transaction.atomic():
        run.status = AuditStatus.FAILED if run.failure_count else AuditStatus.PASSED
        run.finished = timezone.now()
        run.owner = ""
        if not run.message:
            run.message = (
                _("%(objects)d 个对象中 %(failed)d 个有问题")
                % {"objects": run.checked_objects, "failed": run.failed_objects}
                if run.failure_count
                else _("%(objects)d 个对象全部完好") % {"objects": run.checked_objects}
            )
        run.save()
        log(
            run,
            "preservation.audit.finish",
            actor,
            {
                "status": run.status,
                "objects": run.checked_objects,
                "files": run.checked_files,
                "bytes": run.checked_bytes,
                "failed_objects": run.failed_objects,
                "failures": run.failure_count,
                "resumed": run.resumed,
            },
        )
    return run


@dataclass
class _Outcome:
    package: PreservedPackage | None
    report: VerifyReport | None
    failures: list[AuditFailure]
    status: str
    inventory: Inventory | None = None


def _check_object(root: StorageRoot, run: AuditRun, object_id: str, actor: Any) -> None:
    indexed = False
    package = PreservedPackage.objects.filter(uuid=package_uuid_of(object_id)).first()
    try:
        inventory = root.inventory(object_id)
        head = inventory.head
        if package is None or package.head_version != head:
            # Storage is ahead of the database (a job killed between its swap and its commit, or rows lost):
            # the index catches up before the check.
            try:
                with transaction.atomic():
                    package = index_object(root, object_id).package
                    log(package, "preservation.package.index", actor, {"object_id": object_id, "version": head})
                indexed = True
            except MetsError as exc:
                logger.warning("audit: cannot index %s: %s", object_id, exc)
        report = root.verify_object(object_id, all_digests=run.all_digests)
        failures = [_failure(run, package, object_id, f) for f in report.failures]
        status = FixityStatus.FAILED if failures else FixityStatus.OK
        outcome = _Outcome(package, report, failures, status, inventory)
    except (ObjectNotFound, KeyError):
        missing = AuditFailure(
            run=run,
            package=package,
            object_id=object_id,
            kind=FailureKind.OBJECT_MISSING,
            content_path=package.object_path if package else "",
            message=failure_description(FailureKind.OBJECT_MISSING),
        )
        outcome = _Outcome(package, None, [missing], FixityStatus.MISSING)
    except InventoryError as exc:
        logger.warning("audit: the inventory of %s cannot be read: %s", object_id, exc)
        broken = AuditFailure(
            run=run,
            package=package,
            object_id=object_id,
            kind=FailureKind.INVENTORY,
            message=failure_description(FailureKind.INVENTORY),
        )
        outcome = _Outcome(package, None, [broken], FixityStatus.FAILED)
    _record(run, object_id, outcome, actor, indexed)


def _logical_paths(inventory: Inventory | None) -> dict[str, str]:
    """Content path → the logical path it has in the latest version that holds it."""
    if inventory is None:
        return {}
    by_digest: dict[str, str] = {}
    for name in inventory.version_names():
        for logical, digest in inventory.state(name).items():
            by_digest[digest.lower()] = logical
    return {path: by_digest.get(digest, "") for path, digest in inventory.content_digests.items()}


def _failure(run: AuditRun, package: PreservedPackage | None, object_id: str, failure: Failure) -> AuditFailure:
    kind = FailureKind(failure.kind.value)
    return AuditFailure(
        run=run,
        package=package,
        object_id=object_id,
        kind=kind,
        content_path=failure.path[:1100],
        logical_path="",
        algorithm=failure.algorithm or "",
        expected=(failure.expected or "")[:200],
        actual=(failure.actual or "")[:200],
        message=failure_description(kind, failure.algorithm or ""),
    )


def _below_content(content_path: str) -> str:
    """'v2/content/content/x.pdf' → 'content/x.pdf': where an extra file would sit among the logical paths."""
    parts = content_path.split("/", 2)
    return parts[2] if len(parts) == 3 and parts[0].startswith("v") else ""


def _summary(failures: list[AuditFailure]) -> str:
    text = "；".join(f"{f.get_kind_display()} {f.logical_path or f.content_path}" for f in failures[:MAX_LISTED])
    if len(failures) > MAX_LISTED:
        text += _("……共 %(count)d 项") % {"count": len(failures)}
    return text


def _record(run: AuditRun, object_id: str, outcome: _Outcome, actor: Any, indexed: bool) -> None:
    """One object's result and the run's checkpoint, in one transaction."""
    package = outcome.package
    failures = outcome.failures
    if failures and outcome.inventory is not None:
        logical = _logical_paths(outcome.inventory)
        for failure in failures:
            failure.logical_path = logical.get(failure.content_path) or _below_content(failure.content_path)
    now = timezone.now()
    with transaction.atomic():
        AuditFailure.objects.bulk_create(failures)
        if package is not None:
            report = outcome.report
            checked = report.files_checked if report else 0
            algorithms = "SHA-512、SHA-256、SM3" if run.all_digests else "SHA-512"
            event = new_event(
                EventType.FIXITY_CHECK,
                detail=_("固定性检查（%(algorithms)s）：%(files)d 个文件")
                % {"algorithms": algorithms, "files": checked},
                outcome=EventOutcome.FAIL if failures else EventOutcome.SUCCESS,
                outcome_detail=_summary(failures),
                agents=_agents(actor),
                objects=[
                    intellectual_entity_id(object_id),
                    *[Link("logical path", f.logical_path) for f in failures if f.logical_path][:MAX_LISTED],
                ],
                date_time=now,
            )
            event_row(package, event, audit_run=run).save()
            package.fixity_status = outcome.status
            package.last_audit = now
            package.last_audit_run = run
            package.save(update_fields=["fixity_status", "last_audit", "last_audit_run", "updated"])
            if failures:
                log(
                    package,
                    "preservation.audit.failure",
                    actor,
                    {
                        "run": str(run.uuid),
                        "object_id": object_id,
                        "failures": [
                            {
                                "kind": f.kind,
                                "path": f.logical_path or f.content_path,
                                "expected": f.expected,
                                "actual": f.actual,
                            }
                            for f in failures[:100]
                        ],
                    },
                )
        report = outcome.report
        run.checkpoint += 1
        run.checked_objects += 1
        run.checked_files += report.files_checked if report else 0
        run.checked_bytes += report.bytes_checked if report else 0
        run.failed_objects += 1 if failures else 0
        run.failure_count += len(failures)
        run.indexed_objects += 1 if indexed else 0
        run.save(
            update_fields=[
                "checkpoint",
                "checked_objects",
                "checked_files",
                "checked_bytes",
                "failed_objects",
                "failure_count",
                "indexed_objects",
                "updated",
            ]
        )


def failures_of(run: AuditRun, actor: Any) -> list[AuditFailure]:
    """The failures of ``run`` that ``actor`` may read (catalog.policy, through access.readable_failures)."""
    return list(readable_failures(actor, run.failures.select_related("package", "package__unit")).order_by("id"))


def do_record_abandoned(run_id: int, message: str) -> None:
    """The worker gave up the task of audit run ``run_id`` (it crashed its worker too often): the run, if still
    pending or running, ends in error with ``message``; the next audit starts afresh."""
    AuditRun.objects.filter(pk=run_id, status__in=(AuditStatus.PENDING, AuditStatus.RUNNING)).update(
        status=AuditStatus.ERROR, owner="", finished=timezone.now(), message=message
    )
