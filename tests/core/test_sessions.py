"""The session engine (core/sessions.py reads a session with one plain SELECT): a session signs its person in until
it is signed out, expires or is tampered with, exactly as Django's database sessions do. Through the real sign-in
and sign-out pages."""

from __future__ import annotations

import datetime as dt

import pytest
from django.conf import settings
from django.contrib.sessions.models import Session
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from tests.conftest import PASSWORD

pytestmark = pytest.mark.django_db


def signed_in(archivist) -> Client:
    client = Client()
    response = client.post(reverse("core:login"), {"username": archivist.username, "password": PASSWORD})
    assert response.status_code == 302, response.content[:500]
    return client


def with_cookie(value: str) -> Client:
    """Another browser presenting the same session cookie."""
    client = Client()
    client.cookies[settings.SESSION_COOKIE_NAME] = value
    return client


def is_signed_in(client: Client) -> bool:
    response = client.get(reverse("core:token_list"))  # one's own API tokens: signed-in people only
    return response.status_code == 200 and response.wsgi_request.user.is_authenticated


def test_the_engine_is_the_projects():
    assert settings.SESSION_ENGINE == "dangan.core.sessions"


def test_a_session_signs_in_until_signed_out(institution, archivist):
    client = signed_in(archivist)
    cookie = client.cookies[settings.SESSION_COOKIE_NAME].value
    assert is_signed_in(client) and is_signed_in(with_cookie(cookie))
    client.post(reverse("core:logout"))
    assert not Session.objects.filter(session_key=cookie).exists()
    assert not is_signed_in(with_cookie(cookie))  # the old cookie, replayed: nobody


def test_an_expired_session_signs_in_nobody(institution, archivist):
    client = signed_in(archivist)
    cookie = client.cookies[settings.SESSION_COOKIE_NAME].value
    Session.objects.filter(session_key=cookie).update(expire_date=timezone.now() - dt.timedelta(seconds=1))
    assert not is_signed_in(client)


def test_a_tampered_session_signs_in_nobody(institution, archivist):
    client = signed_in(archivist)
    cookie = client.cookies[settings.SESSION_COOKIE_NAME].value
    row = Session.objects.get(session_key=cookie)
    Session.objects.filter(session_key=cookie).update(session_data=row.session_data[:-4] + "AAAA")
    assert not is_signed_in(client)


def test_an_unknown_cookie_signs_in_nobody(institution, archivist):
    assert not is_signed_in(with_cookie("x" * 32))
