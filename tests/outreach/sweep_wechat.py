"""Sweep declarations of the outreach app's wechat part (gathered by tests/outreach/sweep.py): the pushes and a
story's WeChat page are the archivists' (OUTREACH_EDIT); the push button (POST) needs OUTREACH_PUBLISH (the
archivists too) and, with no account configured in the sweep, answers with a message on the story's page (302).
The story cites every unit of the world: its page names only those the public may see (none here)."""

from tests.sweep import Page, expect
from tests.sweep.world import World, register_builder

EDIT = expect(403, archivists=200)
PUBLISH = expect(403, archivists=302)


def _build(world: World) -> None:
    from django.utils import timezone

    from dangan.catalog.models import ArchivalUnit
    from dangan.outreach.models import Story, StoryStatus

    world["@unit.public"]
    story = Story.objects.create(
        title="巡检档案故事微信推送",
        slug="sweep-wechat",
        summary="巡检用的故事。",
        body="<p>巡检正文。</p>",
        status=StoryStatus.APPROVED,
        created_by=world.user("archivist_public"),
        approved_by=world.user("archivist_top"),
        approved_at=timezone.now(),
    )
    story.units.set(ArchivalUnit.objects.all())
    world.objects["wechatstory.approved"] = story


register_builder("wechatstory", _build)

STORY = "@wechatstory.approved"
PAGES = [
    Page("outreach:wechat_list", EDIT, needs=(STORY,)),
    Page("outreach:wechat_rows", EDIT, needs=(STORY,)),
    Page("outreach:wechat_story", EDIT, uuid=STORY),
    Page("outreach:wechat_push", PUBLISH, uuid=STORY, method="POST", data={}),
]
ENDPOINTS: list[object] = []
EXCLUDED: dict[str, str] = {}
