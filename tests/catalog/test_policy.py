"""The visibility policy: what each role may see, given 密级 and openness."""

from __future__ import annotations

import pytest

from dangan.catalog.actions.units import do_create_unit
from dangan.catalog.filters import UnitFilter
from dangan.catalog.policy import can_view_unit, visible_units
from dangan.core.actors import CONSOLE


@pytest.fixture
def spectrum(fonds, archivist):
    units = {}
    for level in ("public", "internal", "secret", "confidential", "top_secret"):
        for openness in ("open", "pending"):
            units[(level, openness)] = do_create_unit(
                CONSOLE, fonds, {"title": f"{level}-{openness}", "classification": level, "openness": openness}
            )
    return units


def titles(user):
    return sorted(visible_units(user).values_list("title", flat=True))


def test_archivists_see_up_to_their_clearance(spectrum, archivist, junior_archivist):
    assert titles(archivist) == sorted(
        f"{lv}-{op}" for lv in ("public", "internal", "secret", "confidential") for op in ("open", "pending")
    )
    assert titles(junior_archivist) == ["public-open", "public-pending"]


def test_the_system_admin_never_reads_above_public(spectrum, system_admin):
    assert system_admin.clearance == "top_secret"
    assert titles(system_admin) == ["public-open", "public-pending"]
    assert not can_view_unit(system_admin, spectrum[("secret", "open")])


def test_the_auditor_and_security_admin_see_no_records(spectrum, security_auditor, security_admin):
    assert titles(security_auditor) == [] and titles(security_admin) == []


def test_the_public_sees_only_opened_public_units(spectrum):
    from django.contrib.auth.models import AnonymousUser

    assert titles(AnonymousUser()) == ["public-open"]
    assert not can_view_unit(AnonymousUser(), spectrum[("public", "pending")])


def test_the_filter_applies_the_policy_and_reports_bad_values(spectrum, junior_archivist):
    f = UnitFilter.from_params({"classification": "secret", "year_from": "一九三五", "level": "volume"})
    assert set(f.errors) == {"year_from", "level"}
    assert list(f.apply(junior_archivist)) == []
