"""三员分立 holds: no account of one administrator role can, alone, act as another or give itself or a proxy a
clearance. Each chain of issue #13 (and those the rules in docs/security.md imply) is walked through the real
workspace pages, the API and the console, not only the actions."""

from __future__ import annotations

import re

import pytest
from django.core.exceptions import PermissionDenied
from django.test import Client
from django.urls import reverse

from dangan.catalog.actions.units import do_create_unit
from dangan.cli import main
from dangan.core.actions.accounts import do_create_api_token, do_create_user, do_set_clearance
from dangan.core.actors import CONSOLE
from dangan.core.choices import Role, SecurityClassification
from dangan.core.models import APIToken, AuditEntry, User
from tests.conftest import PASSWORD, _make_user

pytestmark = pytest.mark.django_db

NEW_PASSWORD = "Guizhou-Dangan-2024"
ADMINISTRATOR_ROLES = [Role.SYSTEM_ADMIN, Role.SECURITY_ADMIN, Role.SECURITY_AUDITOR]


def signed_in(username: str, password: str = PASSWORD) -> Client:
    """A client signed in through the real sign-in page."""
    client = Client()
    response = client.post(reverse("core:login"), {"username": username, "password": password})
    assert response.status_code == 302, response.content.decode()[:2000]
    return client


def one_time_password(response) -> str:
    return re.search(r'<code id="one-time-password">([^<]+)</code>', response.content.decode()).group(1)


def change_password(client: Client, current: str, new: str = NEW_PASSWORD) -> None:
    response = client.post(
        reverse("core:password_change"),
        {"current_password": current, "new_password": new, "new_password_again": new},
    )
    assert response.status_code == 302, response.content.decode()[-3000:]


def api(path: str, *, token: str | None = None, client: Client | None = None):
    client = client or Client()
    headers = {"HTTP_AUTHORIZATION": f"Bearer {token}"} if token else {}
    return client.get(f"/api{path}", **headers)


@pytest.fixture
def secret_unit(fonds):
    return do_create_unit(CONSOLE, fonds, {"title": "机密的会议记录", "classification": "confidential"})


def unit_url(unit) -> str:
    return reverse("catalog:unit_detail", args=[unit.uuid])


# ---------------------------------------------------------------- the 三员 are the console's


@pytest.mark.parametrize("role", ADMINISTRATOR_ROLES)
def test_the_system_admin_cannot_create_an_administrator(institution, system_admin, role):
    client = signed_in("sysadmin")
    form = client.get(reverse("core:user_create")).content.decode()
    assert f'value="{role}"' not in form and 'value="archivist"' in form
    response = client.post(reverse("core:user_create"), {"username": "proxy", "full_name": "", "role": role})
    assert response.status_code == 200 and "one-time-password" not in response.content.decode()
    assert not User.objects.filter(username="proxy").exists()
    with pytest.raises(PermissionDenied):  # the action refuses it too, whatever door calls it
        do_create_user(system_admin, "proxy", role)


def test_the_console_creates_the_administrators(institution, capsys):
    assert main(["user", "create", "anquan", "--role", "security_admin", "--full-name", "安全员"]) == 0
    password = capsys.readouterr().out.split("one-time password: ")[1].split()[0]
    user = User.objects.get(username="anquan")
    assert user.role == Role.SECURITY_ADMIN and user.must_change_password
    client = signed_in("anquan", password)
    assert client.get(reverse("core:clearance_list"))["Location"] == reverse("core:password_change")
    assert main(["user", "create", "anquan", "--role", "archivist"]) == 2
    assert "已存在" in capsys.readouterr().err
    assert main(["user", "role", "nobody", "archivist"]) == 2


