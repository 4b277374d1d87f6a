"""Sweep declarations of the openness review (开放审核): the staff pages and API (OPENNESS_REVIEW: archivists), and the
portal's list of newly opened records (everyone). A round of the world holds a 公开 unit opened by the review, a
公开 one awaiting it and a 秘密 one: the 秘密 unit is a 404 to the archivist cleared 公开 only, and never listed to
them nor to the public. See tests/sweep/__init__.py."""

from __future__ import annotations

from typing import Any

from tests.sweep import Api, Page, Route, expect
from tests.sweep.world import World, register_builder

TITLES = {
    "opened": "巡检开放审核已开放档案",
    "public": "巡检开放审核待审公开档案",
    "secret": "巡检开放审核秘密档案",
}


def _build(world: World) -> None:
    from dangan.access.actions.openness import Decision, do_add_term, do_confirm, do_create_review, do_first_review
    from dangan.access.models import OpennessDecision
    from dangan.catalog.actions.units import do_create_unit
    from dangan.catalog.models import Fonds, RecordCategory
    from dangan.core.actors import CONSOLE
    from dangan.core.choices import SecurityClassification

    world["@fonds"]
    fonds = Fonds.objects.get(code=world.objects["fonds"])
    category = RecordCategory.objects.get(code="WS")
    units: dict[str, Any] = {}
    for name, title in TITLES.items():
        data = {
            "title": title,
            "category": category,
            "year": 1990,
            "retention": "Y",
            "organization": "BGS",
            "responsible": "省扶贫办",
            "classification": SecurityClassification.SECRET if name == "secret" else SecurityClassification.PUBLIC,
        }
        units[name] = do_create_unit(CONSOLE, fonds, data)
        world.objects[f"openness.unit_{name}"] = units[name]
    review = do_create_review(CONSOLE, year=2026, fonds=fonds, title="巡检开放审核批次")
    rows = OpennessDecision.objects.filter(review=review, unit=units["opened"])
    do_first_review(world.user("archivist_secret"), review, Decision("open"), rows)
    do_confirm(world.user("archivist_top"), review, rows)
    world.objects["openness.review"] = review
    world.objects["openness.term"] = do_add_term(CONSOLE, "巡检关注词").pk


register_builder("openness", _build)

REVIEWERS = expect(403, archivists=200, access_staff=403)
POSTED = expect(403, archivists=302, access_staff=403)
SECRET_UNIT = expect(403, archivists=200, archivist_public=404, access_staff=403)
EVERYONE = expect(200, anonymous=200, reader=200, access_staff=200)
REFUSED = expect(403, archivists=422, access_staff=403)
NOT_FOUND = expect(403, archivists=404, access_staff=403)

PAGES: list[Route] = [
    Page("portal:opened", EVERYONE, needs=("@openness.review",)),
    Page("portal:opened", EVERYONE, query={"q": "巡检"}, note="filtered"),
    Page("portal:opened", expect(400, anonymous=400, reader=400, access_staff=400), query={"year": "x"}, note="bad"),
    Page("portal:opened_export", EVERYONE, needs=("@openness.review",)),
    Page("access:openness", REVIEWERS),
    Page("access:openness_new", REVIEWERS),
    Page("access:openness_terms", REVIEWERS, needs=("@openness.term",)),
    Page("access:openness_term_delete", NOT_FOUND, method="POST", pk=999999, note="no such word"),
    Page("access:openness_review", REVIEWERS, uuid="@openness.review"),
    Page("access:openness_review", REVIEWERS, uuid="@openness.review", query={"marked": "true"}, note="marked"),
    Page("access:openness_unit", REVIEWERS, uuid="@openness.review", unit="@openness.unit_public"),
    Page(
        "access:openness_unit",
        SECRET_UNIT,
        uuid="@openness.review",
        unit="@openness.unit_secret",
        note="a 秘密 unit",
    ),
    Page("access:openness_report", REVIEWERS, uuid="@openness.review"),
    Page("access:openness_report_export", REVIEWERS, uuid="@openness.review"),
    Page("access:openness_action", POSTED, method="POST", uuid="@openness.review", action="scan", note="count again"),
    Page("access:openness_action", POSTED, method="POST", uuid="@openness.review", action="add", note="add the due"),
    Page(
        "access:openness_action",
        POSTED,
        method="POST",
        data={"scope": "selected"},
        uuid="@openness.review",
        action="first",
        note="nothing picked",
    ),
    Page(
        "access:openness_action",
        POSTED,
        method="POST",
        data=lambda world: {"unit": world["@openness.unit_secret"], "scope": "selected"},
        uuid="@openness.review",
        action="confirm",
        note="a 秘密 unit awaiting nothing",
    ),
]

ENDPOINTS: list[Route] = [
    Api("GET /api/access/openness/reviews", REVIEWERS, needs=("@openness.review",)),
    Api("POST /api/access/openness/reviews", REFUSED, data={"year": 3000, "fonds": "Z109"}),
    Api("GET /api/access/openness/reviews/{uuid}", REVIEWERS, uuid="@openness.review"),
    Api("GET /api/access/openness/reviews/{uuid}/units", REVIEWERS, uuid="@openness.review"),
    Api(
        "POST /api/access/openness/reviews/{uuid}/first",
        REFUSED,
        data={"units": [], "verdict": "open"},
        uuid="@openness.review",
    ),
    Api("POST /api/access/openness/reviews/{uuid}/confirm", REFUSED, data={"units": []}, uuid="@openness.review"),
    Api(
        "POST /api/access/openness/reviews/{uuid}/return",
        REFUSED,
        data={"units": [], "note": "请再审"},
        uuid="@openness.review",
    ),
    Api("GET /api/access/openness/terms", REVIEWERS),
    Api("POST /api/access/openness/terms", REFUSED, data={"term": ""}),
    Api("DELETE /api/access/openness/terms/{term_id}", NOT_FOUND, term_id=999999),
]
EXCLUDED: dict[str, str] = {}
