"""The openness review's pages and API as people use them: a round made, reviewed and confirmed through the pages,
the marks shown, the report and its .xlsx, the watched words, and the portal's list of newly opened records."""

from __future__ import annotations

import io
from collections.abc import Callable
from typing import Any

import pytest
from django.urls import reverse
from openpyxl import load_workbook

from dangan.access.actions.openness import Decision, do_confirm, do_create_review, do_first_review
from dangan.access.models import OpennessDecision, OpennessReview, OpennessTerm
from dangan.access.models.openness import DecisionStatus
from dangan.catalog.choices import Openness
from dangan.core.choices import Role, SecurityClassification
from tests.helpers import account, client_for

pytestmark = pytest.mark.django_db

OLD = 1990


@pytest.fixture
def second(db: Any) -> Any:
    return account(Role.ARCHIVIST, SecurityClassification.CONFIDENTIAL, username="archivist-second")


@pytest.fixture
def holdings(make_unit: Callable[..., Any]) -> dict[str, Any]:
    return {
        "due": make_unit("一九九〇年扶贫工作总结", year=OLD, openness=Openness.PENDING),
        "marked": make_unit("王小明患病救助申请", year=OLD, openness=Openness.PENDING, notes="联系电话13812345678"),
        "secret": make_unit(
            "一九九〇年秘密报告", year=OLD, openness=Openness.PENDING, classification=SecurityClassification.SECRET
        ),
    }


def _create(client: Any, fonds: Any, **extra: Any) -> OpennessReview:
    response = client.post(reverse("access:openness_new"), {"year": 2026, "fonds": fonds.code, **extra})
    assert response.status_code == 302, response.content.decode()
    return OpennessReview.objects.latest("created")


def test_the_whole_review_through_the_pages(archivist, second, fonds, holdings) -> None:
    first = client_for(archivist)
    review = _create(first, fonds)
    page = first.get(reverse("access:openness_review", args=[review.uuid]))
    html = page.content.decode()
    assert page.status_code == 200
    # Units with marks first, their matched text highlighted, with a count.
    assert html.index("救助申请") < html.index("一九九〇年扶贫工作总结")
    assert '<mark class="openness-mark"' in html and "13812345678</mark>" in html
    assert str(holdings["secret"].uuid) in html  # cleared 机密 (its title has 秘密 marked in it)

    action = reverse("access:openness_action", args=[review.uuid, "first"])
    response = first.post(action, {"unit": [str(holdings["due"].uuid)], "verdict": "open", "scope": "selected"})
    assert response.status_code == 302
    response = first.post(
        action,
        {"scope": "filter", "f-marked": "true", "f-q": "救助", "verdict": "control", "reason": "privacy"},
        follow=True,
    )
    assert "已初审 1 件" in response.content.decode()
    row = OpennessDecision.objects.get(unit=holdings["marked"])
    assert (row.verdict, row.reason, row.status) == ("control", "privacy", DecisionStatus.PROPOSED)

    # The first reviewer cannot confirm their own decisions; a second one can.
    confirm = reverse("access:openness_action", args=[review.uuid, "confirm"])
    response = first.post(confirm, {"scope": "filter"}, follow=True)
    assert "另一位审核人" in response.content.decode()
    response = client_for(second).post(confirm, {"scope": "filter", "f-status": "proposed"}, follow=True)
    assert "已复审确认 2 件" in response.content.decode()
    holdings["due"].refresh_from_db()
    holdings["marked"].refresh_from_db()
    assert holdings["due"].openness == Openness.OPEN and holdings["marked"].openness == Openness.CONTROLLED

    # The portal lists the opened unit, at once.
    opened = client_for(None).get(reverse("portal:opened")).content.decode()
    assert "一九九〇年扶贫工作总结" in opened and "救助申请" not in opened


def test_bad_input_is_told_in_chinese(archivist, fonds, holdings) -> None:
    client = client_for(archivist)
    response = client.post(reverse("access:openness_new"), {"year": "abc", "fonds": fonds.code})
    assert response.status_code == 400
    review = do_create_review(archivist, year=2026, fonds=fonds)
    action = reverse("access:openness_action", args=[review.uuid, "first"])
    response = client.post(action, {"verdict": "open", "scope": "selected"}, follow=True)
    assert "请勾选档案" in response.content.decode()
    response = client.post(
        action, {"unit": [str(holdings["due"].uuid)], "verdict": "control", "scope": "selected"}, follow=True
    )
    assert "控制使用须选择理由" in response.content.decode()
    assert OpennessDecision.objects.get(unit=holdings["due"]).status == DecisionStatus.PENDING


