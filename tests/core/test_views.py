"""The core pages as each role sees them: sign-in, forced password change, accounts, clearances, audit log, tokens."""

from __future__ import annotations

import re

import pytest
from django.test import Client
from django.urls import reverse

from dangan.core.actions.accounts import do_create_user
from dangan.core.choices import Role, SecurityClassification
from dangan.core.models import APIToken, AuditEntry, User
from tests.conftest import PASSWORD
from tests.helpers import client_for

pytestmark = pytest.mark.django_db


# ---------------------------------------------------------------- sign-in, sign-out, forced password change


def test_anonymous_users_are_sent_to_the_login_page(institution):
    for name in ("core:user_list", "core:clearance_list", "core:audit_list", "core:token_list", "core:password_change"):
        response = Client().get(reverse(name))
        assert response.status_code == 302, name
        assert response["Location"].startswith(reverse("core:login") + "?next=")


def test_login_page_is_chinese_and_labelled(institution):
    response = Client().get(reverse("core:login"))
    content = response.content.decode()
    assert response.status_code == 200
    assert '<html lang="zh-Hans">' in content
    assert '<label for="id_username">用户名' in content
    assert '<label for="id_password">密码' in content
    assert "贵州省档案馆" in content


def test_login_and_logout_are_audit_logged(institution, archivist):
    client = Client()
    response = client.post(reverse("core:login"), {"username": "archivist", "password": PASSWORD})
    assert response.status_code == 302
    assert response["Location"] == reverse("core:home")
    assert client.get(reverse("core:home"))["Location"] == reverse("catalog:fonds_list")
    login = AuditEntry.objects.filter(action="core.user.login").get()
    assert login.username == "archivist"

    response = client.post(reverse("core:logout"))
    assert response.status_code == 302
    assert AuditEntry.objects.filter(action="core.user.logout", username="archivist").exists()
    assert client.get(reverse("core:token_list")).status_code == 302  # signed out


def test_a_failed_login_shows_a_chinese_error_and_is_logged(institution, archivist):
    response = Client().post(reverse("core:login"), {"username": "archivist", "password": "wrong-password"})
    assert response.status_code == 200
    assert "请输入一个正确的" in response.content.decode()
    entry = AuditEntry.objects.get(action="core.user.login_failed")
    assert entry.username == "archivist"
    assert entry.data["username"] == "archivist"


def test_logout_needs_post(institution, archivist):
    assert client_for(archivist).get(reverse("core:logout")).status_code == 405


def test_each_role_lands_on_a_page_it_may_open(institution, archivist, system_admin, security_admin, security_auditor):
    expected = {
        archivist: "catalog:fonds_list",
        system_admin: "catalog:fonds_list",
        security_admin: "core:clearance_list",
        security_auditor: "core:audit_list",
    }
    for user, name in expected.items():
        client = client_for(user)
        response = client.get(reverse("core:home"))
        assert response["Location"] == reverse(name), user.username
        assert client.get(response["Location"]).status_code == 200


def test_a_one_time_password_forces_a_change_first(institution, system_admin):
    user, password = do_create_user(system_admin, "newcomer", Role.ARCHIVIST)
    client = Client()
    assert client.post(reverse("core:login"), {"username": "newcomer", "password": password}).status_code == 302
    response = client.get(reverse("catalog:fonds_list"))
    assert response["Location"] == reverse("core:password_change")
    page = client.get(reverse("core:password_change")).content.decode()
    assert "一次性密码" in page

    # Mismatched and too-short passwords are refused in Chinese.
    response = client.post(
        reverse("core:password_change"),
        {"current_password": password, "new_password": "short", "new_password_again": "short"},
    )
    assert "密码长度太短" in response.content.decode()
    response = client.post(
        reverse("core:password_change"),
        {"current_password": "not-it", "new_password": "a-long-new-pass-1", "new_password_again": "a-long-new-pass-2"},
    )
    text = response.content.decode()
    assert "当前密码不正确" in text and "两次输入的新密码不一致" in text

    response = client.post(
        reverse("core:password_change"),
        {"current_password": password, "new_password": "Gz-archives-2024", "new_password_again": "Gz-archives-2024"},
    )
    assert response.status_code == 302
    user.refresh_from_db()
    assert not user.must_change_password
    assert client.get(reverse("catalog:fonds_list")).status_code == 200  # still signed in
    assert AuditEntry.objects.filter(action="core.user.password_change", username="newcomer").exists()


# ---------------------------------------------------------------- accounts (系统管理员)


