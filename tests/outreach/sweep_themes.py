"""Sweep declarations of the outreach app's themes part (gathered by tests/outreach/sweep.py). A published theme
holds, by a saved query and by picks, the sweep's 公开 unit, an opened unit and the 秘密 one (picked by the console):
every public page, facet and count shows each visitor only what ``catalog.policy`` shows them (the sweep fails on a
hidden title or UUID). A draft theme is 404 to everyone on the public pages and the mini program's API; staff edit
with OUTREACH_EDIT (the archivists) and publish with OUTREACH_PUBLISH."""

from typing import Any

from tests.sweep import Api, Page, expect
from tests.sweep.world import World, register_builder

# Public pages: everyone (the security roles too: what they may see of the units is nothing, the theme is public).
PUBLIC = expect(200, anonymous=200)
DRAFT = expect(404, anonymous=404)
EDIT = expect(403, archivists=200)
EDIT_REFUSED = expect(403, archivists=400)
EDIT_POSTED = expect(403, archivists=302)


def _build(world: World) -> None:
    from dangan.catalog.actions.authorities import do_create_authority, do_link_authority
    from dangan.catalog.actions.units import do_create_unit
    from dangan.catalog.models import ArchivalUnit, Fonds
    from dangan.core.actors import CONSOLE
    from dangan.outreach.actions.themes import (
        do_add_milestone,
        do_add_query,
        do_add_section,
        do_create_theme,
        do_pick_unit,
        do_set_status,
    )

    fonds = Fonds.objects.get(code=world["@fonds"])
    public = ArchivalUnit.objects.get(uuid=world["@unit.public"])
    secret = ArchivalUnit.objects.get(uuid=world["@unit.secret"])
    data: dict[str, Any] = {"title": "巡检专题开放的红军文件", "openness": "open", "year": 1935}
    opened = do_create_unit(CONSOLE, fonds, data)
    place = do_create_authority(CONSOLE, {"kind": "place", "name": "贵州省遵义市汇川区（巡检）"})
    for unit in (opened, secret):
        do_link_authority(CONSOLE, unit, place, "subject")
    theme = do_create_theme(CONSOLE, {"slug": "sweep-theme", "title": "巡检专题", "introduction": "巡检"})
    do_add_query(CONSOLE, theme, {"query": "巡检"})
    section = do_add_section(CONSOLE, theme, {"title": "巡检栏目"})
    for unit in (public, secret, opened):
        do_pick_unit(CONSOLE, theme, unit, section=section)
    do_add_milestone(CONSOLE, theme, "1935-01", "巡检大事")
    do_set_status(CONSOLE, theme, "published")
    draft = do_create_theme(CONSOLE, {"slug": "sweep-draft", "title": "巡检草稿专题"})
    do_pick_unit(CONSOLE, draft, secret)
    world.objects["themes.published"] = theme.slug
    world.objects["themes.draft"] = draft.slug
    world.objects["themes.place"] = place
    world.objects["themes.section"] = str(section.pk)


register_builder("themes", _build)

THEME, DRAFT_THEME = "@themes.published", "@themes.draft"
PAGES = [
    Page("outreach_public:themes", PUBLIC, needs=(THEME,)),
    Page("outreach_public:theme", PUBLIC, slug=THEME),
    Page("outreach_public:theme", PUBLIC, slug=THEME, query={"q": "巡检"}, note="search within"),
    Page("outreach_public:theme", PUBLIC, slug=THEME, query={"q": "(巡检"}, note="a bad query"),
    Page("outreach_public:theme", PUBLIC, slug=THEME, query={"county": "520303"}, note="a county"),
    Page("outreach_public:theme", PUBLIC, slug=THEME, query={"section": "@themes.section"}, note="a section"),
    Page("outreach_public:theme", DRAFT, slug=DRAFT_THEME),
    Page("outreach_public:theme_timeline", PUBLIC, slug=THEME),
    Page("outreach_public:theme_timeline", DRAFT, slug=DRAFT_THEME),
    Page("outreach_public:theme_map", PUBLIC, slug=THEME),
    Page("outreach_public:theme_map", PUBLIC, slug=THEME, query={"county": "520303"}, note="a county's list"),
    Page("outreach_public:theme_map", DRAFT, slug=DRAFT_THEME),
    Page("outreach:themes", EDIT, needs=(THEME,)),
    Page("outreach:theme_add", EDIT),
    # A new theme without a title or slug: refused on the form (400), nothing stored.
    Page("outreach:theme_add", EDIT_REFUSED, method="POST", data={"slug": "", "title": ""}),
    Page("outreach:theme_places", EDIT, needs=(THEME,)),
    # Not one of Guizhou's counties: refused (400), nothing changes.
    Page(
        "outreach:theme_places",
        EDIT_REFUSED,
        method="POST",
        data=lambda world: {"authority": world["@themes.place"], "adcode": "110101"},
    ),
    Page("outreach:theme_edit", EDIT, slug=THEME),
    Page("outreach:theme_edit", EDIT, slug=DRAFT_THEME),
    # A section without a title: refused (400), nothing stored.
    Page("outreach:theme_edit", EDIT_REFUSED, slug=THEME, method="POST", data={"op": "add_section", "title": ""}),
    Page("outreach:theme_preview", EDIT, slug=DRAFT_THEME),
    Page("outreach:theme_preview", EDIT, slug=DRAFT_THEME, query={"view": "timeline"}, note="timeline"),
    Page("outreach:theme_preview", EDIT, slug=DRAFT_THEME, query={"view": "map"}, note="map"),
    # Publishing the published theme again: nothing changes, back to the editing page.
    Page("outreach:theme_status", EDIT_POSTED, slug=THEME, method="POST", data={"status": "published"}),
    # A published theme cannot be deleted: refused with a message, back to the editing page.
    Page("outreach:theme_delete", EDIT_POSTED, slug=THEME, method="POST", data={}),
]
ENDPOINTS = [
    Api("GET /api/mini/themes", PUBLIC, needs=(THEME,)),
    Api("GET /api/mini/themes/{slug}", PUBLIC, slug=THEME),
    Api("GET /api/mini/themes/{slug}", DRAFT, slug=DRAFT_THEME),
]
EXCLUDED: dict[str, str] = {}
