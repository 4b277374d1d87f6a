"""The sweep can fail: an undeclared page, a wrong outcome, a 500, a shown hidden title (or id, or disposed-of
unit beyond the register) and a stale known leak are each reported (on a URLconf with such pages,
tests/sweep/leaky_urls.py)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from tests.sweep import ROLES, Page, expect
from tests.sweep.runner import all_declarations, coverage_problems, sweep
from tests.sweep.world import World

pytestmark = pytest.mark.django_db


@pytest.fixture
def leaky_site(settings: Any) -> None:
    settings.ROOT_URLCONF = "tests.sweep.leaky_urls"


def test_a_page_nobody_declared_fails_the_coverage(leaky_site: None) -> None:
    problems = coverage_problems(all_declarations())
    assert any(p.startswith("leak: neither swept nor excluded") for p in problems), problems
    assert any(p.startswith("broken: neither swept nor excluded") for p in problems), problems


def test_a_declared_route_the_site_does_not_have_fails_the_coverage() -> None:
    found = all_declarations()
    found[0].routes.append(Page("catalog:no_such_page", expect(200)))
    assert any("catalog:no_such_page is no route of the site" in p for p in coverage_problems(found))
    found[0].excluded["GET /api/nothing"] = " "
    assert any("excluded without a reason" in p for p in coverage_problems(found))


def test_a_page_showing_hidden_titles_is_reported(leaky_site: None, tmp_path: Path, settings: Any) -> None:
    report = sweep([Page("leak", expect(200, anonymous=200))], World(tmp_path, settings))
    leaks = "\n".join(report.problems)
    # Everyone but the archivist cleared 绝密 sees a title the policy hides from them.
    for role in ("anonymous", "archivist_public", "archivist_secret", "system_admin", "security_admin", "reader"):
        assert f"leak shows as {role}: hidden unit" in leaks, leaks
    assert "leak shows as access_staff: hidden unit" in leaks, leaks
    assert "archivist_top" not in leaks


def test_a_route_naming_objects_by_id_may_show_hidden_ids_never_titles(
    leaky_site: None, tmp_path: Path, settings: Any
) -> None:
    world = World(tmp_path, settings)
    report = sweep([Page("ids", expect(200, anonymous=200))], world)
    assert "ids shows as archivist_public: hidden unit" in "\n".join(report.problems), report.problems
    assert sweep([Page("ids", expect(200, anonymous=200), names_by_id="the audit log")], world).problems == []
    report = sweep([Page("leak", expect(200, anonymous=200), names_by_id="the audit log")], world)
    assert "leak shows as archivist_public: hidden unit" in "\n".join(report.problems), report.problems


def test_a_disposed_of_unit_may_show_only_in_the_register_to_whom_it_shows_it(
    leaky_site: None, tmp_path: Path, settings: Any
) -> None:
    world = World(tmp_path, settings)
    # The disposal is made once the sweep has begun (needs, after a first route): what the policy hides is read again.
    needs = ("@disposal.approved",)
    first = Page("catalog:fonds_list", expect(200, security=403))
    report = "\n".join(sweep([first, Page("disposed", expect(200, anonymous=200), needs=needs)], world).problems)
    for role in ("archivist_public", "archivist_secret", "archivist_top", "system_admin", "anonymous"):
        assert f"disposed shows as {role}: hidden unit “巡检子文件秘密已销毁” (秘密), disposed of" in report, report
    route = Page("disposed", expect(200, anonymous=200), needs=needs, shows_register=True)
    report = "\n".join(sweep([route], world).problems)
    # Archivists cleared 秘密 read the register; the one cleared 公开, the system administrator and the public do not.
    assert "archivist_secret" not in report and "archivist_top" not in report, report
    for role in ("archivist_public", "system_admin", "anonymous"):
        assert f"disposed shows as {role}" in report, report


def test_wrong_outcomes_and_server_errors_are_reported(leaky_site: None, tmp_path: Path, settings: Any) -> None:
    world = World(tmp_path, settings)
    report = sweep([Page("broken", expect(200, anonymous=200))], world)
    assert len(report.problems) == len(ROLES) and all(": 500\n" in p and "a bug" in p for p in report.problems)
    report = sweep([Page("core:user_list", expect(200))], world)
    assert "as archivist_public: expected 200, got 403" in "\n".join(report.problems)
    assert "as anonymous" not in "\n".join(report.problems)  # the default for a page: to the sign-in page


def test_a_known_leak_that_is_gone_is_reported(tmp_path: Path, settings: Any) -> None:
    route = Page("catalog:fonds_list", expect(200, security=403), known_leak="was fixed")
    report = sweep([route], World(tmp_path, settings))
    assert report.problems == ["catalog:fonds_list: the known leak (was fixed) no longer happens: remove known_leak"]
