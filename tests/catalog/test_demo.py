"""`dangan demo`: sample fonds, units, authority records and accounts, loaded through the actions, idempotently."""

from __future__ import annotations

import re
from collections import Counter, defaultdict
from typing import Any

import pytest
from django.db import transaction

from dangan.catalog.actions.units import parse_reference_code
from dangan.catalog.demo import load_demo
from dangan.catalog.models import ArchivalUnit, Authority, Fonds, UnitAuthority
from dangan.catalog.policy import can_view_unit, visible_units
from dangan.core.audit import verify_chain
from dangan.core.models import AuditEntry, Institution, User


def _counts() -> dict[str, int]:
    return {
        "units": ArchivalUnit.objects.count(),
        "fonds": Fonds.objects.count(),
        "authorities": Authority.objects.count(),
        "links": UnitAuthority.objects.count(),
        "users": User.objects.count(),
        "audit": AuditEntry.objects.count(),
    }


@pytest.fixture(scope="module")
def demo(django_db_setup: Any, django_db_blocker: Any) -> Any:
    """The demo loaded twice, once for the whole module (it takes a few seconds), and rolled back afterwards."""
    with django_db_blocker.unblock(), transaction.atomic():
        first = load_demo()
        after_first = _counts()
        second = load_demo()
        yield {"first": first, "second": second, "after_first": after_first}
        transaction.set_rollback(True)


@pytest.mark.django_db
def test_the_demo_loads_three_sample_fonds_of_about_three_hundred_units(demo):
    institution = Institution.objects.get()
    assert (institution.code, institution.name, institution.is_sample) == ("DEMO", "示例省档案馆", True)
    fonds = {f.code: f for f in Fonds.objects.all()}
    assert set(fonds) == {"X001", "Z109", "Z120"}
    for f in fonds.values():
        assert f.is_sample and "示例" in f.name and "示例数据" in f.history
        assert f.unit_count == ArchivalUnit.objects.filter(fonds=f).count()
    assert 250 <= ArchivalUnit.objects.count() <= 350
    assert not ArchivalUnit.objects.filter(is_sample=False).exists()
    assert not ArchivalUnit.objects.exclude(notes__contains="示例数据").exists()
    assert not Authority.objects.filter(is_sample=False).exists()

    # The red-archives fonds is arranged series → 案卷 → 件; the others put 件 straight under year series.
    red = ArchivalUnit.objects.filter(fonds=fonds["X001"])
    assert set(red.filter(level="item").values_list("parent__level", flat=True)) == {"file"}
    assert set(red.filter(level="file").values_list("parent__level", flat=True)) == {"series"}
    for code in ("Z109", "Z120"):
        items = ArchivalUnit.objects.filter(fonds=fonds[code], level="item")
        assert set(items.values_list("parent__level", flat=True)) == {"series"}
    years = {
        code: {d.year for d in ArchivalUnit.objects.filter(fonds=f, date__isnull=False).values_list("date", flat=True)}
        for code, f in fonds.items()
    }
    assert years == {"X001": {1934, 1935, 1936}, "Z109": set(range(2015, 2021)), "Z120": {2020, 2021, 2022}}

    levels = Counter(ArchivalUnit.objects.values_list("classification", flat=True))
    assert levels["confidential"] == 1 and 3 <= levels["secret"] <= 6 and not levels["top_secret"]
    assert levels["public"] + levels["internal"] > 0.9 * sum(levels.values())
    assert set(ArchivalUnit.objects.values_list("openness", flat=True)) == {"open", "controlled", "pending"}
    assert set(ArchivalUnit.objects.exclude(retention="").values_list("retention", flat=True)) == {"Y", "D30", "D10"}
    numbers = list(ArchivalUnit.objects.exclude(document_number="").values_list("document_number", flat=True))
    assert any(re.fullmatch(r"黔扶办发〔20(1[5-9]|20)〕\d+号", n) for n in numbers)
    assert not ArchivalUnit.objects.filter(level="item", page_count__isnull=True).exists()

    names = set(Authority.objects.values_list("name", flat=True))
    assert {"遵义", "娄山关", "赤水河", "乌江", "遵义会议", "四渡赤水", "强渡乌江"} <= names
    assert not Authority.objects.filter(kind="person").exists()
    zunyi_meeting = Authority.objects.get(name="遵义会议")
    assert UnitAuthority.objects.filter(authority=zunyi_meeting, unit__fonds=fonds["X001"]).count() >= 5
    subjects = set(ArchivalUnit.objects.filter(fonds=fonds["X001"]).values_list("subjects__term", flat=True))
    assert {"遵义会议", "四渡赤水", "娄山关", "强渡乌江"} <= subjects

    assert AuditEntry.objects.filter(action="catalog.demo").count() == 1
    assert verify_chain().ok


