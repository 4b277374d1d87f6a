"""Sweep declarations of the drills part: the drills list and one drill's page and PDF report, read by the
archivists and the system administrator (REPLICATION_VIEW); "start a drill" for the system administrator alone
(REPLICATION_MANAGE). The world holds one recorded drill of a folder target."""

from __future__ import annotations

from tests.sweep import Page, expect
from tests.sweep.world import World, register_builder

READ = expect(403, archivists=200, system_admin=200)
UNKNOWN = expect(403, archivists=404, system_admin=404)
MANAGE = expect(403, system_admin=302)


def _drill(world: World) -> None:
    from django.utils import timezone

    from dangan.replication.models import DrillRun, Target

    folder = world.tmp_path / "drill-target"
    folder.mkdir(exist_ok=True)
    target = Target.objects.create(name="sweep-drills", kind="folder", location=str(folder))
    run = DrillRun.objects.create(
        target=target,
        into=str(world.tmp_path / "drill"),
        state="failed",
        started_at=timezone.now(),
        finished_at=timezone.now(),
        recovery_time=1.5,
        failures=[{"object": "Z109-WS·2011-Y-BGS-0001", "file": "v1/content/a.pdf", "what": "缺失"}],
    )
    world.objects["drills.run"] = str(run.pk)


register_builder("drills", _drill)

PAGES = [
    Page("replication:drills", READ, needs=("@drills.run",)),
    Page("replication:drill", READ, pk="@drills.run"),
    Page("replication:drill", UNKNOWN, pk=999999, note="an unknown drill"),
    Page("replication:drill_pdf", READ, pk="@drills.run", note="the PDF report"),
    Page("replication:drill_start", MANAGE, method="POST", note="no target chosen: refused with a message"),
]
