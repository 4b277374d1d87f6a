"""Sweep declarations of the access app's register part (gathered by tests/access/sweep.py): the utilization
register (利用登记), an entry added by hand, the annual statistics and their workbook, and their API. For the
reviewers of access requests and the reading room desk (archivists and access staff); the register holds entries of
units at every 密级, so that the sweep sees that a hidden unit's entry names neither its title nor its UUID."""

from __future__ import annotations

from typing import Any

from tests.sweep import Api, Page, expect
from tests.sweep.world import World, register_builder

READ = expect(403, archivists=200, access_staff=200)
REFUSED_FORM = expect(403, archivists=400, access_staff=400)
API_READ = expect(403, anonymous=401, archivists=200, access_staff=200)
API_REFUSED = expect(403, anonymous=401, archivists=422, access_staff=422)
EXPORT = expect(403, archivists=200, access_staff=200)


def _entries(world: World) -> None:
    """Uses of units at every 密级, by the sweep's reader, in the current year."""
    from dangan.access.actions.register import record_use
    from dangan.access.choices import Purpose, UseKind
    from dangan.core.actors import CONSOLE

    reader = world.user("reader")
    for name in ("public", "internal", "secret", "confidential", "top_secret"):
        world[f"@unit.{name}"]
        unit: Any = world.objects[f"unit.{name}"]
        record_use(CONSOLE, kind=UseKind.VIEW, reader=reader, unit=unit, purpose=Purpose.RESEARCH)
    entry = record_use(CONSOLE, kind=UseKind.VISIT, reader=reader, purpose=Purpose.RESEARCH)
    world.objects["register.entries"] = entry.pk


register_builder("register", _entries)

NEEDS = ("@register.entries",)

PAGES = [
    Page("access:register", READ, needs=NEEDS),
    Page("access:register", READ, query={"kind": "view", "fonds": "Z109"}, needs=NEEDS, note="filtered"),
    Page("access:register_add", READ),
    Page(
        "access:register_add",
        REFUSED_FORM,
        method="POST",
        data={"kind": "view", "channel": "reading_room", "unit": "Z109-WS·2011-Y-BGS-9999"},
        note="an unknown 档号: the form again",
    ),
    Page("access:statistics", READ, needs=NEEDS),
    Page("access:statistics_export", EXPORT, query={"year": "2026"}, needs=NEEDS),
]

ENDPOINTS = [
    Api("GET /api/access/register", API_READ, needs=NEEDS),
    Api(
        "POST /api/access/register",
        API_REFUSED,
        data={"kind": "view", "channel": "online"},
        note="no 档号",
    ),
    Api("GET /api/access/statistics", API_READ, needs=NEEDS),
]

EXCLUDED: dict[str, str] = {}