@pytest.mark.django_db
def test_demo_reference_codes_fit_their_fonds_and_number_without_gaps(demo):
    groups: dict[tuple, list[int]] = defaultdict(list)
    items = ArchivalUnit.objects.filter(level="item").select_related("fonds", "category")
    for unit in items:
        assert unit.reference_code, unit.title
        parts = parse_reference_code(unit.fonds, unit.category, unit.reference_code)  # raises if it does not fit
        assert parts["fonds"] == unit.fonds.code and int(parts["item"]) == unit.item_number
        groups[(unit.fonds_id, unit.year, unit.retention, unit.organization)].append(unit.item_number)
    for numbers in groups.values():
        assert sorted(numbers) == list(range(1, len(numbers) + 1))
    assert ArchivalUnit.objects.filter(reference_code="X001-WS·1935·Y-0001").exists()  # DA/T 13 form for X001
    assert ArchivalUnit.objects.filter(reference_code__regex=r"^Z109-WS·2016-Y-[A-Z]{3}-\d{4}$").exists()  # DA/T 22


@pytest.mark.django_db
def test_the_demo_is_idempotent(demo):
    assert _counts() == demo["after_first"]
    assert demo["second"][-1] == "示例数据此前已加载，本次没有新建任何内容。"
    assert any("X001" in line and "已存在" in line for line in demo["second"])


@pytest.mark.django_db
def test_demo_accounts_have_one_time_passwords_and_the_right_clearance(demo):
    lines = demo["first"]
    assert "用户名 / 一次性密码 / 角色" in lines
    passwords = {}
    for line in lines:
        parts = line.split(" / ")
        if len(parts) == 3 and parts[0] in {"archivist", "secadmin", "auditor"}:
            passwords[parts[0]] = parts[1]
    assert set(passwords) == {"archivist", "secadmin", "auditor"}
    for username, role, clearance in (
        ("archivist", "archivist", "confidential"),
        ("secadmin", "security_admin", "public"),
        ("auditor", "security_auditor", "public"),
    ):
        user = User.objects.get(username=username)
        assert (user.role, user.clearance, user.must_change_password) == (role, clearance, True)
        assert user.check_password(passwords[username])
    entry = AuditEntry.objects.get(action="core.user.create", object_repr__contains="业务人员")
    assert entry.data["after"]["clearance"] == "confidential"
    assert "示例账号：archivist、secadmin、auditor 均已存在，未修改" in demo["second"]


@pytest.mark.django_db
def test_the_policy_hides_the_confidential_demo_unit_from_the_system_administrator(demo, system_admin):
    confidential = ArchivalUnit.objects.get(classification="confidential")
    assert not can_view_unit(system_admin, confidential)
    assert not visible_units(system_admin).filter(pk=confidential.pk).exists()
    assert not visible_units(system_admin).filter(classification__in=["internal", "secret"]).exists()
    assert can_view_unit(User.objects.get(username="archivist"), confidential)  # cleared up to 机密
    # Its series is open to browsing, but the hidden item does not count among the series' children.
    series = confidential.parent
    assert series.classification == "public"
    assert visible_units(system_admin, series.children.all()).count() < series.child_count
