"""Sweep declarations of the outreach app's stories part (gathered by tests/outreach/sweep.py): the workspace pages
and the staff API need OUTREACH_EDIT (the archivists); the portal's pages, the feeds and the mini program's API are
the public's. The published story cites a 公开 unit and a 秘密 one: nobody who may not see the second is shown it,
the public never (its card, its title, its UUID); the draft cites both too (its editor lists only what each
archivist sees)."""

from tests.sweep import Api, Page, expect
from tests.sweep.world import World, register_builder

EDIT = expect(403, archivists=200)
EDIT_POSTED = expect(403, archivists=302)
EDIT_REFUSED = expect(403, archivists=422)
PUBLIC = expect(200, anonymous=200)
MISSING = expect(404, anonymous=404)


def _build(world: World) -> None:
    from dangan.catalog.models import ArchivalUnit
    from dangan.core.actors import CONSOLE, SYSTEM
    from dangan.outreach.actions import stories as actions

    public = ArchivalUnit.objects.get(uuid=world["@unit.public"])
    secret = ArchivalUnit.objects.get(uuid=world["@unit.secret"])
    text = actions.StoryInput(
        title="巡检档案故事",
        slug="sweep-story",
        summary="巡检摘要",
        body="<p>巡检正文</p>",
        author_name="巡检",
        units=[str(public.uuid), str(secret.uuid)],
    )
    story = actions.do_create_story(CONSOLE, text)
    actions.do_submit(CONSOLE, story)
    actions.do_approve(SYSTEM, story)
    actions.do_publish(SYSTEM, story)
    world.objects["story.published"] = story
    world.objects["story.slug"] = story.slug
    world.objects["story.draft"] = actions.do_create_story(
        CONSOLE,
        actions.StoryInput(
            title="巡检草稿", slug="sweep-draft", body="<p>草稿</p>", units=[str(public.uuid), str(secret.uuid)]
        ),
    )
    world.objects["story.draft_slug"] = "sweep-draft"


register_builder("story", _build)

PUBLISHED, DRAFT = "@story.published", "@story.draft"
PAGES = [
    Page("outreach:stories", EDIT, needs=(PUBLISHED,)),
    Page("outreach:story_new", EDIT),
    # An empty form: refused with the messages on the form (400), nothing is written.
    Page("outreach:story_new", expect(403, archivists=400), method="POST", data={"title": "", "slug": ""}),
    Page("outreach:story_unit_picker", EDIT, query={"q": "巡检"}, needs=(PUBLISHED,)),
    Page("outreach:story", EDIT, uuid=PUBLISHED),
    Page("outreach:story", EDIT, uuid=DRAFT),
    Page("outreach:story_edit", EDIT, uuid=DRAFT),
    Page("outreach:story_edit", expect(403), uuid=PUBLISHED, note="a published story is withdrawn before editing"),
    Page(
        "outreach:story_transition",
        EDIT_POSTED,
        uuid=DRAFT,
        transition="submit",
        method="POST",
        data={"submit-version": "1"},
    ),
    Page("outreach_public:stories", PUBLIC, needs=(PUBLISHED,)),
    Page("outreach_public:story", PUBLIC, slug="@story.slug"),
    Page("outreach_public:story", MISSING, slug="@story.draft_slug", note="a draft"),
    Page("outreach_public:stories_rss", PUBLIC, needs=(PUBLISHED,)),
    Page("outreach_public:stories_atom", PUBLIC, needs=(PUBLISHED,)),
    Page("outreach_public:stories_json", PUBLIC, needs=(PUBLISHED,)),
]
ENDPOINTS = [
    Api("GET /api/mini/stories", PUBLIC, needs=(PUBLISHED,)),
    Api("GET /api/mini/stories/{slug}", PUBLIC, slug="@story.slug"),
    Api("GET /api/mini/stories/{slug}", MISSING, slug="@story.draft_slug", note="a draft"),
    Api("GET /api/outreach/stories", EDIT, needs=(PUBLISHED,)),
    Api("GET /api/outreach/stories/{uuid}", EDIT, uuid=PUBLISHED),
    Api("POST /api/outreach/stories", EDIT_REFUSED, data={"title": "", "slug": ""}),
    Api("PUT /api/outreach/stories/{uuid}", EDIT_REFUSED, uuid=DRAFT, data={"title": "", "slug": ""}),
    # The draft is not submitted: approving it is refused (422) for the archivists, 403 for everyone else.
    Api("POST /api/outreach/stories/{uuid}/{transition}", EDIT_REFUSED, uuid=DRAFT, transition="approve", data={}),
]
EXCLUDED: dict[str, str] = {}