def test_a_hidden_unit_is_a_404_and_never_listed(archivist, junior_archivist, fonds, holdings) -> None:
    review = do_create_review(archivist, year=2026, fonds=fonds)
    junior = client_for(junior_archivist)
    html = junior.get(reverse("access:openness_review", args=[review.uuid])).content.decode()
    assert "一九九〇年秘密报告" not in html and str(holdings["secret"].uuid) not in html
    url = reverse("access:openness_unit", args=[review.uuid, holdings["secret"].uuid])
    assert junior.get(url).status_code == 404
    assert client_for(archivist).get(url).status_code == 200
    # Picking the hidden unit by its id decides nothing.
    action = reverse("access:openness_action", args=[review.uuid, "first"])
    junior.post(action, {"unit": [str(holdings["secret"].uuid)], "verdict": "open", "scope": "selected"})
    assert OpennessDecision.objects.get(unit=holdings["secret"]).status == DecisionStatus.PENDING
    export = junior.get(reverse("access:openness_report_export", args=[review.uuid]))
    sheet = load_workbook(io.BytesIO(export.content))["档案清单"]
    titles = [row[1] for row in sheet.iter_rows(min_row=2, values_only=True)]
    assert sorted(titles) == ["一九九〇年扶贫工作总结", "王小明患病救助申请"]


def test_the_unit_page_shows_every_mark(archivist, fonds, holdings) -> None:
    review = do_create_review(archivist, year=2026, fonds=fonds)
    html = (
        client_for(archivist)
        .get(reverse("access:openness_unit", args=[review.uuid, holdings["marked"].uuid]))
        .content.decode()
    )
    assert "审核提示 2 处" in html
    assert "13812345678</mark>" in html, html
    assert "王小明患病</mark>" in html


def test_the_report_and_its_spreadsheet(archivist, second, fonds, holdings) -> None:
    review = do_create_review(archivist, year=2026, fonds=fonds)
    do_first_review(archivist, review, Decision("open"), OpennessDecision.objects.filter(unit=holdings["due"]))
    do_confirm(second, review)
    client = client_for(archivist)
    html = client.get(reverse("access:openness_report", args=[review.uuid])).content.decode()
    assert "审核报表" in html and "一九九〇年扶贫工作总结" in html
    response = client.get(reverse("access:openness_report_export", args=[review.uuid]))
    assert response["Content-Type"].startswith("application/vnd.openxmlformats")
    book = load_workbook(io.BytesIO(response.content))
    summary = {row[0]: row[1] for row in book["汇总"].iter_rows(values_only=True)}
    assert summary["档案总数"] == 3 and summary["已开放"] == 1 and summary["待初审"] == 2
    years = list(book["按年度"].iter_rows(min_row=2, values_only=True))
    assert years == [(OLD, 3, 1, 0, 0, 0)]


def test_watched_words(archivist, fonds) -> None:
    client = client_for(archivist)
    response = client.post(reverse("access:openness_terms"), {"term": "三线建设", "note": "国防工程"})
    assert response.status_code == 302
    response = client.post(reverse("access:openness_terms"), {"term": "三线建设"})
    assert response.status_code == 400 and "词表中已有" in response.content.decode()
    entry = OpennessTerm.objects.get()
    client.post(reverse("access:openness_term_delete", args=[entry.pk]))
    assert not OpennessTerm.objects.exists()


def test_who_may_open_the_pages(access_staff, reader, system_admin, fonds) -> None:
    for person in (access_staff, reader, system_admin):
        assert client_for(person).get(reverse("access:openness")).status_code == 403
    assert client_for(None).get(reverse("access:openness")).status_code == 302


