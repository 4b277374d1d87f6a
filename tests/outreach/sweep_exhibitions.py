"""Sweep declarations of the outreach app's exhibitions part (gathered by tests/outreach/sweep.py): the public pages
and the mini program's API answer everyone (what the anonymous public may see, whoever asks); the workspace's pages
are the archivists' (OUTREACH_EDIT; publishing OUTREACH_PUBLISH, also the archivists'). The sample exhibition is
published and has blocks on the 公开 unit and on the 秘密 one (a card and a page image each): the public, the 公开
archivist and everyone else not cleared must never see the second; its block's form answers 404 to whom it is
hidden from."""

from tests.sweep import Api, Page, expect
from tests.sweep.world import World, register_builder

PUBLIC = expect(200, anonymous=200)
EDIT = expect(403, archivists=200)
POSTED = expect(403, archivists=302)
HIDDEN_BLOCK = expect(403, archivist_public=404, archivist_secret=200, archivist_top=200)


def _build(world: World) -> None:
    from dangan.core.actors import CONSOLE
    from dangan.outreach.actions import exhibitions as actions

    public_image, secret_image = world["@image.public"], world["@image.secret"]
    public, secret = world["@unit.public"], world["@unit.secret"]
    exhibition = actions.do_create_exhibition(CONSOLE, {"slug": "xunjian-zhanlan", "title": "巡检展览"})
    section = actions.do_add_section(CONSOLE, exhibition, "巡检单元")
    page = actions.do_add_page(CONSOLE, section, "巡检展页")
    actions.do_add_block(CONSOLE, page, "text", {"html": "<p>巡检正文</p>"})
    shown = actions.do_add_block(CONSOLE, page, "unit", {"unit": public})
    actions.do_add_block(CONSOLE, page, "image", {"image": public_image})
    hidden = actions.do_add_block(CONSOLE, page, "unit", {"unit": secret})
    actions.do_add_block(CONSOLE, page, "image", {"image": secret_image, "region": "0,0,100,100"})
    actions.do_publish(CONSOLE, exhibition)
    world.objects.update(
        {
            "exhibitions.id": exhibition.pk,
            "exhibitions.slug": exhibition.slug,
            "exhibitions.section": section.pk,
            "exhibitions.page": page.pk,
            "exhibitions.block": shown.pk,
            "exhibitions.hidden_block": hidden.pk,
        }
    )


register_builder("exhibitions", _build)

ID, SLUG, SECTION, PAGE_ID = "@exhibitions.id", "@exhibitions.slug", "@exhibitions.section", "@exhibitions.page"
PAGES = [
    # public (namespace outreach_public)
    Page("outreach_public:exhibitions", PUBLIC, needs=(ID,)),
    Page("outreach_public:exhibition", PUBLIC, slug=SLUG),
    Page("outreach_public:exhibition_page", PUBLIC, slug=SLUG, section=1, page=1),
    Page("outreach_public:exhibition_kiosk", PUBLIC, slug=SLUG),
    # the workspace
    Page("outreach:exhibitions", EDIT, needs=(ID,)),
    Page("outreach:exhibition_add", EDIT),
    Page("outreach:exhibition", EDIT, pk=ID),
    Page("outreach:exhibition_edit", EDIT, pk=ID),
    Page("outreach:exhibition_preview", EDIT, pk=ID),
    Page("outreach:exhibition_preview_page", EDIT, pk=ID, section=1, page=1),
    Page("outreach:exhibition_block_add", EDIT, pk=ID, page=PAGE_ID, kind="text"),
    Page("outreach:exhibition_block_edit", EDIT, pk=ID, block="@exhibitions.block"),
    Page(
        "outreach:exhibition_block_edit",
        HIDDEN_BLOCK,
        pk=ID,
        block="@exhibitions.hidden_block",
        note="a block on the 秘密 unit",
    ),
    Page("outreach:exhibition_section_add", POSTED, method="POST", data={"title": "新单元"}, pk=ID),
    Page("outreach:exhibition_page_add", POSTED, method="POST", data={"title": "新展页"}, pk=ID, section=SECTION),
    Page("outreach:exhibition_structure", POSTED, method="POST", data={"part": "x", "op": "up"}, pk=ID),
    Page("outreach:exhibition_publish", POSTED, method="POST", data={}, pk=ID),
    Page("outreach:exhibition_unpublish", POSTED, method="POST", data={}, pk=ID),
    Page("outreach:exhibition_remove", POSTED, method="POST", data={}, pk=ID),
]
ENDPOINTS = [
    Api("GET /api/mini/exhibitions", PUBLIC, needs=(ID,)),
    Api("GET /api/mini/exhibitions/{slug}", PUBLIC, slug=SLUG),
]
EXCLUDED: dict[str, str] = {}
