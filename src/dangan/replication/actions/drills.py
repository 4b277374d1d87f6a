"""Restore drills (恢复演练) and the restore of a node that lost everything (灾难恢复).

``do_drill`` restores one target's copy (all of it, or one fonds: the catalog maps fonds → units → packages →
their manifests at the target) into a scratch OCFL storage root, validates every object (every digest against its
inventory), and records a DrillRun: recovery time (seconds from start to verified), recovery point (now − the
``created`` of the newest version restored), objects / files / bytes, and every failure by name. With custodians'
share lines the drill uses the key they combine to — in memory only, never installed — and says so: the escrow
drill ("a restore from the shares alone").

``do_restore`` is the same restore into this node's own storage root (which must hold no objects): after
``keys restore`` (the master key and, from DANGAN-SHARE-2 shares, the node identity) and pairing again with the
keeper, it puts every object back; ``dangan rebuild`` then recreates the preservation records.

Both resume: a drill folder or a storage root left by an interrupted run of the same target (a marker file says
so) is continued, every file already restored and verified kept.
"""

from __future__ import annotations

import json
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from dangan.core.actors import actor_name
from dangan.core.audit import log
from dangan.core.roles import Capability, has_capability
from dangan.preservation.models import PreservedPackage
from dangan.preservation.ocfl.root import StorageRoot, object_id_for
from dangan.preservation.storage.local import LocalFilesystemBackend
from dangan.preservation.store import storage_root
from dangan.replication.actions.restore import Progress, RestoreReport, restore_objects
from dangan.replication.choices import EnvelopeKind
from dangan.replication.crypto import shares
from dangan.replication.crypto.errors import ReplicationCryptoError
from dangan.replication.crypto.keys import MasterKey
from dangan.replication.models import DrillRun, StoredEnvelope, Target
from dangan.replication.models.drills import DrillKind, DrillState
from dangan.replication.node import NodeNotReady, master_key
from dangan.replication.stores.base import TargetStore
from dangan.replication.stores.registry import store_for

__all__ = ["DRILL_MARKER", "RESTORE_MARKER", "check_drill", "do_drill", "do_restore", "drill_summary"]

#: In a drill folder while its drill runs (removed once it finished).
DRILL_MARKER = ".dangan-drill.json"
#: In REPLICATION_HOME while a restore into the storage root runs.
RESTORE_MARKER = "restore-running.json"


def _check_actor(actor: Any) -> None:
    if not has_capability(actor, Capability.REPLICATION_MANAGE):
        raise PermissionDenied(_("只有备份管理员可以进行恢复演练或恢复。"))


def _target(name: str | Target) -> Target:
    if isinstance(name, Target):
        return name
    try:
        return Target.objects.get(name=name)
    except Target.DoesNotExist:
        raise ValidationError(_("没有名为 %(name)s 的备份目标。") % {"name": name}, code="usage") from None


def _key(share_lines: Sequence[str] | None) -> tuple[MasterKey, bool]:
    if share_lines is None:
        try:
            return master_key(), False
        except NodeNotReady as exc:
            raise ValidationError(str(exc), code="node_not_ready") from None
    typed = [line.strip() for line in share_lines if line.strip() and not line.lstrip().startswith("#")]
    try:
        return shares.combine(typed), True  # in memory only: never installed
    except ReplicationCryptoError as exc:
        raise ValidationError(str(exc), code="shares") from None


def _marker(path: Path) -> dict[str, Any] | None:
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    return data if isinstance(data, dict) else None


