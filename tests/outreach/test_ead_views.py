"""Part ead in the workspace: the list of fonds and the streamed downloads, each limited to the staff member's view."""

from __future__ import annotations

from typing import Any

import pytest
from lxml import etree

from dangan.catalog.choices import Openness, SecurityClassification
from dangan.core.actors import CONSOLE
from dangan.core.choices import Role
from dangan.core.models import AuditEntry
from tests.helpers import account

pytestmark = pytest.mark.django_db


@pytest.fixture
def units(fonds: Any) -> dict[str, Any]:
    from dangan.catalog.actions.authorities import do_create_authority, do_link_authority
    from dangan.catalog.actions.units import do_create_unit

    public = do_create_unit(CONSOLE, fonds, {"title": "公开的报告", "openness": Openness.OPEN})
    secret = do_create_unit(CONSOLE, fonds, {"title": "秘密的名单", "classification": SecurityClassification.SECRET})
    do_link_authority(CONSOLE, secret, do_create_authority(CONSOLE, {"kind": "person", "name": "秘密人物"}), "author")
    return {"public": public, "secret": secret}


def body(response: Any) -> bytes:
    assert response.streaming
    return b"".join(response.streaming_content)


def test_the_list_links_each_visible_fonds_and_the_start_page_links_the_list(client: Any, units: Any) -> None:
    client.force_login(account(Role.ARCHIVIST))
    page = client.get("/manage/outreach/ead/").content.decode()
    assert "Z109" in page and "/manage/outreach/ead/Z109.xml" in page and "/manage/outreach/eac.xml" in page
    assert "/manage/outreach/ead/" in client.get("/manage/outreach/").content.decode()


def test_the_download_is_the_staff_member_s_own_view(client: Any, units: Any) -> None:
    client.force_login(account(Role.ARCHIVIST))
    response = client.get("/manage/outreach/ead/Z109.xml")
    assert response.status_code == 200 and response["Content-Type"].startswith("application/xml")
    assert "attachment" in response["Content-Disposition"]
    data = body(response)
    etree.fromstring(data)
    assert "公开的报告".encode() in data and "秘密的名单".encode() not in data
    client.force_login(account(Role.ARCHIVIST, SecurityClassification.SECRET))
    assert "秘密的名单".encode() in body(client.get("/manage/outreach/ead/Z109.xml"))
    assert AuditEntry.objects.filter(action="outreach.ead.export").count() == 2


def test_an_unknown_fonds_is_404_and_others_may_not_download(client: Any, units: Any, system_admin: Any) -> None:
    client.force_login(account(Role.ARCHIVIST))
    assert client.get("/manage/outreach/ead/NOPE.xml").status_code == 404
    client.force_login(system_admin)
    assert client.get("/manage/outreach/ead/Z109.xml").status_code == 403
    assert client.get("/manage/outreach/eac.xml").status_code == 403
    client.logout()
    assert client.get("/manage/outreach/ead/Z109.xml").status_code == 302


def test_eac_download_is_limited_too(client: Any, units: Any) -> None:
    client.force_login(account(Role.ARCHIVIST))
    data = body(client.get("/manage/outreach/eac.xml?kind=person"))
    etree.fromstring(data)
    assert "秘密人物".encode() not in data
    client.force_login(account(Role.ARCHIVIST, SecurityClassification.SECRET))
    assert "秘密人物".encode() in body(client.get("/manage/outreach/eac.xml"))
