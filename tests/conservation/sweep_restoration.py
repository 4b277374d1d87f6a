"""Sweep declarations of the conservation app's restoration part (gathered by tests/conservation/sweep.py): the
work orders are read with CONSERVATION_VIEW (archivists, the conservator, the head of conservation) as far as
catalog.policy shows each order's unit — an order of a 机密 unit is a 404 to the conservator (cleared 秘密), the head
(内部) and the archivists cleared below it — and changed with CONSERVATION_WORK (the conservation staff)."""

from tests.sweep import Api, Page, expect
from tests.sweep.world import World, register_builder

VIEW = expect(403, archivists=200, conservators=200)
WORK = expect(403, conservators=200)
POSTED = expect(403, conservators=302)
# An order of a 机密 unit: only the archivist cleared 绝密 sees it; the conservation staff get a 404.
CONFIDENTIAL = expect(403, archivists=404, archivist_top=200, conservators=404)
CONFIDENTIAL_WORK = expect(403, conservators=404)


def _build(world: World) -> None:
    from dangan.conservation.actions.condition import do_record_condition
    from dangan.conservation.actions.restoration import (
        Photo,
        do_add_photographs,
        do_approve,
        do_create_work_order,
        do_submit,
    )
    from dangan.core.actors import CONSOLE
    from tests.preservation.conftest import jpeg_bytes

    for name in ("public", "confidential"):
        world[f"@unit.{name}"]
        unit = world.objects[f"unit.{name}"]
        do_record_condition(CONSOLE, unit, {"mould": 25}, "survey")
        order = do_create_work_order(CONSOLE, unit, ["cleaning", "repair"], estimated_hours=4)
        world.objects[f"restoration.{name}"] = order.number
    # An approved order of a 秘密 unit with a preserved photograph.
    world["@package.secret"]  # the storage root of the world
    unit = world.objects["unit.secret"]
    do_record_condition(CONSOLE, unit, {"loss": 45}, "survey")
    order = do_create_work_order(CONSOLE, unit, ["repair"])
    order = do_submit(CONSOLE, order, order.version)
    order = do_approve(CONSOLE, order, order.version)
    source = world.tmp_path / "restoration-before.jpg"
    source.write_bytes(jpeg_bytes(5))
    (photo,) = do_add_photographs(CONSOLE, order, "before", [Photo(source.name, source)])
    world.objects["restoration.secret"] = order.number
    world.objects["restoration.photo"] = photo.pk


register_builder("restoration", _build)

PUBLIC, SECRET = "@restoration.public", "@restoration.confidential"
# The 秘密 order: the conservator (秘密) and the archivists cleared 秘密 and above see it.
SECRET_VIEW = expect(403, archivists=200, archivist_public=404, conservator=200, conservation_head=404)
PAGES = [
    Page("conservation:restoration_list", VIEW, needs=(PUBLIC,)),
    Page("conservation:restoration_new", WORK),
    Page("conservation:restoration_stats", VIEW),
    Page("conservation:restoration_stats_xlsx", VIEW),
    Page("conservation:restoration_stats_csv", VIEW),
    Page("conservation:restoration_unit", VIEW, uuid="@unit.public", needs=(PUBLIC,)),
    Page("conservation:restoration_unit", CONFIDENTIAL, uuid="@unit.confidential", needs=(SECRET,)),
    Page("conservation:restoration_detail", VIEW, number=PUBLIC),
    Page("conservation:restoration_detail", CONFIDENTIAL, number=SECRET),
    Page("conservation:restoration_detail", SECRET_VIEW, number="@restoration.secret"),
    Page("conservation:restoration_photo", SECRET_VIEW, number="@restoration.secret", pk="@restoration.photo"),
    Page("conservation:restoration_edit", WORK, number=PUBLIC),
    Page("conservation:restoration_edit", CONFIDENTIAL_WORK, number=SECRET),
    Page(
        "conservation:restoration_transition",
        expect(403, archivists=404, archivist_top=403, conservators=404),
        number=SECRET,
        transition="submit",
        method="POST",
        data={"submit-version": "1"},
    ),
    Page(
        "conservation:restoration_transition",
        POSTED,
        number=PUBLIC,
        transition="submit",
        method="POST",
        data={"submit-version": "1"},
    ),
]
ENDPOINTS = [
    Api("GET /api/conservation/restoration/work-orders", VIEW, needs=(PUBLIC, SECRET)),
    Api("GET /api/conservation/restoration/work-orders/{number}", VIEW, number=PUBLIC),
    Api("GET /api/conservation/restoration/work-orders/{number}", CONFIDENTIAL, number=SECRET),
    Api("GET /api/conservation/restoration/stats", VIEW),
]
EXCLUDED: dict[str, str] = {}