def test_system_admin_creates_an_account_and_sees_its_password_once(institution, system_admin):
    client = client_for(system_admin)
    assert client.get(reverse("core:user_list")).status_code == 200
    response = client.post(
        reverse("core:user_create"), {"username": "wang", "full_name": "王芳", "email": "", "role": Role.ARCHIVIST}
    )
    assert response.status_code == 200
    assert "no-store" in response["Cache-Control"]
    password = re.search(r'<code id="one-time-password">([^<]+)</code>', response.content.decode()).group(1)
    assert User.objects.get(username="wang").check_password(password)
    detail = client.get(reverse("core:user_detail", args=[User.objects.get(username="wang").pk])).content.decode()
    assert password not in detail

    response = client.post(reverse("core:user_create"), {"username": "wang", "role": Role.ARCHIVIST})
    assert "用户名“wang”已存在" in response.content.decode()
    response = client.post(reverse("core:user_create"), {"username": "", "role": Role.ARCHIVIST})
    assert "这个字段是必填项" in response.content.decode()


def test_system_admin_deactivates_and_resets_an_archivist(institution, system_admin, archivist):
    # Was: the system administrator also made the archivist a 安全审计员 here; roles are now the console's
    # (tests/core/test_separation.py covers that refusal).
    client = client_for(system_admin)
    client.post(reverse("core:user_set_active", args=[archivist.pk]), {"active": "0"})
    archivist.refresh_from_db()
    assert not archivist.is_active

    response = client.post(reverse("core:user_reset_password", args=[archivist.pk]))
    password = re.search(r'<code id="one-time-password">([^<]+)</code>', response.content.decode()).group(1)
    archivist.refresh_from_db()
    assert archivist.check_password(password) and archivist.must_change_password


def test_system_admin_cannot_change_its_own_role(institution, system_admin):
    client = client_for(system_admin)
    response = client.post(reverse("core:user_set_role", args=[system_admin.pk]), {"role": Role.ARCHIVIST}, follow=True)
    assert "不能修改自己的角色" in response.content.decode()
    system_admin.refresh_from_db()
    assert system_admin.role == Role.SYSTEM_ADMIN


@pytest.mark.parametrize("fixture", ["archivist", "security_admin", "security_auditor"])
def test_only_the_system_admin_manages_accounts(request, institution, fixture):
    client = client_for(request.getfixturevalue(fixture))
    assert client.get(reverse("core:user_list")).status_code == 403
    assert client.get(reverse("core:user_create")).status_code == 403
    assert client.post(reverse("core:user_create"), {"username": "x", "role": Role.ARCHIVIST}).status_code == 403
    assert not User.objects.filter(username="x").exists()


def test_the_403_page_is_chinese(institution, archivist):
    response = client_for(archivist).get(reverse("core:user_list"))
    assert response.status_code == 403
    assert "没有权限" in response.content.decode()


# ---------------------------------------------------------------- clearances (安全保密管理员)


def test_security_admin_sets_a_clearance(institution, security_admin, junior_archivist):
    client = client_for(security_admin)
    page = client.get(reverse("core:clearance_list")).content.decode()
    assert "junior" in page
    prefix = f"u{junior_archivist.pk}"
    response = client.post(
        reverse("core:clearance_set", args=[junior_archivist.pk]),
        {f"{prefix}-clearance": SecurityClassification.SECRET},
    )
    assert response.status_code == 302
    junior_archivist.refresh_from_db()
    assert junior_archivist.clearance == SecurityClassification.SECRET
    assert AuditEntry.objects.filter(action="core.user.clearance").exists()


def test_security_admin_cannot_see_the_catalog_accounts_or_audit(institution, fonds, security_admin):
    client = client_for(security_admin)
    for name, args in [
        ("catalog:fonds_list", []),
        ("catalog:fonds_detail", [fonds.code]),
        ("catalog:import_list", []),
        ("core:user_list", []),
        ("core:audit_list", []),
    ]:
        assert client.get(reverse(name, args=args)).status_code == 403, name


@pytest.mark.parametrize("fixture", ["archivist", "system_admin", "security_auditor"])
def test_only_the_security_admin_sets_clearances(request, institution, fixture, junior_archivist):
    client = client_for(request.getfixturevalue(fixture))
    assert client.get(reverse("core:clearance_list")).status_code == 403
    prefix = f"u{junior_archivist.pk}"
    client.post(reverse("core:clearance_set", args=[junior_archivist.pk]), {f"{prefix}-clearance": "top_secret"})
    junior_archivist.refresh_from_db()
    assert junior_archivist.clearance == SecurityClassification.PUBLIC


# ---------------------------------------------------------------- audit log (安全审计员)