@pytest.mark.parametrize("target", ["security_admin", "security_auditor", "other_system_admin", "system_admin"])
def test_the_system_admin_cannot_reset_or_deactivate_an_administrator(request, institution, system_admin, target):
    if target == "other_system_admin":
        account = _make_user("sysadmin2", Role.SYSTEM_ADMIN)
    else:
        account = request.getfixturevalue(target)
    client = signed_in("sysadmin")
    assert client.post(reverse("core:user_reset_password", args=[account.pk])).status_code == 403
    assert client.post(reverse("core:user_set_active", args=[account.pk]), {"active": "0"}).status_code == 403
    account.refresh_from_db()
    assert account.check_password(PASSWORD) and not account.must_change_password and account.is_active
    page = client.get(reverse("core:user_detail", args=[account.pk])).content.decode()
    assert "重置为一次性密码" not in page and "停用账号" not in page and "服务器控制台" in page
    assert not AuditEntry.objects.filter(action="core.user.password_reset").exists()


def test_the_system_admin_cannot_change_roles(institution, system_admin, security_auditor, archivist):
    client = signed_in("sysadmin")
    # The workspace offers the business roles only (业务人员, 利用服务人员), never an administrator's.
    page = client.get(reverse("core:user_detail", args=[archivist.pk])).content.decode()
    assert 'value="access_staff"' in page
    assert not any(f'value="{role}"' in page for role in (Role.SECURITY_ADMIN, Role.SECURITY_AUDITOR, Role.READER))
    # An archivist made an administrator: not a role the workspace offers.
    client.post(reverse("core:user_set_role", args=[archivist.pk]), {"role": Role.SECURITY_ADMIN})
    # An administrator made an archivist (to be reset and used): refused outright.
    response = client.post(reverse("core:user_set_role", args=[security_auditor.pk]), {"role": Role.ARCHIVIST})
    assert response.status_code == 403
    archivist.refresh_from_db()
    security_auditor.refresh_from_db()
    assert archivist.role == Role.ARCHIVIST and security_auditor.role == Role.SECURITY_AUDITOR


def test_the_security_admin_manages_no_accounts_or_passwords(institution, security_admin, archivist):
    client = signed_in("secadmin")
    assert client.get(reverse("core:user_create")).status_code == 403
    assert client.post(reverse("core:user_reset_password", args=[archivist.pk])).status_code == 403
    assert client.post(reverse("core:user_set_active", args=[archivist.pk]), {"active": "0"}).status_code == 403
    assert client.post(reverse("core:user_set_role", args=[archivist.pk]), {"role": "archivist"}).status_code == 403
    archivist.refresh_from_db()
    assert archivist.check_password(PASSWORD) and archivist.is_active


def test_the_auditor_does_nothing_but_read_the_log(institution, security_auditor, archivist):
    client = signed_in("auditor")
    prefix = f"u{archivist.pk}"
    for url, data in [
        (reverse("core:user_create"), {"username": "x", "role": "archivist"}),
        (reverse("core:user_reset_password", args=[archivist.pk]), {}),
        (reverse("core:clearance_set", args=[archivist.pk]), {f"{prefix}-clearance": "top_secret"}),
        (reverse("core:signin_lock_list"), {}),
    ]:
        assert client.post(url, data).status_code in (403, 405), url
    archivist.refresh_from_db()
    assert archivist.clearance == SecurityClassification.CONFIDENTIAL and archivist.check_password(PASSWORD)


def test_nobody_changes_their_own_role_or_clearance(institution, system_admin, security_admin):
    client = signed_in("sysadmin")
    response = client.post(reverse("core:user_set_role", args=[system_admin.pk]), {"role": Role.ARCHIVIST})
    assert response.status_code in (302, 403)
    client = signed_in("secadmin")
    prefix = f"u{security_admin.pk}"
    client.post(reverse("core:clearance_set", args=[security_admin.pk]), {f"{prefix}-clearance": "top_secret"})
    system_admin.refresh_from_db()
    security_admin.refresh_from_db()
    assert system_admin.role == Role.SYSTEM_ADMIN and security_admin.clearance == SecurityClassification.PUBLIC


def test_the_api_offers_no_door_to_accounts_roles_or_clearances(client):
    paths = client.get("/api/openapi.json").json()["paths"]
    for path, operations in paths.items():
        assert not re.search(r"user|role|clearance|password|token", path), path
        assert set(operations) <= {"get", "post", "patch", "put", "delete"}


