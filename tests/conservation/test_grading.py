"""The damage grade a survey's damages imply (GB/T 42468.1-2023 thresholds, the project's defaults where the
standard gives none), with the reason a conservator reads, and the errors a bad value gets."""

from __future__ import annotations

import pytest

from dangan.conservation.choices import DamageGrade
from dangan.conservation.grading import GradingError, grade_damages


@pytest.mark.parametrize(
    ("damages", "grade"),
    [
        ({}, DamageGrade.INTACT),
        ({"mould": 0, "fading": "none"}, DamageGrade.INTACT),
        ({"mould": 31}, DamageGrade.SPECIAL),
        ({"mould": 30}, DamageGrade.SEVERE),
        ({"mould": 20}, DamageGrade.SEVERE),
        ({"mould": 19.9}, DamageGrade.MODERATE),
        ({"mould": "5%"}, DamageGrade.MILD),
        ({"stains": 60}, DamageGrade.SEVERE),
        ({"stains": 61}, DamageGrade.SPECIAL),
        ({"loss": 41}, DamageGrade.SPECIAL),
        ({"loss": 40}, DamageGrade.SEVERE),
        ({"blocking": 51}, DamageGrade.SPECIAL),
        ({"blocking": 50}, DamageGrade.SEVERE),
        ({"acidification": "4.9"}, DamageGrade.SPECIAL),
        ({"acidification": "5.0"}, DamageGrade.SEVERE),
        ({"acidification": "5.5"}, DamageGrade.MODERATE),
        ({"acidification": "6.2"}, DamageGrade.INTACT),
        ({"brittleness": "severe"}, DamageGrade.SEVERE),
        ({"ink_spread": "moderate"}, DamageGrade.MODERATE),
        ({"tears": "light"}, DamageGrade.MILD),
    ],
)
def test_each_damage_alone_sets_the_grade_the_standard_gives(damages: dict, grade: str) -> None:
    assert grade_damages(damages).grade == grade


def test_the_worst_damage_sets_the_grade_and_every_damage_at_that_grade_is_the_reason() -> None:
    assessment = grade_damages({"mould": 35, "insects": 40, "stains": 30, "acidification": 5.2, "fading": "light"})
    assert assessment.grade == DamageGrade.SPECIAL
    assert assessment.reasons == ("霉变 35%（特残：> 30%）", "虫蛀 40%（特残：> 30%）")
    assert "污渍" not in assessment.reason


def test_an_intact_unit_says_so() -> None:
    assert grade_damages({"mould": None, "loss": ""}).reason == "未见破损"


@pytest.mark.parametrize(
    ("damages", "message"),
    [
        ({"mould": 101}, "霉变的面积比例须在 0 到 100 之间"),
        ({"loss": -1}, "残缺的面积比例须在 0 到 100 之间"),
        ({"acidification": 15}, "pH 值须在 0 到 14 之间"),
        ({"mould": "很多"}, "霉变的数值无法识别"),
        ({"mould": "nan"}, "霉变的数值无法识别"),
        ({"fading": "heavy"}, "褪色的程度无法识别"),
        ({"fire": 10}, "未知的破损类型：fire"),
    ],
)
def test_a_value_that_cannot_be_graded_is_refused_in_chinese(damages: dict, message: str) -> None:
    with pytest.raises(GradingError, match=message):
        grade_damages(damages)
