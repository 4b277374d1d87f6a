"""Sweep declarations of this node's identity document (/replication/identity): public to every role, as partners
fetch it before they are paired; it holds nothing of the catalog."""

from __future__ import annotations

from tests.sweep import Page, expect
from tests.sweep.world import World, register_builder


def _build(world: World) -> None:
    from dangan.replication.node import ensure_node

    world.settings.REPLICATION_HOME = world.tmp_path / "replication"
    identity, _created = ensure_node()  # as after `dangan init`
    world.objects["replication_identity.node"] = str(identity.node_id)


register_builder("replication_identity", _build)

PAGES = [
    Page("replication_node:identity", expect(200, anonymous=200, reader=200), needs=("@replication_identity.node",))
]
