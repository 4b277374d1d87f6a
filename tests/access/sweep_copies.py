"""Sweep declarations of the access app's copies part (gathered by tests/access/sweep.py): a reader's copy pages
(readers only: the staff get 403), the reading room's queue and decisions (READING_ROOM: the archivists and the
desk), and the API. Sample data: an opened (开放) digitized unit, and a copy of it made and delivered to the
sweep's reader (``@copies.delivered``). Posts never change anything: they are refused (a stale or finished
request, a missing reason), so each role sees the same world."""

from __future__ import annotations

from typing import Any

from tests.sweep import Api, Page, expect
from tests.sweep.world import World, register_builder

# The reading room (READING_ROOM): the archivists (any clearance) and the desk.
DESK = expect(200, system_admin=403, security=403, reader=403, access_staff=200)
# The readers' own pages: the staff have none.
READERS = expect(403, reader=200, access_staff=403)
TITLE = "巡检复制开放文件"


def _build(world: World) -> None:
    from dangan.access.actions.copies import do_deliver_copy, do_make_copy, do_request_copy
    from dangan.access.choices import Purpose
    from dangan.catalog.actions.units import do_create_unit
    from dangan.catalog.models import ArchivalUnit, Fonds, RecordCategory
    from dangan.core.actors import CONSOLE
    from dangan.core.choices import SecurityClassification
    from tests.digitization.iiif.pages import draw_pages, preserve_masters

    world["@fonds"]
    world["@digitized.public"]  # the storage and the derivatives' place, as the digitization sweep has them
    world.settings.COPIES_ROOT = world.tmp_path / "copies"
    fonds = Fonds.objects.get(code=world.objects["fonds"])
    unit: ArchivalUnit = do_create_unit(
        CONSOLE,
        fonds,
        {
            "title": TITLE,
            "category": RecordCategory.objects.get(code="WS"),
            "year": 2011,
            "retention": "Y",
            "organization": "BGS",
            "responsible": "省扶贫办",
            "page_count": 2,
            "classification": SecurityClassification.PUBLIC,
            "openness": "open",
        },
    )
    preserve_masters(unit, draw_pages(world.tmp_path / "scans-copies", [(120, 160), (120, 160)]))
    reader = world.user("reader")
    if not reader.first_name:
        reader.first_name = "巡检读者"
        reader.save(update_fields=["first_name"])
    copy = do_request_copy(reader, reader, unit, pages="1", purpose=Purpose.RESEARCH)
    copy = do_make_copy(CONSOLE, copy)
    copy = do_deliver_copy(CONSOLE, copy)
    world.objects["copies.unit"] = unit
    world.objects["copies.delivered"] = copy


register_builder("copies", _build)


def _stale(world: World) -> dict[str, Any]:
    return {"version": "999"}


PAGES = [
    Page("account:copies", READERS, needs=("@copies.delivered",)),
    Page("account:copy_new", READERS, query={"unit": "@copies.unit"}),
    Page(
        "account:copy_new",
        expect(403, reader=404, access_staff=403),
        query={"unit": "@unit.secret"},
        note="of a 秘密 unit",
    ),
    Page(
        "account:copy_new",
        expect(403, reader=400, access_staff=403),
        method="POST",
        data={"pages": "1-99", "format": "pdf", "purpose": "research"},
        query={"unit": "@copies.unit"},
        note="pages out of range",
    ),
    Page("account:copy_detail", READERS, uuid="@copies.delivered"),
    Page("account:copy_download", READERS, uuid="@copies.delivered"),
    Page("access:copies", DESK, needs=("@copies.delivered",)),
    Page("access:copies", DESK, query={"status": "all"}, needs=("@copies.delivered",), note="all"),
    Page("access:copy_desk", DESK),
    Page(
        "access:copy_desk",
        expect(400, system_admin=403, security=403, reader=403, access_staff=400),
        method="POST",
        data={"reader": "nobody", "unit": "Z109-XX", "format": "pdf", "purpose": "research"},
        note="an unknown reader",
    ),
    Page("access:copy_detail", DESK, uuid="@copies.delivered"),
    Page("access:copy_file", DESK, uuid="@copies.delivered"),
    Page(
        "access:copy_action",
        expect(409, system_admin=403, security=403, reader=403, access_staff=409),
        method="POST",
        data=_stale,
        uuid="@copies.delivered",
        verb="make",
        note="a stale version",
    ),
    Page(
        "access:copy_action",
        expect(409, system_admin=403, security=403, reader=403, access_staff=409),
        method="POST",
        uuid="@copies.delivered",
        verb="deliver",
        data={"delivery": "download"},
        note="delivered already",
    ),
    Page(
        "access:copy_action",
        expect(400, system_admin=403, security=403, reader=403, access_staff=400),
        method="POST",
        uuid="@copies.delivered",
        verb="refuse",
        note="no reason",
    ),
]

# The API: the readers and the desk; the other staff 403.
API_READ = expect(200, system_admin=403, security=403, reader=200, access_staff=200)
API_DESK = expect(409, system_admin=403, security=403, reader=403, access_staff=409)
ENDPOINTS = [
    Api("GET /api/access/copies", API_READ, needs=("@copies.delivered",)),
    Api("POST /api/access/copies", expect(422, reader=422, access_staff=422), data={}),
    Api("GET /api/access/copies/{uuid}", API_READ, uuid="@copies.delivered"),
    Api("GET /api/access/copies/{uuid}/file", API_READ, uuid="@copies.delivered"),
    Api("POST /api/access/copies/{uuid}/make", API_DESK, uuid="@copies.delivered", data={}),
    Api("POST /api/access/copies/{uuid}/deliver", API_DESK, uuid="@copies.delivered", data={}),
    Api(
        "POST /api/access/copies/{uuid}/refuse",
        expect(422, reader=422, access_staff=422),
        uuid="@copies.delivered",
        data={},
        note="no reason",
    ),
]
EXCLUDED: dict[str, str] = {}
