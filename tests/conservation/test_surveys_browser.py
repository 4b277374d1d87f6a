"""The survey form in a real browser on a tablet held upright (768 × 1024): a surveyor opens the next unit of the
assignment, types the extents with the keyboard (the first damage field has the focus; Tab goes through the damage
fields in order), sees the grade and its reason computed on the server while typing, saves with Enter and gets the
next unit. The dashboard draws its ECharts charts without a CSP violation.

When DANGAN_SURVEY_TIMING names a file, the seconds each unit took (page ready → the next unit shown) are written
there for bench/conservation_survey_bench.py; the test asserts no timing."""

from __future__ import annotations

import json
import os
import time
from typing import Any

import pytest

from tests.e2e.browser import screenshot_folder
from tests.e2e.conftest import chromium  # noqa: F401  the browser fixture of tests/e2e

TABLET = {"width": 768, "height": 1024}


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_a_surveyor_records_units_with_the_keyboard(
    chromium: Any,  # noqa: F811
    conservator: Any,
    conservation_head: Any,
    make_unit: Any,
) -> None:
    from playwright.sync_api import expect

    from dangan.conservation.actions.surveys import do_create_campaign
    from dangan.conservation.models import SurveyRecord, UnitCondition

    units = [make_unit(title=f"红军过境布告（{n}）") for n in range(1, 4)]
    campaign = do_create_campaign(conservation_head, "平板摸排", fonds=units[0].fonds, surveyors=[conservator])
    violations: list[str] = []
    timings: list[float] = []
    with chromium.page(conservator, viewport=TABLET, mobile=True) as page:
        page.on(
            "console",
            lambda message: violations.append(message.text) if "Content Security Policy" in message.text else None,
        )
        page.goto(f"{chromium.base_url}/manage/conservation/surveys/entry/?campaign={campaign.pk}")
        for n, unit in enumerate(units[:2]):
            started = time.perf_counter()
            expect(page.locator(".survey-unit__facts")).to_contain_text(unit.title)
            mould = page.get_by_label("霉变（%）")
            expect(mould).to_be_focused()
            page.keyboard.type("35" if n == 0 else "12")
            for _ in range(6):  # 虫蛀, 鼠啮, 污渍, 残缺, 粘连 → 酸化
                page.keyboard.press("Tab")
            expect(page.get_by_label("酸化（pH）")).to_be_focused()
            page.keyboard.type("5.3")
            page.keyboard.press("Tab")  # 褪色: a degree from a list
            page.keyboard.press("ArrowDown")  # 无 → 轻微
            expected = "霉变 35%（特残：> 30%）" if n == 0 else "酸化 pH 5.3（严重：pH 5.0–5.5）"
            expect(page.locator("#grade-reason")).to_contain_text(expected)
            if n == 0 and (shots := screenshot_folder()):
                page.screenshot(path=str(shots / "survey-entry-tablet.png"), full_page=True)
            page.get_by_label("酸化（pH）").press("Enter")
            expect(page.locator(".messages, [role=status], .message").first).to_contain_text(unit.reference_code)
            timings.append(time.perf_counter() - started)
        expect(page.locator(".survey-unit__facts")).to_contain_text(units[2].title)

        page.goto(f"{chromium.base_url}/manage/conservation/surveys/dashboard/")
        expect(page.locator("[data-survey-chart=grades] canvas")).to_have_count(1)
        if shots := screenshot_folder():
            page.screenshot(path=str(shots / "survey-dashboard-tablet.png"), full_page=True)

    first = SurveyRecord.objects.get(unit=units[0])
    assert first.grade == "special" and first.damages == {"mould": "35", "acidification": "5.3", "fading": "light"}
    assert first.carrier == "纸质" and first.surveyed_by == conservator and first.campaign == campaign
    assert UnitCondition.objects.get(unit=units[1]).grade == "severe"
    assert not SurveyRecord.objects.filter(unit=units[2]).exists()
    assert violations == []
    if path := os.environ.get("DANGAN_SURVEY_TIMING"):
        with open(path, "w", encoding="utf-8") as out:
            json.dump({"seconds_per_unit": timings}, out)