# ---------------------------------------------------------------- a reset suspends the clearance


def test_a_reset_cleared_archivist_cannot_be_read_as_by_the_system_admin(
    institution, system_admin, archivist, secret_unit
):
    """The chain of the issue: reset a cleared archivist's password, sign in with it, read 机密 units as them."""
    archivist_client = signed_in("archivist")
    _, key = do_create_api_token(archivist, "脚本")
    assert archivist_client.get(unit_url(secret_unit)).status_code == 200
    assert api(f"/units/{secret_unit.uuid}", token=key).status_code == 200

    admin = signed_in("sysadmin")
    password = one_time_password(admin.post(reverse("core:user_reset_password", args=[archivist.pk])))
    archivist.refresh_from_db()
    assert archivist.clearance == SecurityClassification.PUBLIC
    assert archivist.clearance_to_confirm == SecurityClassification.CONFIDENTIAL
    entry = AuditEntry.objects.get(action="core.user.password_reset")
    assert entry.username == "sysadmin" and entry.data["tokens_revoked"] == 1

    # The archivist's own session and token ended with the reset.
    assert archivist_client.get(unit_url(secret_unit))["Location"].startswith(reverse("core:login"))
    assert api(f"/units/{secret_unit.uuid}", token=key).status_code == 401
    assert not APIToken.objects.filter(user=archivist).exists()

    # The administrator signs in with the one-time password: nothing but the password page, no API.
    impostor = signed_in("archivist", password)
    assert impostor.get(unit_url(secret_unit))["Location"] == reverse("core:password_change")
    assert impostor.get(reverse("core:token_list"))["Location"] == reverse("core:password_change")
    assert api(f"/units/{secret_unit.uuid}", client=impostor).status_code == 401
    # … and even after setting a password of its choosing, the suspended clearance gives no 机密 unit.
    change_password(impostor, password)
    assert impostor.get(unit_url(secret_unit)).status_code == 404
    key = re.search(
        r'<code id="new-token">([^<]+)</code>',
        impostor.post(reverse("core:token_list"), {"name": "偷看", "expires": ""}).content.decode(),
    ).group(1)
    assert api(f"/units/{secret_unit.uuid}", token=key).status_code == 404


def test_the_security_admin_confirms_a_suspended_clearance_only_after_the_password_change(
    institution, system_admin, security_admin, archivist, secret_unit
):
    password = one_time_password(signed_in("sysadmin").post(reverse("core:user_reset_password", args=[archivist.pk])))
    security = signed_in("secadmin")
    page = security.get(reverse("core:clearance_list")).content.decode()
    assert "确认恢复为“机密”" in page and "一次性密码，本人尚未修改" in page

    response = security.post(reverse("core:clearance_confirm", args=[archivist.pk]), follow=True)
    assert "尚未由本人修改一次性密码" in response.content.decode()
    prefix = f"u{archivist.pk}"
    response = security.post(
        reverse("core:clearance_set", args=[archivist.pk]), {f"{prefix}-clearance": "top_secret"}, follow=True
    )
    assert "尚未由本人修改一次性密码" in response.content.decode()
    archivist.refresh_from_db()
    assert archivist.clearance == SecurityClassification.PUBLIC

    holder = signed_in("archivist", password)
    change_password(holder, password)
    response = security.post(reverse("core:clearance_confirm", args=[archivist.pk]), follow=True)
    assert "已确认 archivist 的涉密等级：机密" in response.content.decode()
    archivist.refresh_from_db()
    assert archivist.clearance == SecurityClassification.CONFIDENTIAL and not archivist.clearance_to_confirm
    assert holder.get(unit_url(secret_unit)).status_code == 200
    assert AuditEntry.objects.filter(action="core.user.clearance_confirm", username="secadmin").exists()


