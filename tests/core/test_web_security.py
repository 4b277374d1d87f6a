"""What every response carries: a Content-Security-Policy (and templates it does not break), Secure cookies and HSTS
once HTTPS is on, and the settings that turn them on (docs/security.md)."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest
from django.test import Client
from django.urls import reverse

from tests.conftest import PASSWORD

SRC = Path(__file__).resolve().parents[2] / "src" / "dangan"


def csp(response) -> dict[str, str]:
    header = response["Content-Security-Policy"]
    return {part.split()[0]: part.strip() for part in header.split(";")}


# ---------------------------------------------------------------- Content-Security-Policy


@pytest.mark.django_db
def test_every_response_carries_a_content_security_policy(institution, archivist, fonds):
    client = Client()
    client.force_login(archivist)
    for url in (
        reverse("core:login"),
        reverse("catalog:fonds_list"),
        reverse("search:search"),
        "/manage/no-such-page/",
        "/api/me",
        "/api/openapi.json",
        "/static/dangan/css/dangan.css",
    ):
        response = client.get(url)
        policy = csp(response)
        assert "'unsafe-inline'" not in policy["script-src"] and "'unsafe-eval'" not in policy["script-src"], url
        assert "'unsafe-inline'" not in policy["style-src"], url
        assert policy["frame-ancestors"] == "frame-ancestors 'none'" and policy["object-src"] == "object-src 'none'"


@pytest.mark.django_db
def test_inline_script_and_style_carry_the_nonce_of_their_response(institution, archivist, fonds):
    client = Client()
    client.force_login(archivist)
    nonces = []
    for _ in range(2):
        response = client.get(reverse("search:search"))
        nonce = re.search(r"'nonce-([^']+)'", csp(response)["style-src"]).group(1)
        assert f'<style nonce="{nonce}">' in response.content.decode()
        nonces.append(nonce)
    assert nonces[0] != nonces[1]


def test_the_api_docs_live_under_the_same_policy(client):
    """Swagger UI (/api/docs) needs no exception: its scripts are static files and its settings a JSON block
    (tests/e2e/test_csp.py runs it in a browser)."""
    response = client.get("/api/docs")
    assert response.status_code == 200
    assert "'unsafe-inline'" not in response["Content-Security-Policy"]
    scripts = re.findall(r"<script([^>]*)>", response.content.decode())
    assert scripts and all("src=" in attrs or 'type="application/json"' in attrs for attrs in scripts)


TEMPLATE_DIRS = [path for path in SRC.rglob("templates") if path.is_dir()]
INLINE = [
    (
        re.compile(r"<script(?![^>]*\bsrc=)(?![^>]*\bnonce=\"\{\{ csp_nonce \}\}\")(?![^>]*type=\"application/json\")"),
        "inline <script> without the nonce",
    ),
    (re.compile(r"<style(?=[\s>])(?![^>]*\bnonce=\"\{\{ csp_nonce \}\}\")"), "inline <style> without the nonce"),
    (re.compile(r"\sstyle=[\"']"), "a style attribute (use a class, or data-progress for a bar)"),
    (re.compile(r"\son[a-z]+=[\"']", re.IGNORECASE), "an inline event handler (use dangan.js, e.g. data-autosubmit)"),
    (re.compile(r"javascript:", re.IGNORECASE), "a javascript: URL"),
]


def test_no_template_needs_unsafe_inline():
    """The policy allows no inline script, style, style attribute or handler without the response's nonce: every
    template of every app is kept so (a new one that is not fails here, before a browser blocks it)."""
    found = []
    for directory in TEMPLATE_DIRS:
        for path in directory.rglob("*.html"):
            text = path.read_text(encoding="utf-8")
            for pattern, what in INLINE:
                for match in pattern.finditer(text):
                    line = text.count("\n", 0, match.start()) + 1
                    found.append(f"{path.relative_to(SRC)}:{line}: {what}")
    assert len(TEMPLATE_DIRS) >= 5
    assert found == []


# ---------------------------------------------------------------- HTTPS: Secure cookies, HSTS, proxy header


@pytest.mark.django_db
def test_cookies_are_secure_and_hsts_sent_when_https_is_on(settings, institution, archivist):
    # The values settings.py derives when HTTPS is on (checked below in a fresh process).
    settings.SESSION_COOKIE_SECURE = settings.CSRF_COOKIE_SECURE = True
    settings.SECURE_HSTS_SECONDS = 31536000
    settings.SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    client = Client(HTTP_X_FORWARDED_PROTO="https")
    page = client.get(reverse("core:login"))
    assert page["Strict-Transport-Security"] == "max-age=31536000"
    assert page.cookies["csrftoken"]["secure"] and page.cookies["csrftoken"]["httponly"]
    response = client.post(reverse("core:login"), {"username": "archivist", "password": PASSWORD})
    assert response.status_code == 302
    assert response.cookies["sessionid"]["secure"] and response.cookies["sessionid"]["httponly"]


@pytest.mark.django_db
def test_plain_http_on_this_machine_keeps_working(institution, archivist):
    """`make run` serves http on 127.0.0.1: the default settings must not make the cookies Secure there."""
    client = Client()
    response = client.post(reverse("core:login"), {"username": "archivist", "password": PASSWORD})
    assert not response.cookies["sessionid"]["secure"]
    assert "Strict-Transport-Security" not in client.get(reverse("core:login"))


def settings_with(tmp_path: Path, **env: str) -> dict:
    """settings.py read by a fresh interpreter with ``env``: its HTTPS-related values."""
    code = (
        "import json, dangan.settings as s;"
        "print(json.dumps({k: getattr(s, k) for k in ('HTTPS', 'SESSION_COOKIE_SECURE', 'CSRF_COOKIE_SECURE',"
        " 'SECURE_HSTS_SECONDS', 'SECURE_PROXY_SSL_HEADER', 'TRUSTED_PROXIES', 'PASSWORD_MAX_AGE_DAYS',"
        " 'SIGNIN_ACCOUNT_FAILURES', 'SIGNIN_LOCK_SECONDS')}))"
    )
    clean = {k: v for k, v in os.environ.items() if not k.startswith("DANGAN_")}
    result = subprocess.run(
        [sys.executable, "-c", code],
        env={**clean, "DANGAN_HOME": str(tmp_path), **env},
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout)


def test_https_follows_the_hosts_unless_told(tmp_path):
    local = settings_with(tmp_path)
    assert local["HTTPS"] is False and local["SESSION_COOKIE_SECURE"] is False and local["SECURE_HSTS_SECONDS"] == 0
    served = settings_with(tmp_path, DANGAN_ALLOWED_HOSTS="dangan.example.gov.cn")
    assert served["HTTPS"] and served["SESSION_COOKIE_SECURE"] and served["CSRF_COOKIE_SECURE"]
    assert served["SECURE_HSTS_SECONDS"] == 31536000
    intranet = settings_with(tmp_path, DANGAN_ALLOWED_HOSTS="10.1.2.3", DANGAN_HTTPS="false")
    assert intranet["HTTPS"] is False and intranet["SESSION_COOKIE_SECURE"] is False
    forced = settings_with(tmp_path, DANGAN_HTTPS="1", DANGAN_HSTS_SECONDS="600")
    assert forced["CSRF_COOKIE_SECURE"] and forced["SECURE_HSTS_SECONDS"] == 600


def test_security_settings_from_the_environment(tmp_path):
    values = settings_with(
        tmp_path,
        DANGAN_PROXY_SSL_HEADER="X-Forwarded-Proto: https",
        DANGAN_TRUSTED_PROXIES="1",
        DANGAN_PASSWORD_MAX_AGE_DAYS="0",
        DANGAN_SIGNIN_ACCOUNT_FAILURES="3",
        DANGAN_SIGNIN_LOCK_SECONDS="0",
    )
    assert values["SECURE_PROXY_SSL_HEADER"] == ["HTTP_X_FORWARDED_PROTO", "https"]
    assert values["TRUSTED_PROXIES"] == 1 and values["PASSWORD_MAX_AGE_DAYS"] == 0
    assert values["SIGNIN_ACCOUNT_FAILURES"] == 3 and values["SIGNIN_LOCK_SECONDS"] == 0
    assert settings_with(tmp_path)["SECURE_PROXY_SSL_HEADER"] is None