def test_the_auditor_reads_and_filters_the_audit_log(institution, system_admin, security_auditor):
    do_create_user(system_admin, "zhang", Role.ARCHIVIST)
    client = client_for(security_auditor)
    response = client.get(reverse("core:audit_list"))
    text = response.content.decode()
    assert response.status_code == 200
    assert "创建账号" in text  # the registered label, not the key
    assert "zhang" in text

    only_creates = client.get(reverse("core:audit_list"), {"action": "core.user.create"}).content.decode()
    assert "zhang" in only_creates and "创建机构" not in only_creates.split("<tbody>", 1)[1]
    nobody = client.get(reverse("core:audit_list"), {"user": "nobody-like-this"}).content.decode()
    assert "没有符合条件的审计记录" in nobody
    bad = client.get(reverse("core:audit_list"), {"date_from": "not-a-date"})
    assert bad.status_code == 200 and "输入一个有效的日期" in bad.content.decode()

    chain = client.get(reverse("core:audit_verify")).content.decode()
    assert "审计链完整" in chain


def test_a_tampered_audit_log_is_reported(institution, system_admin, security_auditor):
    do_create_user(system_admin, "li", Role.ARCHIVIST)
    AuditEntry.objects.filter(action="core.user.create").update(object_repr="someone else")
    chain = client_for(security_auditor).get(reverse("core:audit_verify")).content.decode()
    assert "审计链被破坏" in chain


def test_the_auditor_sees_nothing_else(institution, fonds, security_auditor):
    client = client_for(security_auditor)
    for name, args in [
        ("catalog:fonds_list", []),
        ("catalog:fonds_detail", [fonds.code]),
        ("catalog:authority_list", []),
        ("catalog:import_list", []),
        ("core:user_list", []),
        ("core:clearance_list", []),
    ]:
        assert client.get(reverse(name, args=args)).status_code == 403, name
    nav = client.get(reverse("core:audit_list")).content.decode()
    assert "全宗与档案" not in nav and "审计日志" in nav


@pytest.mark.parametrize("fixture", ["archivist", "system_admin", "security_admin"])
def test_only_the_auditor_reads_the_audit_log(request, institution, fixture):
    client = client_for(request.getfixturevalue(fixture))
    assert client.get(reverse("core:audit_list")).status_code == 403
    assert client.get(reverse("core:audit_verify")).status_code == 403


# ---------------------------------------------------------------- own API tokens


def test_a_user_creates_and_revokes_own_tokens(institution, archivist, junior_archivist):
    client = client_for(archivist)
    response = client.post(reverse("core:token_list"), {"name": "数据交换脚本", "expires": ""})
    key = re.search(r'<code id="new-token">([^<]+)</code>', response.content.decode()).group(1)
    token = APIToken.objects.get(user=archivist)
    assert token.key_hash == APIToken.hash_key(key)
    listing = client.get(reverse("core:token_list")).content.decode()
    assert "数据交换脚本" in listing and key not in listing

    # Someone else's token is not found, let alone revoked.
    assert client_for(junior_archivist).post(reverse("core:token_revoke", args=[token.pk])).status_code == 404
    assert client.post(reverse("core:token_revoke", args=[token.pk])).status_code == 302
    assert not APIToken.objects.exists()

    response = client.post(reverse("core:token_list"), {"name": "  "})
    assert "这个字段是必填项" in response.content.decode()


# ---------------------------------------------------------------- language


def test_the_interface_switches_to_english(institution, security_auditor):
    client = client_for(security_auditor)
    assert "审计日志" in client.get(reverse("core:audit_list")).content.decode()
    response = client.post(reverse("set_language"), {"language": "en", "next": reverse("core:audit_list")})
    assert response.status_code == 302
    text = client.get(reverse("core:audit_list")).content.decode()
    assert '<html lang="en">' in text
    assert "Audit log" in text
    assert "审计日志" not in text


def test_the_error_pages_are_chinese(institution, archivist):
    from django.template.loader import render_to_string

    assert "服务器内部错误" in render_to_string("500.html")  # rendered without a request or context
    response = client_for(archivist).get("/manage/no-such-page/")
    assert response.status_code == 404 and "页面不存在" in response.content.decode()


def test_chinese_is_the_default_whatever_the_browser_prefers(client):
    response = client.get("/manage/login/", HTTP_ACCEPT_LANGUAGE="en-US,en;q=0.9")
    assert "登录" in response.content.decode()
    client.post("/i18n/setlang/", {"language": "en", "next": "/manage/login/"})
    english = client.get("/manage/login/", HTTP_ACCEPT_LANGUAGE="en-US").content.decode()
    assert "登录" not in english and "Sign in" in english
