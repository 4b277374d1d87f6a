"""The openness review (开放审核): rounds of units reaching the age, the first and second review, a decision taking
effect in catalog.policy at once, the audit log, and what each person sees."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from django.contrib.auth.models import AnonymousUser
from django.core.exceptions import PermissionDenied, ValidationError

from dangan.access.actions.openness import (
    Decision,
    do_add_term,
    do_confirm,
    do_create_review,
    do_first_review,
    do_send_back,
    review_counts,
    visible_rows,
)
from dangan.access.models import OpennessDecision
from dangan.access.models.openness import DecisionStatus
from dangan.access.published import recently_opened
from dangan.catalog.actions.openness import do_set_openness
from dangan.catalog.choices import Openness, UnitLevel
from dangan.catalog.models import ArchivalUnit
from dangan.catalog.policy import can_view_unit
from dangan.core.choices import Role, SecurityClassification
from dangan.core.models import AuditEntry
from tests.helpers import account

pytestmark = pytest.mark.django_db

OLD = 1990  # reaches the age for a round of 2026 (1990 ≤ 2026 − 25)


@pytest.fixture
def second(db: Any) -> Any:
    """Another openness reviewer, cleared 机密 like ``archivist``."""
    return account(Role.ARCHIVIST, SecurityClassification.CONFIDENTIAL, username="archivist-second")


@pytest.fixture
def holdings(make_unit: Callable[..., Any]) -> dict[str, Any]:
    return {
        "due": make_unit("一九九〇年扶贫工作总结", year=OLD, openness=Openness.PENDING),
        "controlled": make_unit("一九九〇年救济名册", year=OLD, openness=Openness.CONTROLLED),
        "secret": make_unit(
            "一九九〇年秘密报告", year=OLD, openness=Openness.PENDING, classification=SecurityClassification.SECRET
        ),
        "open": make_unit("一九九〇年已开放通知", year=OLD, openness=Openness.OPEN),
        "young": make_unit("二〇一一年通知", year=2011, openness=Openness.PENDING),
    }


def _round(actor: Any, fonds: Any, **extra: Any) -> Any:
    return do_create_review(actor, year=2026, fonds=fonds, **extra)


def _units(actor: Any, review: Any) -> set[str]:
    return {row.unit.title for row in visible_rows(actor, review).select_related("unit")}


def test_a_round_lists_the_units_that_reach_the_age_and_are_not_open(archivist, fonds, holdings) -> None:
    review = _round(archivist, fonds)
    assert _units(archivist, review) == {"一九九〇年扶贫工作总结", "一九九〇年救济名册", "一九九〇年秘密报告"}
    assert review_counts(archivist, review)["total"] == 3
    entry = AuditEntry.objects.get(action="access.openness.create")
    assert entry.data["units"] == 3 and entry.data["age"] == 25


def test_a_reviewer_sees_only_the_units_the_policy_shows_them(archivist, junior_archivist, fonds, holdings) -> None:
    review = _round(archivist, fonds)
    assert "一九九〇年秘密报告" not in _units(junior_archivist, review)
    assert review_counts(junior_archivist, review)["total"] == 2
    # Deciding "everything" as the junior reaches only what they see.
    outcome = do_first_review(junior_archivist, review, Decision("open"))
    assert outcome.changed == 2
    secret = OpennessDecision.objects.get(review=review, unit=holdings["secret"])
    assert secret.status == DecisionStatus.PENDING


def test_the_scope_narrows_by_category_and_years(archivist, fonds, categories, make_unit) -> None:
    make_unit("一九八〇年文件", year=1980, openness=Openness.PENDING)
    make_unit("一九九〇年文件", year=OLD, openness=Openness.PENDING)
    make_unit("一九九〇年会计凭证", year=OLD, category=categories["KJ"], openness=Openness.PENDING)
    make_unit("一九九〇年案卷", year=OLD, level=UnitLevel.SERIES, openness=Openness.PENDING)
    review = _round(archivist, fonds, category=categories["WS"], year_from=1985, year_to=1995)
    assert _units(archivist, review) == {"一九九〇年文件"}


def test_a_round_needs_a_sane_year_and_range(archivist, fonds) -> None:
    with pytest.raises(ValidationError) as caught:
        do_create_review(archivist, year=3000, fonds=fonds, year_from=1990, year_to=1980)
    assert set(caught.value.message_dict) == {"year", "year_to"}


def test_confirmed_by_another_reviewer_the_unit_opens_at_once(archivist, second, fonds, holdings) -> None:
    unit = holdings["due"]
    anonymous = AnonymousUser()
    assert not can_view_unit(anonymous, unit)
    review = _round(archivist, fonds)
    rows = OpennessDecision.objects.filter(unit=unit)
    do_first_review(archivist, review, Decision("open", note="内容为一般工作总结"), rows)
    unit.refresh_from_db()
    assert unit.openness == Openness.PENDING  # a first review alone changes nothing
    with pytest.raises(PermissionDenied):
        do_confirm(archivist, review, rows)
    version = unit.version
    assert do_confirm(second, review, rows).changed == 1
    unit.refresh_from_db()
    assert unit.openness == Openness.OPEN and unit.version == version + 1
    assert can_view_unit(anonymous, unit)
    changed = AuditEntry.objects.get(action="catalog.unit.openness")
    assert changed.data["openness"] == "open" and changed.data["units"][0]["before"] == "pending"
    confirm = AuditEntry.objects.get(action="access.openness.confirm")
    assert confirm.data["units"][0]["unit"] == str(unit.uuid)
    assert recently_opened(anonymous) == [unit]


def test_control_and_defer_need_their_reasons(archivist, second, fonds, holdings) -> None:
    review = _round(archivist, fonds)
    rows = OpennessDecision.objects.filter(unit=holdings["due"])
    with pytest.raises(ValidationError) as caught:
        do_first_review(archivist, review, Decision("control"), rows)
    assert "reason" in caught.value.message_dict
    with pytest.raises(ValidationError) as caught:
        do_first_review(archivist, review, Decision("control", reason="other"), rows)
    assert "note" in caught.value.message_dict
    with pytest.raises(ValidationError) as caught:
        do_first_review(archivist, review, Decision("defer", next_review_year=2026), rows)
    assert "next_review_year" in caught.value.message_dict
    do_first_review(archivist, review, Decision("control", reason="privacy"), rows)
    do_confirm(second, review, rows)
    holdings["due"].refresh_from_db()
    assert holdings["due"].openness == Openness.CONTROLLED
    assert not can_view_unit(AnonymousUser(), holdings["due"])


def test_a_decision_sent_back_is_reviewed_again(archivist, second, fonds, holdings) -> None:
    review = _round(archivist, fonds)
    rows = OpennessDecision.objects.filter(unit=holdings["controlled"])
    do_first_review(archivist, review, Decision("open"), rows)
    with pytest.raises(ValidationError):
        do_send_back(second, review, "", rows)
    do_send_back(second, review, "含个人救济信息，请再审", rows)
    row = rows.get()
    assert row.status == DecisionStatus.RETURNED and row.return_note == "含个人救济信息，请再审"
    holdings["controlled"].refresh_from_db()
    assert holdings["controlled"].openness == Openness.CONTROLLED
    do_first_review(archivist, review, Decision("defer", next_review_year=2031), rows)
    do_confirm(second, review, rows)
    row.refresh_from_db()
    assert row.status == DecisionStatus.CONFIRMED and row.next_review_year == 2031
    holdings["controlled"].refresh_from_db()
    assert holdings["controlled"].openness == Openness.CONTROLLED  # deferred: as it was
    # A confirmed decision is final in its round.
    outcome = do_first_review(archivist, review, Decision("open"), rows)
    assert outcome.changed == 0 and outcome.skipped


def test_bulk_confirmation_skips_the_reviewers_own(archivist, second, fonds, holdings) -> None:
    review = _round(archivist, fonds)
    do_first_review(archivist, review, Decision("open"), OpennessDecision.objects.filter(unit=holdings["due"]))
    do_first_review(second, review, Decision("open"), OpennessDecision.objects.filter(unit=holdings["controlled"]))
    outcome = do_confirm(second, review)
    assert outcome.changed == 1 and sum(outcome.skipped.values()) == 2  # its own, and one not yet reviewed
    assert ArchivalUnit.objects.get(pk=holdings["due"].pk).openness == Openness.OPEN
    assert ArchivalUnit.objects.get(pk=holdings["controlled"].pk).openness == Openness.CONTROLLED


def test_only_openness_reviewers_act(access_staff, reader, fonds, holdings) -> None:
    for person in (access_staff, reader):
        with pytest.raises(PermissionDenied):
            do_create_review(person, year=2026, fonds=fonds)


def test_a_unit_closed_again_leaves_the_list_of_opened_records(archivist, second, fonds, holdings) -> None:
    review = _round(archivist, fonds)
    do_first_review(archivist, review, Decision("open"))
    do_confirm(second, review)
    anonymous = AnonymousUser()
    opened = {u.title for u in recently_opened(anonymous, 10)}
    # The 秘密 unit was opened too, but 密级 keeps it from the public whatever its openness.
    assert opened == {"一九九〇年扶贫工作总结", "一九九〇年救济名册"}
    do_set_openness(archivist, [holdings["due"]], Openness.CONTROLLED, "复查后控制")
    assert {u.title for u in recently_opened(anonymous, 10)} == {"一九九〇年救济名册"}
    assert recently_opened(anonymous, 0) == []


def test_the_aid_counts_marks_including_the_full_text(archivist, fonds, make_unit) -> None:
    from dangan.search.fulltext import register_fulltext_provider, unregister_fulltext_provider

    plain = make_unit("一九九〇年工作总结", year=OLD, openness=Openness.PENDING)
    marked = make_unit("一九九〇年救助名单", year=OLD, openness=Openness.PENDING, notes="联系电话13812345678")
    scanned = make_unit("一九九〇年会议记录", year=OLD, openness=Openness.PENDING)
    do_add_term(archivist, "三线")
    register_fulltext_provider("test-openness", lambda ids: {scanned.pk: "第一页\n\n会议讨论三线建设，机密★"})
    try:
        review = _round(archivist, fonds)
    finally:
        unregister_fulltext_provider("test-openness")
    marks = dict(OpennessDecision.objects.filter(review=review).values_list("unit_id", "marks"))
    assert marks == {plain.pk: 0, marked.pk: 1, scanned.pk: 2}
    kinds = OpennessDecision.objects.get(review=review, unit=scanned).mark_kinds
    assert kinds == "secret,term"


def test_a_decision_changed_after_the_page_was_read_is_not_confirmed(archivist, second, fonds, holdings) -> None:
    from django.utils import timezone

    review = _round(archivist, fonds)
    rows = OpennessDecision.objects.filter(unit=holdings["due"])
    do_first_review(archivist, review, Decision("open"), rows)
    seen = timezone.now()  # the second reviewer's page shows "开放"
    do_first_review(archivist, review, Decision("control", reason="privacy"), rows, as_of=timezone.now())
    with pytest.raises(ValidationError) as caught:
        do_confirm(second, review, rows, as_of=seen)
    assert "已被他人修改" in caught.value.messages[0]
    assert rows.get().status == DecisionStatus.PROPOSED
    assert do_confirm(second, review, rows, as_of=timezone.now()).changed == 1
    holdings["due"].refresh_from_db()
    assert holdings["due"].openness == Openness.CONTROLLED


def test_the_audit_entries_are_read_only_by_those_who_see_every_unit_named(
    archivist, junior_archivist, second, fonds, holdings, security_auditor
) -> None:
    from dangan.core.auditlog.display import present

    review = _round(archivist, fonds)
    do_first_review(archivist, review, Decision("open"), OpennessDecision.objects.filter(unit=holdings["due"]))
    do_first_review(archivist, review, Decision("open"), OpennessDecision.objects.filter(unit=holdings["secret"]))
    do_confirm(second, review)
    entries = list(AuditEntry.objects.filter(action__in=["access.openness.first", "catalog.unit.openness"]))
    assert len(entries) == 3

    def withheld(reader: Any) -> list[bool]:
        return [view.withheld for view in present(sorted(entries, key=lambda e: e.pk), reader)]

    assert withheld(archivist) == [False, False, False]
    # The junior sees the first review of the 公开 unit only; the confirmation named the 秘密 one too.
    assert withheld(junior_archivist) == [False, True, True]
    assert withheld(security_auditor) == [True, True, True]


def test_a_unit_opened_twice_is_listed_once(archivist, second, fonds, holdings) -> None:
    rows = OpennessDecision.objects.filter(unit=holdings["due"])
    for _round_number in range(2):
        review = _round(archivist, fonds)
        do_first_review(archivist, review, Decision("open"), rows.filter(review=review))
        do_confirm(second, review, rows.filter(review=review))
        if _round_number == 0:
            do_set_openness(archivist, [holdings["due"]], Openness.CONTROLLED, "复查后控制")
    assert recently_opened(AnonymousUser(), 5) == [holdings["due"]]


def test_units_due_since_are_added_to_an_open_round(archivist, fonds, make_unit, holdings) -> None:
    from dangan.access.actions.openness import do_add_due_units, do_close_review

    review = _round(archivist, fonds)
    assert do_add_due_units(archivist, review) == 0
    make_unit("一九九〇年补录文件", year=OLD, openness=Openness.PENDING, notes="电话13812345678")
    assert do_add_due_units(archivist, review) == 1
    row = OpennessDecision.objects.get(review=review, unit__title="一九九〇年补录文件")
    assert (row.status, row.marks) == (DecisionStatus.PENDING, 1)
    do_close_review(archivist, review)
    with pytest.raises(ValidationError):
        do_add_due_units(archivist, review)
