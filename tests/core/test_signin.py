"""Sign-in failure handling (登录失败处理): locks by account name and by client address, their unlocking, and what a
locked sign-in tells an attacker (nothing about which names exist). Through the real sign-in page."""

from __future__ import annotations

import datetime as dt
import re
import threading

import pytest
from django.db import connection
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from dangan.cli import main
from dangan.core.models import AuditEntry, SignInThrottle
from tests.conftest import PASSWORD

pytestmark = pytest.mark.django_db

LOCKED = "登录失败次数过多，已被锁定"


def attempt(username: str, password: str, address: str = "10.0.0.1", **headers: str):
    return Client(REMOTE_ADDR=address, **headers).post(
        reverse("core:login"), {"username": username, "password": password}
    )


def errors(response) -> str:
    """The form's error summary, as the page shows it."""
    text = response.content.decode()
    return " ".join(re.findall(r'<(?:p|li)[^>]*class="[^"]*error[^"]*"[^>]*>(.*?)</(?:p|li)>', text, re.S)) or text


def test_many_wrong_passwords_lock_the_account(institution, archivist):
    """Was: 200 wrong passwords, then the right one signed in."""
    for _ in range(30):
        assert attempt("archivist", "not-the-password").status_code == 200
    response = attempt("archivist", PASSWORD)
    assert response.status_code == 200 and LOCKED in response.content.decode()
    assert "请 30 分钟后再试，或联系安全保密管理员解锁" in response.content.decode()
    lock = AuditEntry.objects.get(action="core.signin.lock")
    assert lock.username == "system" and lock.data["scope"] == "account" and lock.data["key"] == "archivist"
    assert lock.data["failures"] == 5
    # Only the first five attempts had their password checked; the rest were refused unseen.
    checked = AuditEntry.objects.filter(action="core.user.login_failed").exclude(data__has_key="locked").count()
    assert checked == 5


def test_a_lock_says_nothing_about_whether_the_name_exists(institution, archivist):
    for name in ("archivist", "no-such-person"):
        for _ in range(5):
            attempt(name, "wrong-password")
    real, made_up = attempt("archivist", PASSWORD), attempt("no-such-person", PASSWORD)
    assert LOCKED in real.content.decode()
    mask = r'csrfmiddlewaretoken|value="[^"]*"|"X-CSRFToken": "[^"]*"'
    assert re.sub(mask, "", made_up.content.decode()).replace("no-such-person", "archivist") == re.sub(
        mask, "", real.content.decode()
    )
    # Before the lock too, a wrong password reads the same for a name that exists and one that does not.
    other = attempt("another-made-up", "wrong-password").content.decode()
    assert "请输入一个正确的用户名和密码" in other


def test_a_locked_address_refuses_every_name(settings, institution, archivist, junior_archivist):
    settings.SIGNIN_ADDRESS_FAILURES = 4
    for name in ("a", "b", "c", "d"):
        attempt(name, "guess", address="192.0.2.7")
    assert LOCKED in attempt("archivist", PASSWORD, address="192.0.2.7").content.decode()
    assert attempt("archivist", PASSWORD, address="192.0.2.8").status_code == 302
    lock = AuditEntry.objects.get(action="core.signin.lock")
    assert lock.data["scope"] == "address" and lock.data["key"] == "192.0.2.7"


def test_a_success_starts_the_count_again(institution, archivist):
    for _ in range(4):
        attempt("archivist", "wrong-password")
    assert attempt("archivist", PASSWORD).status_code == 302
    for _ in range(4):
        attempt("archivist", "wrong-password")
    assert attempt("archivist", PASSWORD).status_code == 302


def test_a_lock_runs_out_after_the_delay(institution, archivist):
    for _ in range(5):
        attempt("archivist", "wrong-password")
    assert LOCKED in attempt("archivist", PASSWORD).content.decode()
    SignInThrottle.objects.filter(key="archivist").update(locked_until=timezone.now() - dt.timedelta(seconds=1))
    assert attempt("archivist", PASSWORD).status_code == 302
    unlock = AuditEntry.objects.get(action="core.signin.unlock")
    assert unlock.username == "system" and unlock.data["reason"] == "expired"


