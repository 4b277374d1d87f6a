"""Sweep declarations of the conservation app's surveys part (gathered by tests/conservation/sweep.py): campaigns,
the priorities and the dashboard are read with CONSERVATION_VIEW (archivists, the conservator, the head of
conservation); the survey form, the live grade and the sheets need CONSERVATION_WORK (the conservator, the head);
a campaign is made or changed with CONSERVATION_MANAGE (the head). The world's campaign covers fonds Z109, and
every unit of it (secret and confidential ones too) has a surveyed condition, so a page that counted or named a
unit above the reader's clearance would show it."""

from tests.sweep import Api, Page, expect
from tests.sweep.world import World, register_builder

VIEW = expect(403, archivists=200, conservators=200)
WORK = expect(403, conservators=200)
MANAGE = expect(403, conservation_head=200)
CHANGED_BY_HEAD = expect(403, conservation_head=302)
API_VIEW = expect(403, archivists=200, conservators=200)


def _build(world: World) -> None:
    from dangan.catalog.models import ArchivalUnit, Fonds
    from dangan.conservation.actions.surveys import do_create_campaign, do_record_survey
    from dangan.core.actors import CONSOLE

    world["@fonds"]
    fonds = Fonds.objects.get(code=world.objects["fonds"])
    campaign = do_create_campaign(CONSOLE, "巡检摸排", fonds=fonds, priority=True)
    for unit in ArchivalUnit.objects.filter(fonds=fonds, disposed=False, level="item"):
        do_record_survey(CONSOLE, unit, {"mould": "35"}, campaign=campaign)
    world.objects["surveys.campaign"] = campaign.pk


register_builder("surveys", _build)

CAMPAIGN = "@surveys.campaign"
PAGES = [
    Page("conservation:campaigns", VIEW, needs=(CAMPAIGN,)),
    Page("conservation:campaign_add", MANAGE),
    Page("conservation:campaign", VIEW, campaign_id=CAMPAIGN),
    Page(
        "conservation:campaign",
        CHANGED_BY_HEAD,
        campaign_id=CAMPAIGN,
        method="POST",
        data={"status": "active"},
    ),
    Page("conservation:campaign_export", WORK, campaign_id=CAMPAIGN),
    Page("conservation:campaign_import", WORK, campaign_id=CAMPAIGN),
    Page("conservation:survey_entry", WORK, query={"campaign": CAMPAIGN}),
    Page("conservation:survey_grade", WORK, method="POST", data={"d_mould": "35"}),
    Page("conservation:survey_priorities", VIEW, needs=(CAMPAIGN,)),
    Page("conservation:survey_priorities", VIEW, needs=(CAMPAIGN,), query={"format": "xlsx"}, note="the sheet"),
    Page("conservation:survey_dashboard", VIEW, needs=(CAMPAIGN,)),
]
ENDPOINTS = [
    Api("GET /api/conservation/surveys/priorities", API_VIEW, needs=(CAMPAIGN,)),
    Api("GET /api/conservation/surveys/dashboard", API_VIEW, needs=(CAMPAIGN,)),
    Api("POST /api/conservation/surveys/grade", expect(403, conservators=200), data={"damages": {"mould": 35}}),
    Api(
        "POST /api/conservation/surveys/records",
        expect(403, conservators=404),
        data={"unit": "00000000-0000-0000-0000-000000000000", "damages": {}},
        note="an unknown unit",
    ),
]
EXCLUDED: dict[str, str] = {}