def check_drill(actor: Any, target: str | Target, into: Path, *, fonds: str = "") -> tuple[Target, DrillRun | None]:
    """The target, and the interrupted drill of it that ``into`` holds (to resume) if any. ValidationError (code
    ``usage``) for an unknown target or fonds, or a folder that is neither absent, empty, nor such a drill's."""
    _check_actor(actor)
    found = _target(target)
    if fonds:
        from dangan.catalog.models import Fonds

        if not Fonds.objects.filter(code=fonds).exists():
            raise ValidationError(_("没有全宗号为 %(code)s 的全宗。") % {"code": fonds}, code="usage")
    into = Path(into)
    if into.exists() and not into.is_dir():
        raise ValidationError(_("%(path)s 不是目录。") % {"path": into}, code="usage")
    if not into.exists() or not any(into.iterdir()):
        return found, None
    marker = _marker(into / DRILL_MARKER)
    if marker is not None:
        run = DrillRun.objects.filter(
            pk=int(marker.get("drill") or 0), target=found, state=DrillState.RUNNING, fonds=fonds
        ).first()
        if run is not None:
            return found, run
    raise ValidationError(
        _("演练目录 %(path)s 应不存在或为空（或为本目标一次中断的演练）。") % {"path": into}, code="usage"
    )


def _labels() -> dict[str, str]:
    """Package id → its 档号 (or object id) as far as the catalog knows it."""
    labels: dict[str, str] = {}
    for uuid_value, reference in PreservedPackage.objects.values_list("uuid", "reference_code"):
        object_id = object_id_for(uuid_value)
        labels[str(uuid_value)] = f"{reference} ({object_id})" if reference else object_id
    return labels


def _fonds_manifests(target: Target, fonds: str) -> list[str]:
    return list(
        StoredEnvelope.objects.filter(
            replica__target=target, replica__package__unit__fonds__code=fonds, kind=EnvelopeKind.MANIFEST
        ).values_list("name", flat=True)
    )


def _finish(run: DrillRun, report: RestoreReport, started: float, actor: Any, action: str) -> DrillRun:
    now = timezone.now()
    newest = report.newest_version_created
    run.finished_at = now
    run.recovery_time = round(time.monotonic() - started, 3)
    run.objects_restored = sum(1 for item in report.objects if item.valid)
    run.files_restored = report.files + report.skipped_files
    run.bytes_restored = report.bytes
    run.files_resumed = report.skipped_files
    run.newest_version_at = newest
    run.recovery_point = round((now - newest).total_seconds(), 3) if newest is not None else None
    run.failures = [failure.to_dict() for failure in report.failures]
    run.state = DrillState.PASSED if report.ok else DrillState.FAILED
    with transaction.atomic():
        run.save()
        log(run, action, actor, drill_summary(run))
    return run


def drill_summary(run: DrillRun) -> dict[str, Any]:
    """The figures of a drill, as the CLI's --json and the audit entry give them."""
    return {
        "drill": run.pk,
        "kind": run.kind,
        "target": run.target.name,
        "fonds": run.fonds,
        "into": run.into,
        "from_shares": run.from_shares,
        "key_id": run.key_id,
        "state": run.state,
        "ok": run.state == DrillState.PASSED,
        "recovery_time_s": run.recovery_time,
        "recovery_point_s": run.recovery_point,
        "newest_version_at": run.newest_version_at.isoformat() if run.newest_version_at else None,
        "objects": run.objects_restored,
        "files": run.files_restored,
        "bytes": run.bytes_restored,
        "files_resumed": run.files_resumed,
        "failures": list(run.failures),
    }


def do_drill(
    actor: Any,
    target: str | Target,
    into: Path,
    *,
    fonds: str = "",
    share_lines: Sequence[str] | None = None,
    store: TargetStore | None = None,
    progress: Progress | None = None,
) -> DrillRun:
    """Restore ``target``'s copy (or one fonds of it) into a scratch storage root at ``into`` and record the drill
    (see the module's docstring). ``share_lines``: use the key those custodians' shares combine to."""
    started = time.monotonic()
    found, resumed = check_drill(actor, target, into, fonds=fonds)
    key, from_shares = _key(share_lines)
    into = Path(into)
    into.mkdir(parents=True, exist_ok=True)
    if resumed is None:
        with transaction.atomic():
            run = DrillRun.objects.create(
                target=found,
                kind=DrillKind.DRILL,
                fonds=fonds,
                into=str(into.resolve()),
                from_shares=from_shares,
                key_id=key.key_id.hex(),
                started_by=actor_name(actor),
                started_at=timezone.now(),
            )
        (into / DRILL_MARKER).write_text(json.dumps({"drill": run.pk, "target": found.name}), encoding="utf-8")
    else:
        run = resumed
    root = StorageRoot(LocalFilesystemBackend(into), durable=False)
    root.initialize()
    labels = _labels()
    report = restore_objects(
        store if store is not None else store_for(found),
        key,
        root,
        manifest_names=_fonds_manifests(found, fonds) if fonds else None,
        label=lambda package: labels.get(package, package),
        progress=progress,
    )
    run = _finish(run, report, started, actor, "replication.drill")
    (into / DRILL_MARKER).unlink(missing_ok=True)
    return run


