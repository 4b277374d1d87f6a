"""The OCR text API: pages and lines of a unit the caller may see, a correction with If-Match (409 when stale, the
current version in ETag), and an OCR job started for a unit without pages refused (422)."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client

from dangan.digitization.models import PageText

pytestmark = pytest.mark.django_db


def client_for(user: Any) -> Client:
    client = Client()
    client.force_login(user)
    return client


def test_pages_lines_and_a_correction(ocred_unit: Any, archivist: Any) -> None:
    client = client_for(archivist)
    base = f"/api/digitization/units/{ocred_unit.uuid}/text"
    pages = client.get(base).json()
    assert [p["page"] for p in pages] == [1, 2] and pages[0]["version"] == 1

    page = client.get(f"{base}/1")
    assert page.status_code == 200 and page["ETag"] == '"1"'
    line = page.json()["lines"][0]
    assert len(line["box"]) == 4 and line["text"]

    corrected = client.patch(
        f"{base}/1",
        {"lines": {line["id"]: "瑞金会议决议"}},
        content_type="application/json",
        headers={"If-Match": '"1"'},
    )
    assert corrected.status_code == 200, corrected.content
    assert corrected["ETag"] == '"2"' and corrected.json()["lines"][0]["text"] == "瑞金会议决议"

    stale = client.patch(f"{base}/1", {"lines": {line["id"]: "又一次"}, "version": 1}, content_type="application/json")
    assert stale.status_code == 409 and stale["ETag"] == '"2"'
    assert PageText.objects.get(unit=ocred_unit, page=1).text.startswith("瑞金会议决议")

    assert client.get(f"{base}/9").status_code == 404


def test_a_hidden_unit_is_a_404_and_a_unit_without_pages_a_422(
    make_unit: Any, storage: Any, archivist: Any, junior_archivist: Any
) -> None:
    secret = make_unit(classification="secret", openness="controlled")
    assert client_for(junior_archivist).get(f"/api/digitization/units/{secret.uuid}/text").status_code == 404
    refused = client_for(archivist).post(f"/api/digitization/units/{secret.uuid}/ocr")
    assert refused.status_code == 422 and "没有已保存的页面图像" in refused.json()["detail"]
