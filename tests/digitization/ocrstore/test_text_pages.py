"""The correction page and the text routes: what each person may see (a hidden unit is a 404 by every route), the
lines saved from the page, and a stale save answered 409 with what was typed kept."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client

from dangan.digitization.models import PageText
from dangan.digitization.ocr import parse_alto
from tests.helpers import account

pytestmark = pytest.mark.django_db


def client_for(user: Any) -> Client:
    client = Client()
    client.force_login(user)
    return client


def edit_url(unit: Any, page: int = 1) -> str:
    return f"/manage/digitization/units/{unit.uuid}/text/{page}/"


def test_text_routes_serve_the_alto_and_the_text(ocred_unit: Any, archivist: Any) -> None:
    client = client_for(archivist)
    alto = client.get(f"/iiif/3/text/{ocred_unit.uuid}/1.alto.xml")
    assert alto.status_code == 200 and alto["Content-Type"].startswith("application/xml")
    assert b"alto" in alto.content
    text = client.get(f"/iiif/3/text/{ocred_unit.uuid}/2.txt")
    assert text.status_code == 200 and "娄山关" in "".join(text.content.decode().split())
    assert client.get(f"/iiif/3/text/{ocred_unit.uuid}/3.txt").status_code == 404


def test_a_hidden_unit_is_a_404_by_every_text_route(
    make_unit: Any, digitize: Any, archivist: Any, junior_archivist: Any
) -> None:
    from dangan.digitization.actions.ocr import do_ocr_unit

    secret = digitize(make_unit(classification="secret", openness="controlled"), pages=(("机密文件",),))
    do_ocr_unit(archivist, secret)
    client = client_for(junior_archivist)
    for url in (
        f"/iiif/3/text/{secret.uuid}/1.alto.xml",
        f"/iiif/3/text/{secret.uuid}/1.txt",
        edit_url(secret),
    ):
        assert client.get(url).status_code == 404, url
    assert Client().get(f"/iiif/3/text/{secret.uuid}/1.txt").status_code == 404
    assert client_for(archivist).get(f"/iiif/3/text/{secret.uuid}/1.txt").status_code == 200


def test_the_correction_page_shows_the_image_and_the_lines(ocred_unit: Any, archivist: Any) -> None:
    page = client_for(archivist).get(edit_url(ocred_unit))
    assert page.status_code == 200
    html = page.content.decode()
    assert "/iiif/3/" in html and "/full/max/0/default.jpg" in html
    row = PageText.objects.get(unit=ocred_unit, page=1)
    for line in parse_alto(row.alto.encode()).lines:
        assert f'name="line-{line.id}"' in html
    assert "nonce=" in html


def test_only_catalog_editors_may_correct(ocred_unit: Any) -> None:
    auditor = account("security_auditor", "public", username="auditor-x")
    assert client_for(auditor).get(edit_url(ocred_unit)).status_code == 403


def test_saving_changed_lines_and_a_stale_save(ocred_unit: Any, archivist: Any) -> None:
    client = client_for(archivist)
    row = PageText.objects.get(unit=ocred_unit, page=1)
    line = parse_alto(row.alto.encode()).lines[0]
    saved = client.post(edit_url(ocred_unit), {"version": row.version, f"line-{line.id}": "瑞金会议决议"})
    assert saved.status_code == 302
    row.refresh_from_db()
    assert row.revision == 2 and row.text.startswith("瑞金会议决议")

    stale = client.post(edit_url(ocred_unit), {"version": 1, f"line-{line.id}": "我刚输入的文字"})
    assert stale.status_code == 409
    html = stale.content.decode()
    assert 'value="我刚输入的文字"' in html and "已被他人修改" in html
    row.refresh_from_db()
    assert row.revision == 2


def test_the_unit_page_lists_the_pages_with_text(ocred_unit: Any, archivist: Any) -> None:
    html = client_for(archivist).get(f"/manage/units/{ocred_unit.uuid}/").content.decode()
    assert "识别文本" in html and edit_url(ocred_unit, 2) in html
    reader = account("system_admin", "public", username="reader-x")  # reads the catalog, changes nothing
    html = client_for(reader).get(f"/manage/units/{ocred_unit.uuid}/").content.decode()
    assert "识别文本" in html and edit_url(ocred_unit, 2) not in html


def test_ocr_started_from_the_unit_page(digitized_unit: Any, archivist: Any) -> None:
    """The button queues the job; the test settings run tasks at once, as `dangan worker` would later."""
    client = client_for(archivist)
    unit_page = f"/manage/units/{digitized_unit.uuid}/"
    assert "识别文字" in client.get(unit_page).content.decode()
    response = client.post(f"/manage/digitization/units/{digitized_unit.uuid}/ocr/")
    assert response.status_code == 302 and response["Location"].endswith("#ocr-text")
    assert PageText.objects.filter(unit=digitized_unit).count() == 2
    html = client.get(unit_page).content.decode()
    assert "2 / 2 页有识别文本" in html and "已完成" in html


def test_the_panel_polls_while_a_job_waits_and_stops_when_it_ends(digitized_unit: Any, archivist: Any) -> None:
    from dangan.digitization.actions.ocr_runs import do_run_ocr, do_start_ocr_run

    client = client_for(archivist)
    progress = f"/manage/digitization/units/{digitized_unit.uuid}/text/progress/"
    run = do_start_ocr_run(archivist, unit=digitized_unit)  # queued, not run yet
    polled = client.get(progress, headers={"HX-Request": "true"}).content.decode()
    assert "排队中" in polled and f'hx-get="{progress}"' in polled
    do_run_ocr(archivist, run)
    done = client.get(progress, headers={"HX-Request": "true"}).content.decode()
    assert "已完成" in done and "hx-get" not in done
    assert client.get(progress).status_code == 302
