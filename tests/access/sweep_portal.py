"""Sweep declarations of the access app's portal part (gathered by tests/access/sweep.py).

The portal shows every visitor what ``catalog.policy`` shows them (docs/development/access-portal.md): the public
and readers see 公开 and 开放 units; archivists also what their clearance allows; the system administrator 公开
units; the security administrator and auditor, who read no catalog, no unit at all (unit pages 404, lists empty)."""

from typing import Any

from tests.sweep import Page, expect
from tests.sweep.world import World, register_builder

PUBLIC = expect(200, anonymous=200, reader=200, access_staff=200)
# An opened 公开 unit: everyone who may read 公开 units; the security roles, who read no catalog, get a 404. The
# conservation staff read units up to their clearance (catalog.policy.CLEARED_ROLES), on the portal too.
OPENED = expect(200, anonymous=200, reader=200, access_staff=200, security=404, conservators=200)
# A 公开 unit not yet opened: staff who read the catalog only (the system administrator reads 公开 units).
NOT_OPENED = expect(
    404, anonymous=404, reader=404, archivists=200, system_admin=200, access_staff=200, conservators=200
)
# A 秘密 unit: archivists cleared 秘密 or above, and the conservator (cleared 秘密; the head is cleared 内部).
SECRET = expect(
    404, anonymous=404, reader=404, archivist_secret=200, archivist_top=200, access_staff=404, conservator=200
)


def _build(world: World) -> None:
    from dangan.catalog.actions.units import do_create_unit
    from dangan.catalog.models import Fonds
    from dangan.core.actors import CONSOLE

    fonds = Fonds.objects.get(code=world["@fonds"])
    data: dict[str, Any] = {"title": "巡检门户开放的通知", "openness": "open", "year": 2011}
    world.objects["portal.opened"] = do_create_unit(CONSOLE, fonds, data)


register_builder("portal", _build)

PAGES = [
    Page("portal:home", PUBLIC, needs=("@portal.opened", "@unit.secret")),
    Page("portal:search", PUBLIC, query={"q": "巡检"}, needs=("@portal.opened", "@unit.secret")),
    Page("portal:search", PUBLIC, query={"q": '"巡检'}, note="a query with an error"),
    Page("portal:unit", OPENED, uuid="@portal.opened"),
    Page("portal:unit", NOT_OPENED, uuid="@unit.public", note="公开, not opened"),
    Page("portal:unit", SECRET, uuid="@unit.secret", note="a 秘密 unit"),
    Page("portal:fonds_list", PUBLIC, needs=("@portal.opened",)),
    Page("portal:fonds", OPENED, code="@fonds", needs=("@portal.opened",)),
    Page(
        "portal:fonds",
        SECRET,
        code="@fonds",
        query={"parent": "@unit.secret_series"},
        note="a 秘密 series' children",
    ),
    Page("portal:guide", PUBLIC),
    Page("portal:sitemap", PUBLIC, needs=("@portal.opened", "@unit.secret")),
    Page("portal:sitemap_section", PUBLIC, number=1, needs=("@portal.opened",)),
    Page("portal:robots", PUBLIC),
    Page("access:portal_settings", expect(403, archivists=200, access_staff=200)),
    Page(
        "access:portal_settings",
        expect(403, archivists=400, access_staff=400),
        method="POST",
        data={"version": "x"},
        note="a bad form",
    ),
]
ENDPOINTS: list = []
EXCLUDED: dict[str, str] = {}
