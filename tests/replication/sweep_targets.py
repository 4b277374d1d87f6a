"""Sweep declarations of the replication app's targets part (gathered by tests/replication/sweep.py): the list of
replication targets (archivists and the system administrator read it), and adding, changing, disabling and enabling
one (the system administrator alone: REPLICATION_MANAGE)."""

from __future__ import annotations

from typing import Any

from tests.sweep import Page, expect
from tests.sweep.world import World, register_builder

READ = expect(403, archivists=200, system_admin=200)
MANAGE_PAGE = expect(403, system_admin=200)
MANAGED = expect(403, system_admin=302)


def _targets(world: World) -> None:
    """A folder target (in the world's temporary directory)."""
    from dangan.core.actors import CONSOLE
    from dangan.replication.actions.targets import do_add_target

    folder = world.tmp_path / "replication-target"
    folder.mkdir(exist_ok=True)
    target = do_add_target(CONSOLE, "sweep-nas", "folder", str(folder), site="本馆地下库房")
    world.objects["target.folder"] = target.name
    world.objects["target.path"] = str(folder)


register_builder("target", _targets)


def _new_folder_target(world: Any) -> dict[str, str]:
    return {"name": "sweep-new", "kind": "folder", "location": world["@target.path"], "cipher": "sm4-gcm"}


PAGES = [
    Page("replication:targets", READ, needs=("@target.folder",)),
    Page("replication:target_add", MANAGE_PAGE),
    Page("replication:target_add", MANAGED, method="POST", data=_new_folder_target, note="a folder target added"),
    Page("replication:target_edit", MANAGE_PAGE, target_name="@target.folder"),
    Page("replication:target_disable", MANAGED, method="POST", target_name="@target.folder"),
    Page("replication:target_enable", MANAGED, method="POST", target_name="@target.folder"),
]
