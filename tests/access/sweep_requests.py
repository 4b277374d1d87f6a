"""Sweep declarations of access requests (gathered by tests/access/sweep.py): the readers' pages under /account/,
the reviewers' pages under /manage/access/ and /api/access/requests…, /api/access/grants….

Sample data (``@requests.*``): a request of the sweep's own reader, described in words (``requests.own``), and a
request of another reader for the 公开 unit ``unit.public``, approved, with its grant (``requests.approved``,
``requests.grant``). Every posted form carries data the action refuses (a stale version, an empty reason), so the
sweep changes nothing it requests again."""

from __future__ import annotations

from typing import Any

from tests.sweep import Api, Page, expect
from tests.sweep.world import register_builder


def _build(world: Any) -> None:
    from dangan.access.actions.requests import do_add_units, do_approve, do_submit_request
    from dangan.access.choices import Purpose
    from dangan.catalog.models import ArchivalUnit
    from dangan.core.actors import CONSOLE
    from dangan.core.choices import Role
    from tests.helpers import account

    if "requests.own" in world.objects:
        return
    unit = ArchivalUnit.objects.get(uuid=world["@unit.public"])
    own = do_submit_request(world.user("reader"), purpose=Purpose.RESEARCH, description="巡检申请的描述")
    world.objects["requests.own"] = own
    requester = account(Role.READER, username="sweep-requester")
    approved = do_submit_request(requester, purpose=Purpose.RIGHTS, description="巡检另一位查档人的申请")
    do_add_units(CONSOLE, approved, [unit])
    world.objects["requests.grant"] = do_approve(CONSOLE, approved)[0]
    world.objects["requests.approved"] = approved


register_builder("requests", _build)

# Readers only: staff have no requests of their own (403); the public signs in first.
READER = expect(403, reader=200, access_staff=403)
REVIEW = expect(403, archivists=200, access_staff=200)


def _review(outcome: int) -> dict[str, Any]:
    return expect(403, archivists=outcome, access_staff=outcome)


PAGES = [
    Page("account:requests", READER, needs=("@requests.own",)),
    Page("account:request_new", READER),
    Page("account:request_new", READER, query={"unit": "@unit.secret"}, note="a hidden unit reads as a missing one"),
    Page("account:request_new", expect(403, reader=400, access_staff=403), method="POST", data={"purpose": ""}),
    Page("account:request_detail", READER, uuid="@requests.own"),
    Page("account:request_detail", expect(403, reader=404, access_staff=403), uuid="@requests.approved"),
    Page(
        "account:request_withdraw",
        expect(403, reader=409, access_staff=403),
        method="POST",
        data={"version": "0"},
        uuid="@requests.own",
        note="a stale version",
    ),
    Page(
        "account:request_answer",
        expect(403, reader=400, access_staff=403),
        method="POST",
        data={"text": ""},
        uuid="@requests.own",
    ),
    Page("access:requests", REVIEW, needs=("@requests.approved",)),
    Page("access:request_detail", REVIEW, uuid="@requests.approved"),
    Page("access:request_detail", REVIEW, uuid="@requests.own"),
    Page("access:request_unit_picker", _review(302), uuid="@requests.own", note="plain: to the request's page"),
    Page(
        "access:request_unit_picker",
        REVIEW,
        uuid="@requests.own",
        headers={"HX-Request": "true"},
        query={"q": "巡检"},
        note="htmx: only 公开 units the person may see",
    ),
    Page(
        "access:request_review",
        _review(409),
        method="POST",
        data={"version": "0"},
        uuid="@requests.own",
        action="approve",
        note="a stale version",
    ),
    Page(
        "access:request_review", _review(400), method="POST", data={"reason": ""}, uuid="@requests.own", action="refuse"
    ),
    Page(
        "access:request_review", _review(400), method="POST", data={"question": ""}, uuid="@requests.own", action="ask"
    ),
    Page(
        "access:request_review", _review(400), method="POST", data={"codes": ""}, uuid="@requests.own", action="units"
    ),
    Page("access:request_review", _review(404), method="POST", data={}, uuid="@requests.own", action="bogus"),
    Page(
        "access:grant_revoke",
        expect(403, archivists=302, access_staff=302),
        method="POST",
        data={"reason": ""},
        uuid="@requests.grant",
        note="no reason: nothing revoked",
    ),
]

READ_API = expect(403, reader=200, archivists=200, access_staff=200)
ENDPOINTS = [
    Api("GET /api/access/requests", READ_API, needs=("@requests.own", "@requests.approved")),
    Api("POST /api/access/requests", expect(403, reader=422, access_staff=403), data={"purpose": "rights"}),
    Api("GET /api/access/requests/{uuid}", READ_API, uuid="@requests.own"),
    Api(
        "GET /api/access/requests/{uuid}",
        expect(403, reader=404, archivists=200, access_staff=200),
        uuid="@requests.approved",
        note="another reader's request",
    ),
    Api(
        "POST /api/access/requests/{uuid}/withdraw",
        expect(403, reader=409, access_staff=403),
        data={"version": 0},
        uuid="@requests.own",
    ),
    Api(
        "POST /api/access/requests/{uuid}/answer",
        expect(403, reader=409, access_staff=403),
        data={"text": "巡检"},
        uuid="@requests.own",
        note="no question was asked",
    ),
    Api("POST /api/access/requests/{uuid}/units", _review(422), data={"units": []}, uuid="@requests.own"),
    Api("POST /api/access/requests/{uuid}/approve", _review(409), data={"version": 0}, uuid="@requests.own"),
    Api("POST /api/access/requests/{uuid}/refuse", _review(422), data={"reason": ""}, uuid="@requests.own"),
    Api("POST /api/access/requests/{uuid}/ask", _review(422), data={"question": ""}, uuid="@requests.own"),
    Api("GET /api/access/grants", READ_API, needs=("@requests.grant",)),
    Api("POST /api/access/grants/{uuid}/revoke", _review(422), data={"reason": ""}, uuid="@requests.grant"),
]
EXCLUDED: dict[str, str] = {}
