"""The design system's shared parts: the favicon (SVG and ICO, served by the application itself, linked from every
page, and at /favicon.ico for browsers that ask there)."""

from __future__ import annotations

import pytest
from django.test import Client

pytestmark = pytest.mark.django_db


def body(response) -> bytes:
    return b"".join(response.streaming_content) if response.streaming else response.content


def test_the_favicon_is_served_by_the_application(archivist):
    client = Client()
    response = client.get("/favicon.ico")
    assert response.status_code == 301 and response["Location"] == "/static/dangan/img/favicon.ico"
    ico = client.get(response["Location"])
    assert ico.status_code == 200 and ico["Content-Type"] in ("image/x-icon", "image/vnd.microsoft.icon")
    assert body(ico)[:4] == b"\x00\x00\x01\x00"  # an ICO file
    svg = client.get("/static/dangan/img/favicon.svg")
    assert svg.status_code == 200 and svg["Content-Type"].startswith("image/svg+xml")
    assert b"<svg" in body(svg)
    png = client.get("/static/dangan/img/apple-touch-icon.png")
    assert png.status_code == 200 and body(png)[:8] == b"\x89PNG\r\n\x1a\n"


def test_every_page_links_the_icons(archivist):
    client = Client()
    pages = [client.get("/manage/login/").content.decode()]
    client.force_login(archivist)
    pages.append(client.get("/manage/fonds/").content.decode())
    pages.append(client.get("/manage/no-such-page/").content.decode())  # the 404 page too
    for html in pages:
        assert '<link rel="icon" href="/static/dangan/img/favicon.svg" type="image/svg+xml">' in html
        assert '<link rel="icon" href="/static/dangan/img/favicon.ico"' in html
        assert '<link rel="apple-touch-icon" href="/static/dangan/img/apple-touch-icon.png">' in html
