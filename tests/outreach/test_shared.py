"""The outreach app's shared pieces: the start page, the capabilities, the OAI-PMH registry."""

from __future__ import annotations

from typing import Any

import pytest

from dangan.core.roles import Capability, has_capability
from dangan.outreach.interchange import registry

pytestmark = pytest.mark.django_db


def test_start_page_is_the_archivists(client: Any, archivist: Any, system_admin: Any) -> None:
    client.force_login(archivist)
    response = client.get("/manage/outreach/")
    assert response.status_code == 200
    assert "宣传与开发利用" in response.content.decode()
    client.force_login(system_admin)
    assert client.get("/manage/outreach/").status_code == 403


def test_archivists_edit_and_publish_but_administrators_do_not(archivist: Any, system_admin: Any) -> None:
    for capability in (Capability.OUTREACH_EDIT, Capability.OUTREACH_PUBLISH, Capability.COMPILATION_EDIT):
        assert has_capability(archivist, capability)
        assert not has_capability(system_admin, capability)


def test_registry_finds_a_set_family_by_the_prefix_of_its_spec() -> None:
    family = registry.SetFamily("test-family", "测试", lambda viewer: [], lambda viewer, spec: None)
    registry.register_set_family(family)
    try:
        assert registry.set_family("test-family:abc") is family
        assert registry.set_family("test-family") is family
        assert registry.set_family("nothing:abc") is None
    finally:
        registry._sets.pop("test-family")


def test_the_portal_s_navigation_leads_to_themes_exhibitions_and_stories(client: Any, institution: Any) -> None:
    page = client.get("/").content.decode()
    for href, label in (("/themes/", "专题数据库"), ("/exhibitions/", "网上展览"), ("/stories/", "档案故事")):
        assert f'href="{href}"' in page and label in page
    themes = client.get("/themes/").content.decode()
    assert 'href="/themes/" aria-current="page"' in themes
