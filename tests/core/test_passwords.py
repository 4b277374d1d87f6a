"""The password policy (length, kinds of character, not the username, expiry) and the forced password change page,
which offers nothing to go to until the password is changed. Through the real pages and the API."""

from __future__ import annotations

import datetime as dt

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from dangan.core.actions.accounts import do_create_api_token, do_create_user
from dangan.core.choices import Role
from dangan.core.models import User
from dangan.core.passwords import character_classes
from tests.conftest import PASSWORD

pytestmark = pytest.mark.django_db


def signed_in(username: str, password: str = PASSWORD) -> Client:
    client = Client()
    assert client.post(reverse("core:login"), {"username": username, "password": password}).status_code == 302
    return client


def change(client: Client, current: str, new: str) -> str:
    data = {"current_password": current, "new_password": new, "new_password_again": new}
    response = client.post(reverse("core:password_change"), data)
    return "" if response.status_code == 302 else response.content.decode()


def test_character_classes():
    assert character_classes("abcdefgh") == 1
    assert character_classes("Abcdefg1") == 3
    assert character_classes("档案Abc-1") == 4


def test_the_policy_on_the_password_page(institution, archivist):
    client = signed_in("archivist")
    help_text = client.get(reverse("core:password_change")).content.decode()
    assert "密码须包含大写字母、小写字母、数字、其他符号中的至少 3 类。" in help_text
    assert "至少 3 类" in change(client, PASSWORD, "onlylowercaseletters")
    assert "至少 3 类" in change(client, PASSWORD, "UPPERlowercase")
    assert "密码不能包含用户名" in change(client, PASSWORD, "Archivist@2024")
    assert "密码不能包含用户名" in change(client, PASSWORD, "tsivihcra#2024X")  # backwards
    assert "密码长度太短，至少需要 10 个字符。" in change(client, PASSWORD, "Ab1-x")
    assert change(client, PASSWORD, "Qian-Dang-2024") == ""
    assert User.objects.get(pk=archivist.pk).check_password("Qian-Dang-2024")


@pytest.mark.parametrize("days, forced", [(91, True), (89, False)])
def test_an_old_password_must_be_changed(institution, archivist, days, forced):
    User.objects.filter(pk=archivist.pk).update(password_changed_at=timezone.now() - dt.timedelta(days=days))
    _, key = do_create_api_token(archivist, "脚本")
    client = signed_in("archivist")
    response = client.get(reverse("catalog:fonds_list"))
    api = Client().get("/api/me", HTTP_AUTHORIZATION=f"Bearer {key}")
    if not forced:
        assert response.status_code == 200 and api.status_code == 200
        return
    assert response["Location"] == reverse("core:password_change")
    assert "您的密码已超过 90 天未修改" in client.get(reverse("core:password_change")).content.decode()
    assert api.status_code == 403
    assert change(client, PASSWORD, "Zunyi-1935-Huiyi") == ""
    assert client.get(reverse("catalog:fonds_list")).status_code == 200
    assert Client().get("/api/me", HTTP_AUTHORIZATION=f"Bearer {key}").status_code == 200


def test_expiry_can_be_turned_off(settings, institution, archivist):
    settings.PASSWORD_MAX_AGE_DAYS = 0
    User.objects.filter(pk=archivist.pk).update(password_changed_at=timezone.now() - dt.timedelta(days=3650))
    assert signed_in("archivist").get(reverse("catalog:fonds_list")).status_code == 200


def test_the_forced_change_page_offers_nothing_to_go_to(institution, system_admin):
    """Was: the navigation (and the user menu's links) showed while the one-time password had to be changed."""
    _, password = do_create_user(system_admin, "newcomer", Role.ARCHIVIST)
    client = signed_in("newcomer", password)
    page = client.get(reverse("core:password_change")).content.decode()
    assert "一次性密码" in page
    assert 'class="main-nav"' not in page
    for name in ("core:home", "core:token_list", "catalog:fonds_list", "search:search"):
        assert f'href="{reverse(name)}"' not in page, name
    assert reverse("core:logout") in page  # signing out stays possible

    assert change(client, password, "Xin-Mima-2024") == ""
    page = client.get(reverse("core:password_change")).content.decode()
    assert 'class="main-nav"' in page and f'href="{reverse("core:token_list")}"' in page