def test_the_scheduler_records_expired_locks(institution, archivist):
    from dangan.core.schedule import run_due_jobs

    for _ in range(5):
        attempt("archivist", "wrong-password")
    run_due_jobs()
    assert not AuditEntry.objects.filter(action="core.signin.unlock").exists()
    attempt("made-up-name", "guess")
    run_due_jobs(timezone.now() + dt.timedelta(hours=1))
    assert AuditEntry.objects.get(action="core.signin.unlock").data["reason"] == "expired"
    assert not SignInThrottle.objects.filter(key="made-up-name").exists()  # counts older than the window go


def test_the_security_admin_unlocks(institution, archivist, security_admin, system_admin):
    for _ in range(5):
        attempt("archivist", "wrong-password")
    lock = SignInThrottle.objects.get(key="archivist")
    for other in (system_admin, archivist):
        client = Client()
        client.force_login(other)
        assert client.get(reverse("core:signin_lock_list")).status_code == 403
        assert client.post(reverse("core:signin_unlock", args=[lock.pk])).status_code == 403
    client = Client()
    client.force_login(security_admin)
    page = client.get(reverse("core:signin_lock_list")).content.decode()
    assert "archivist" in page and "登录锁定" in page
    response = client.post(reverse("core:signin_unlock", args=[lock.pk]), follow=True)
    assert "已解除对 archivist 的锁定" in response.content.decode()
    assert attempt("archivist", PASSWORD).status_code == 302
    unlock = AuditEntry.objects.get(action="core.signin.unlock")
    assert unlock.username == "secadmin" and unlock.data["reason"] == "manual"


def test_a_lock_without_a_delay_waits_for_the_security_admin(settings, institution, archivist, capsys):
    settings.SIGNIN_LOCK_SECONDS = 0
    for _ in range(5):
        attempt("archivist", "wrong-password")
    response = attempt("archivist", PASSWORD)
    assert "请联系安全保密管理员解锁" in response.content.decode() and "分钟后再试" not in response.content.decode()
    assert main(["user", "unlock", "archivist"]) == 0
    assert "已解除 1 个锁定" in capsys.readouterr().out
    assert attempt("archivist", PASSWORD).status_code == 302


def test_behind_a_proxy_the_forwarded_address_counts(settings, institution, archivist):
    settings.TRUSTED_PROXIES = 1
    settings.SIGNIN_ADDRESS_FAILURES = 3
    for name in ("a", "b", "c"):
        attempt(name, "guess", address="127.0.0.1", HTTP_X_FORWARDED_FOR="198.51.100.1, 203.0.113.9")
    assert AuditEntry.objects.get(action="core.signin.lock").data["key"] == "203.0.113.9"
    # Another client behind the same proxy is not locked out, and a forged first entry changes nothing.
    ok = attempt("archivist", PASSWORD, address="127.0.0.1", HTTP_X_FORWARDED_FOR="203.0.113.10")
    assert ok.status_code == 302
    forged = attempt("archivist", PASSWORD, address="127.0.0.1", HTTP_X_FORWARDED_FOR="1.1.1.1, 203.0.113.9")
    assert LOCKED in forged.content.decode()
    login = AuditEntry.objects.filter(action="core.user.login").get()
    assert login.data["ip"] == "203.0.113.10"


@pytest.mark.django_db(transaction=True)
def test_concurrent_guesses_get_no_more_than_the_limit(institution, archivist):
    statuses = []

    def guess(n: int) -> None:
        statuses.append(attempt("archivist", f"guess-{n}").status_code)
        connection.close()

    threads = [threading.Thread(target=guess, args=(n,)) for n in range(12)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    checked = AuditEntry.objects.filter(action="core.user.login_failed").exclude(data__has_key="locked").count()
    assert checked <= 5 and len(statuses) == 12
    assert LOCKED in attempt("archivist", PASSWORD).content.decode()
