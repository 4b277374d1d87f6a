"""`dangan demo` on an installation that already has real fonds (kept apart: test_demo holds the demo per module)."""

from __future__ import annotations

import pytest

from dangan.catalog.demo import load_demo
from dangan.catalog.models import ArchivalUnit, Fonds
from dangan.core.models import Institution


@pytest.mark.django_db
def test_the_demo_leaves_a_real_fonds_with_the_same_code_alone(fonds):
    before = ArchivalUnit.objects.count()
    lines = load_demo()
    assert any("Z109" in line and "非示例全宗" in line for line in lines)
    fonds.refresh_from_db()
    assert not fonds.is_sample and fonds.unit_count == 0
    assert set(Fonds.objects.filter(is_sample=True).values_list("code", flat=True)) == {"X001", "Z120"}
    assert Institution.objects.get().code == "GZSDAG"  # the institution already there is used
    assert ArchivalUnit.objects.count() > before
