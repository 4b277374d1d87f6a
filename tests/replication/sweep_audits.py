"""Sweep declarations of the audits part: the audits' list and one run's failures (REPLICATION_VIEW), "audit now"
(REPLICATION_MANAGE; here the node has no keys: refused with a message and sent back to the list). The world holds
one folder target with one failed run naming a package by id."""

from __future__ import annotations

from tests.sweep import Page, expect
from tests.sweep.world import World, register_builder

READ = expect(403, archivists=200, system_admin=200)
MANAGE = expect(403, system_admin=302)
BY_ID = "a failure's package by 档号 only where the unit is visible, else by package id (audits cover everything)"


def _audit_run(world: World) -> None:
    from django.utils import timezone

    from dangan.replication.models import AuditRun, Target

    folder = world.tmp_path / "audits-target"
    folder.mkdir(parents=True, exist_ok=True)
    target = Target.objects.create(name="sweep-audits", kind="folder", medium="disk", location=str(folder))
    failure = {
        "package": "00000000-0000-0000-0000-000000000000",
        "reference_code": "",
        "target": target.name,
        "envelope": "content/" + "ab" * 32,
        "path": "v1/content/a.pdf",
        "chunk": 3,
        "what": "damaged",
        "detail": "第 3 块未通过验证",
    }
    run = AuditRun.objects.create(
        target=target, started_at=timezone.now(), finished_at=timezone.now(), outcome="failed", failures=[failure]
    )
    world.objects["audits.run"] = str(run.pk)


register_builder("audits", _audit_run)

PAGES = [
    Page("replication:audits", READ, needs=("@audits.run",), names_by_id=BY_ID),
    Page("replication:audit_run", READ, run="@audits.run", names_by_id=BY_ID),
    Page("replication:audit_now", MANAGE, method="POST"),
]