def test_the_list_of_opened_records_and_its_export(archivist, second, fonds, holdings) -> None:
    review = do_create_review(archivist, year=2026, fonds=fonds)
    do_first_review(archivist, review, Decision("open"))
    do_confirm(second, review)
    public = client_for(None)
    html = public.get(reverse("portal:opened")).content.decode()
    # The 秘密 unit is opened too, yet 密级 keeps it out of the public's sight.
    assert "一九九〇年扶贫工作总结" in html and "一九九〇年秘密报告" not in html
    assert public.get(reverse("portal:opened"), {"year": "abc"}).status_code == 400
    filtered = public.get(reverse("portal:opened"), {"q": "扶贫"}).content.decode()
    assert "一九九〇年扶贫工作总结" in filtered and "救助申请" not in filtered
    response = public.get(reverse("portal:opened_export"), {"review": str(review.uuid)})
    rows = list(load_workbook(io.BytesIO(response.content))["开放目录"].iter_rows(min_row=2, values_only=True))
    assert sorted(r[1] for r in rows) == ["一九九〇年扶贫工作总结", "王小明患病救助申请"]


# ---------------------------------------------------------------- API


def test_the_api_round_trip(archivist, second, fonds, holdings) -> None:
    client = client_for(archivist)
    response = client.post(
        "/api/access/openness/reviews", {"year": 2026, "fonds": fonds.code}, content_type="application/json"
    )
    assert response.status_code == 201, response.content
    body = response.json()
    assert body["counts"]["total"] == 3
    uuid = body["uuid"]
    units = client.get(f"/api/access/openness/reviews/{uuid}/units").json()
    assert units["total"] == 3 and units["items"][0]["title"] == "王小明患病救助申请"  # marks first
    response = client.post(
        f"/api/access/openness/reviews/{uuid}/first",
        {"units": [str(holdings["due"].uuid)], "verdict": "defer"},
        content_type="application/json",
    )
    assert response.status_code == 422 and "next_review_year" in response.json()["errors"]
    response = client.post(
        f"/api/access/openness/reviews/{uuid}/first",
        {"filters": {"q": "扶贫"}, "verdict": "open"},
        content_type="application/json",
    )
    assert response.json() == {"changed": 1, "skipped": {}}
    response = client.post(f"/api/access/openness/reviews/{uuid}/confirm", {}, content_type="application/json")
    assert response.status_code == 403 and "另一位审核人" in response.json()["detail"]
    response = client_for(second).post(
        f"/api/access/openness/reviews/{uuid}/confirm", {}, content_type="application/json"
    )
    assert response.status_code == 200 and response.json()["changed"] == 1
    holdings["due"].refresh_from_db()
    assert holdings["due"].openness == Openness.OPEN


def test_the_api_refuses_others_and_hides_what_the_policy_hides(
    archivist, junior_archivist, reader, fonds, holdings
) -> None:
    review = do_create_review(archivist, year=2026, fonds=fonds)
    assert client_for(reader).get("/api/access/openness/reviews").status_code == 403
    assert client_for(None).get("/api/access/openness/reviews").status_code == 401
    junior = client_for(junior_archivist).get(f"/api/access/openness/reviews/{review.uuid}/units").json()
    assert junior["total"] == 2 and "一九九〇年秘密报告" not in str(junior)
    response = client_for(archivist).get("/api/access/openness/reviews/00000000-0000-0000-0000-000000000000")
    assert response.status_code == 404 and response.json()["detail"] == "审核批次不存在"


def test_the_staff_start_page_links_the_review(archivist, access_staff) -> None:
    url = reverse("access:openness")
    assert url in client_for(archivist).get(reverse("access:home")).content.decode()
    assert url not in client_for(access_staff).get(reverse("access:home")).content.decode()


def test_the_background_scan_counts_a_new_word(archivist, fonds, holdings) -> None:
    from dangan.access.actions.openness import do_add_term
    from dangan.access.openness_tasks import scan_marks_task

    review = do_create_review(archivist, year=2026, fonds=fonds)
    row = OpennessDecision.objects.get(review=review, unit=holdings["due"])
    assert row.marks == 0
    do_add_term(archivist, "扶贫工作")
    assert scan_marks_task.call(review.pk) == 3
    row.refresh_from_db()
    assert (row.marks, row.mark_kinds) == (1, "term")
    # The page's button counts a small round again at once.
    do_add_term(archivist, "总结")
    response = client_for(archivist).post(reverse("access:openness_action", args=[review.uuid, "scan"]), follow=True)
    assert "已重新计算审核提示" in response.content.decode()
    row.refresh_from_db()
    assert row.marks == 2