def do_restore(
    actor: Any,
    target: str | Target,
    *,
    store: TargetStore | None = None,
    progress: Progress | None = None,
) -> DrillRun:
    """Restore every object at ``target`` into this node's own storage root (which must hold no objects, unless an
    interrupted restore of the same target left them) with the installed master key."""
    started = time.monotonic()
    _check_actor(actor)
    found = _target(target)
    key, _from_shares = _key(None)
    root = storage_root()
    marker_path = Path(settings.REPLICATION_HOME) / RESTORE_MARKER
    marker = _marker(marker_path)
    resuming = marker is not None and marker.get("target") == found.name
    if not resuming and next(iter(root.object_paths()), None) is not None:
        raise ValidationError(
            _("本节点的存储库中已有保存对象，不能在其上恢复（%(root)s）。") % {"root": root.backend.describe()},
            code="usage",
        )
    run = DrillRun.objects.filter(pk=int((marker or {}).get("drill") or 0), state=DrillState.RUNNING).first()
    if run is None:
        with transaction.atomic():
            run = DrillRun.objects.create(
                target=found,
                kind=DrillKind.RESTORE,
                into=root.backend.describe(),
                key_id=key.key_id.hex(),
                started_by=actor_name(actor),
                started_at=timezone.now(),
            )
        marker_path.parent.mkdir(parents=True, exist_ok=True)
        marker_path.write_text(json.dumps({"drill": run.pk, "target": found.name}), encoding="utf-8")
    labels = _labels()
    report = restore_objects(
        store if store is not None else store_for(found),
        key,
        root,
        label=lambda package: labels.get(package, package),
        progress=progress,
    )
    run = _finish(run, report, started, actor, "replication.restore")
    marker_path.unlink(missing_ok=True)
    return run


def drill_folder() -> Path:
    """Where drills started from the workspace restore into: ``REPLICATION_DRILL_ROOT``, else DANGAN_HOME/drills."""
    configured = getattr(settings, "REPLICATION_DRILL_ROOT", "")
    return Path(configured) if configured else Path(settings.DANGAN_HOME) / "drills"


def do_start_drill(actor: Any, target: Target, *, fonds: str = "") -> None:
    """Queue a drill of ``target`` (the workspace's "start a drill") into a fresh folder under ``drill_folder()``,
    removed once the drill is recorded; ValidationError when a drill is queued or running already."""
    from django_tasks_db.models import DBTaskResult

    from dangan.core.actors import actor_id
    from dangan.core.jobs import hold_start_lock, task_path
    from dangan.replication.tasks.drills import drill_task

    into = drill_folder() / f"{timezone.now():%Y%m%dT%H%M%S}-{target.pk}"
    check_drill(actor, target, into, fonds=fonds)
    _key(None)
    with transaction.atomic():
        hold_start_lock("replication.drill")
        if DBTaskResult.objects.filter(task_path=task_path(drill_task), status__in=("READY", "RUNNING")).exists():
            raise ValidationError(_("恢复演练已在排队或进行中。"), code="already_running")
        user_id, target_id = actor_id(actor), target.pk
        transaction.on_commit(lambda: drill_task.enqueue(user_id, target_id, fonds, str(into)))
