"""Sweep declarations of the replication app's discs part: the disc register (光盘登记册), read by the archivists
and the system administrator (REPLICATION_VIEW), its actions on a disc and a set for the system administrator
alone (REPLICATION_MANAGE). The world holds one written set of six tiny discs."""

from __future__ import annotations

import os

from tests.replication.test_discs import pieces_of
from tests.sweep import Page, expect
from tests.sweep.world import World, register_builder

READ = expect(403, archivists=200, system_admin=200)
MANAGE_UNKNOWN = expect(403, system_admin=404)
MANAGE = expect(403, system_admin=302)


def _disc_set(world: World) -> None:
    from dangan.core.actors import CONSOLE
    from dangan.replication.actions.discs import do_write_sets
    from dangan.replication.models import Target
    from dangan.replication.stores.registry import store_for

    target = Target.objects.create(
        name="sweep-discs",
        kind="discs",
        medium="optical",
        location=str(world.tmp_path / "discs"),
        options={"capacity_bytes": 3 * 1024 * 1024},
    )
    store = store_for(target)
    for i in range(5):
        data = os.urandom(400_000)
        store.put(f"content/{i:064x}", len(data), pieces_of(data))
    (disc_set,) = do_write_sets(CONSOLE, target)
    world.objects["discs.set"] = disc_set.label
    world.objects["discs.disc"] = disc_set.discs.get(number=1).label


register_builder("discs", _disc_set)

PAGES = [
    Page("replication:discs", READ, needs=("@discs.set",)),
    Page("replication:disc_action", MANAGE_UNKNOWN, method="POST", label="no-such-disc", data={"operation": "verify"},
         note="an unknown disc"),
    Page("replication:disc_action", MANAGE, method="POST", label="@discs.disc", data={"operation": "verify"},
         note="read back"),
    Page("replication:disc_set_rebuild", MANAGE_UNKNOWN, method="POST", label="no-such-set", note="an unknown set"),
    Page("replication:disc_set_rebuild", MANAGE, method="POST", label="@discs.set", note="nothing to rebuild"),
]  # fmt: skip
