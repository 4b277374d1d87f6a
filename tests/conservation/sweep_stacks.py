"""Sweep declarations of the conservation app's stacks part (gathered by tests/conservation/sweep.py): the tree,
locations, capacity, check-outs and the PDFs are read with CONSERVATION_VIEW (archivists, the conservator, the head
of conservation); placing, moving and check-out need CONSERVATION_WORK (both conservation roles); the tree is
changed with CONSERVATION_MANAGE (the head). The box holds a 公开 unit and a 秘密 one: the head (cleared 内部) and
the 公开 archivist must never see the second, nor count it; the check-out of the 秘密 unit is theirs to miss (404)."""

from tests.sweep import Api, Page, expect
from tests.sweep.world import World, register_builder

VIEW = expect(403, archivists=200, conservators=200)
WORK = expect(403, conservators=200)
WORK_POSTED = expect(403, conservators=302)
MANAGE = expect(403, conservation_head=200)
HIDDEN_CHECKOUT = expect(
    403, archivist_public=404, archivist_secret=200, archivist_top=200, conservator=200, conservation_head=404
)


def _build(world: World) -> None:
    from datetime import timedelta

    from django.utils import timezone

    from dangan.conservation.actions.custody import do_check_out
    from dangan.conservation.actions.stacks import do_add_location, do_add_stack, do_move_units
    from dangan.core.actors import CONSOLE

    world["@unit.public"], world["@unit.secret"]
    public, secret = world.objects["unit.public"], world.objects["unit.secret"]
    stack = do_add_stack(CONSOLE, "SW", "巡检库房")
    shelf = do_add_location(CONSOLE, stack, "1", "shelf", capacity=4)
    box = do_add_location(CONSOLE, shelf, "001", "box", capacity=5)
    do_move_units(CONSOLE, [public, secret], box, "巡检")
    due = timezone.localdate() + timedelta(days=7)
    world.objects["stacks.stack"] = stack.full_code
    world.objects["stacks.box"] = box.full_code
    world.objects["stacks.checkout"] = do_check_out(CONSOLE, public, "reading", due, "巡检人").pk
    world.objects["stacks.hidden_checkout"] = do_check_out(CONSOLE, secret, "reading", due, "巡检人").pk


register_builder("stacks", _build)

BOX, STACK = "@stacks.box", "@stacks.stack"
PAGES = [
    Page("conservation:stacks", VIEW, needs=(BOX,)),
    Page("conservation:stack_add", MANAGE),
    Page("conservation:capacity", VIEW, needs=(BOX,)),
    Page("conservation:move_batch", WORK),
    Page("conservation:location", VIEW, full_code=BOX),
    Page("conservation:location", VIEW, full_code=STACK),
    Page("conservation:location_children", VIEW, full_code=STACK),
    Page("conservation:location_add", MANAGE, full_code=BOX),
    Page("conservation:location_edit", MANAGE, full_code=BOX),
    Page("conservation:location_remove", MANAGE, full_code=BOX),
    Page("conservation:location_place", WORK, full_code=BOX),
    Page("conservation:location_pdf", VIEW, full_code=BOX, kind="box-labels"),
    Page("conservation:location_pdf", VIEW, full_code=BOX, kind="shelf-list"),
    Page("conservation:checkouts", VIEW, needs=(BOX,)),
    Page("conservation:checkout_add", WORK),
    Page("conservation:overdue_banner", VIEW, needs=(BOX,)),
    # Ticked units moved to where they are: refused with a message on the form (200), nothing moves.
    Page(
        "conservation:move_batch",
        WORK,
        method="POST",
        data={"unit": "00000000-0000-0000-0000-000000000000", "to": "SW-1-001"},
        needs=(BOX,),
    ),
    Page("conservation:checkout", VIEW, pk="@stacks.checkout"),
    Page("conservation:checkout", HIDDEN_CHECKOUT, pk="@stacks.hidden_checkout"),
    Page("conservation:checkout_slip", VIEW, pk="@stacks.checkout"),
    # An empty return form: refused with a message (nothing changes), the page redirects back.
    Page("conservation:checkout_return", WORK_POSTED, pk="@stacks.checkout", method="POST", data={}),
]
ENDPOINTS = [
    Api("GET /api/conservation/locations", VIEW, needs=(BOX,)),
    Api("GET /api/conservation/locations/{full_code}", VIEW, full_code=BOX),
    # No 档号: refused (422) for those who may place, nothing moves.
    Api(
        "POST /api/conservation/locations/{full_code}/units",
        expect(403, conservators=422),
        full_code=BOX,
        data={"units": []},
    ),
    Api("GET /api/conservation/units/{unit_id}/location", VIEW, unit_id="@unit.public", needs=(BOX,)),
]
EXCLUDED: dict[str, str] = {}