def test_a_new_account_gets_a_clearance_only_after_its_own_password(institution, system_admin, security_admin):
    response = signed_in("sysadmin").post(reverse("core:user_create"), {"username": "wang", "role": "archivist"})
    password = one_time_password(response)
    wang = User.objects.get(username="wang")
    security = signed_in("secadmin")
    prefix = f"u{wang.pk}"
    security.post(reverse("core:clearance_set", args=[wang.pk]), {f"{prefix}-clearance": "secret"})
    wang.refresh_from_db()
    assert wang.clearance == SecurityClassification.PUBLIC
    change_password(signed_in("wang", password), password)
    security.post(reverse("core:clearance_set", args=[wang.pk]), {f"{prefix}-clearance": "secret"})
    wang.refresh_from_db()
    assert wang.clearance == SecurityClassification.SECRET


def test_no_clearance_for_an_administrator(institution, security_admin, system_admin, security_auditor):
    security = signed_in("secadmin")
    page = security.get(reverse("core:clearance_list")).content.decode()
    assert "sysadmin" not in page and "auditor" not in page
    for account in (system_admin, security_auditor):
        prefix = f"u{account.pk}"
        response = security.post(
            reverse("core:clearance_set", args=[account.pk]), {f"{prefix}-clearance": "top_secret"}, follow=True
        )
        assert "涉密等级只适用于业务人员" in response.content.decode()
    security_auditor.refresh_from_db()
    assert security_auditor.clearance == SecurityClassification.PUBLIC
    with pytest.raises(PermissionDenied):
        do_set_clearance(system_admin, system_admin, "top_secret")


# ---------------------------------------------------------------- sessions and tokens end


def test_deactivation_ends_sessions_and_tokens(institution, system_admin, archivist, secret_unit):
    archivist_client = signed_in("archivist")
    _, key = do_create_api_token(archivist, "脚本")
    signed_in("sysadmin").post(reverse("core:user_set_active", args=[archivist.pk]), {"active": "0"})
    assert archivist_client.get(reverse("core:token_list"))["Location"].startswith(reverse("core:login"))
    assert api("/me", token=key).status_code == 401
    assert not APIToken.objects.filter(user=archivist).exists()
    archivist.refresh_from_db()
    assert archivist.session_generation == 1


def test_a_role_change_at_the_console_ends_sessions_tokens_and_clearance(institution, archivist, capsys):
    archivist_client = signed_in("archivist")
    _, key = do_create_api_token(archivist, "脚本")
    assert main(["user", "role", "archivist", "security_auditor"]) == 0
    archivist.refresh_from_db()
    assert archivist.role == Role.SECURITY_AUDITOR and archivist.clearance == SecurityClassification.PUBLIC
    assert archivist_client.get(reverse("core:token_list"))["Location"].startswith(reverse("core:login"))
    assert api("/me", token=key).status_code == 401
    entry = AuditEntry.objects.get(action="core.user.role")
    assert entry.username == "console" and entry.data["before"] == {"role": "archivist", "clearance": "confidential"}


def test_a_console_reset_of_an_administrator(institution, security_admin, capsys):
    assert main(["user", "reset-password", "secadmin"]) == 0
    password = capsys.readouterr().out.split("one-time password: ")[1].split()[0]
    security_admin.refresh_from_db()
    assert security_admin.check_password(password) and security_admin.must_change_password
    assert main(["user", "deactivate", "secadmin"]) == 0
    security_admin.refresh_from_db()
    assert not security_admin.is_active
    assert main(["user", "activate", "secadmin"]) == 0


def test_a_token_waits_for_the_password_change(institution, archivist):
    """Was: a bearer token worked while the account still had a one-time password."""
    _, key = do_create_api_token(archivist, "脚本")
    assert api("/me", token=key).status_code == 200
    User.objects.filter(pk=archivist.pk).update(must_change_password=True)
    response = api("/me", token=key)
    assert response.status_code == 403 and "须先在工作台修改密码" in response.json()["detail"]
    with pytest.raises(PermissionDenied):
        do_create_api_token(User.objects.get(pk=archivist.pk), "另一个")
