"""Readers' own side (/account/): registration, sign-in and sign-out, the dashboard, the own profile and password,
the one-time password of an account made at the desk, and the copy of one's own data."""

from __future__ import annotations

import io
import json

import pytest
from django.test import Client
from django.urls import reverse

from dangan.access.actions.readers import do_register_walk_in
from dangan.access.models import ReaderProfile, ReaderStatus
from dangan.core.choices import Role
from dangan.core.models import AuditEntry, User
from tests.access.readers_helpers import OWN_PASSWORD, registration, resident_id, self_registered
from tests.helpers import PASSWORD, client_for

pytestmark = pytest.mark.django_db


def test_a_member_of_the_public_registers_and_is_signed_in(institution):
    client = Client()
    page = client.get(reverse("account:register"))
    assert page.status_code == 200
    text = page.content.decode()
    assert "个人信息告知" in text and 'name="document_number"' in text
    number = resident_id()
    response = client.post(reverse("account:register"), registration(document_number=number), follow=True)
    assert response.redirect_chain[-1][0] == reverse("account:home")
    text = response.content.decode()
    assert "注册成功" in text and "待核验" in text and "有效身份证件原件" in text
    profile = ReaderProfile.objects.get(document_number=number)
    user = profile.user
    assert user.role == Role.READER and user.username == "13812345678" and user.first_name == "王小明"
    assert not user.must_change_password and profile.status == ReaderStatus.PENDING
    assert profile.registered_by is None and profile.consented_at is not None
    entry = AuditEntry.objects.get(action="access.readers.register")
    assert entry.username == user.username and entry.data["by"] == "self"
    # The audit log never holds the document or the phone in clear.
    assert number not in json.dumps(entry.data) and number[:4] + "**********" + number[-4:] in json.dumps(entry.data)
    assert "13812345678" not in json.dumps(entry.data)


@pytest.mark.parametrize(
    ("overrides", "field_message"),
    [
        ({"document_number": "520102199001011235"}, "校验位不正确"),
        ({"phone": "1381234"}, "11 位手机号码"),
        ({"real_name": ""}, "必填"),
        ({"consent": ""}, "请阅读并同意个人信息告知"),
        ({"password": "abc", "password_again": "abc"}, "密码"),
        ({"password_again": "Another-Password-1"}, "两次输入的密码不一致"),
    ],
)
def test_bad_registrations_are_refused_in_the_page(institution, overrides, field_message):
    response = Client().post(reverse("account:register"), registration(**overrides))
    assert response.status_code == 200
    assert field_message in response.content.decode()
    assert not User.objects.filter(role=Role.READER).exists()


def test_a_duplicate_document_is_refused_without_naming_the_other_account(institution):
    number = resident_id()
    self_registered(document_number=number, real_name="赵一", phone="13900000001", organisation="某某研究所")
    response = Client().post(
        reverse("account:register"), registration(document_number=number, phone="13900000002", username="another")
    )
    text = response.content.decode()
    assert response.status_code == 200 and "该证件已登记过查档账号" in text
    for secret in ("赵一", "13900000001", "某某研究所"):
        assert secret not in text
    assert ReaderProfile.objects.count() == 1


def test_a_chosen_username_and_a_taken_one(institution, archivist):
    self_registered(username="wang-reader")
    assert User.objects.get(username="wang-reader").role == Role.READER
    response = Client().post(reverse("account:register"), registration(username="ARCHIVIST", phone="13900000003"))
    assert "已被使用" in response.content.decode()


def test_a_reader_signs_in_on_the_readers_page_and_out_again(institution):
    profile = self_registered()
    client = Client()
    response = client.post(
        reverse("account:login"), {"username": profile.user.username, "password": OWN_PASSWORD}, follow=True
    )
    assert response.redirect_chain[-1][0] == reverse("account:home")
    assert AuditEntry.objects.filter(action="core.user.login", username=profile.user.username).exists()
    assert client.get(reverse("account:logout")).status_code == 405
    assert client.post(reverse("account:logout"))["Location"] == "/"
    assert client.get(reverse("account:home")).status_code == 302


def test_staff_are_refused_on_the_readers_sign_in(institution, archivist):
    client = Client()
    response = client.post(reverse("account:login"), {"username": archivist.username, "password": PASSWORD})
    assert response.status_code == 200 and "仅供查档人登录" in response.content.decode()
    assert "_auth_user_id" not in client.session


def test_readers_are_sent_from_the_staff_sign_in_to_theirs(institution):
    profile = self_registered()
    client = Client()
    response = client.post(
        reverse("core:login"), {"username": profile.user.username, "password": OWN_PASSWORD}, follow=True
    )
    assert response.redirect_chain[-1][0] == reverse("account:login")
    assert "查档人请从查档服务的登录页面登录" in response.content.decode()
    assert "_auth_user_id" not in client.session


def test_wrong_passwords_lock_the_readers_sign_in_too(institution):
    profile = self_registered()
    client = Client(REMOTE_ADDR="10.9.9.9")
    for _ in range(6):
        client.post(reverse("account:login"), {"username": profile.user.username, "password": "wrong"})
    response = client.post(reverse("account:login"), {"username": profile.user.username, "password": OWN_PASSWORD})
    assert "登录失败次数过多" in response.content.decode()
    assert "_auth_user_id" not in client.session


def test_the_readers_pages_send_anonymous_visitors_to_sign_in_and_refuse_staff(institution, archivist):
    for name in ("account:home", "account:profile", "account:password", "account:data_export"):
        response = Client().get(reverse(name))
        assert response.status_code == 302 and response["Location"].startswith(reverse("account:login"))
        assert client_for(archivist).get(reverse(name)).status_code == 403


def test_the_dashboard_shows_the_status_and_the_menu(institution):
    profile = self_registered()
    text = client_for(profile.user).get(reverse("account:home")).content.decode()
    assert "待核验" in text
    for name in ("account:profile", "account:data_export"):
        assert reverse(name) in text


def test_a_reader_changes_phone_and_organisation_and_sees_the_document_masked(institution):
    number = resident_id()
    profile = self_registered(document_number=number)
    client = client_for(profile.user)
    text = client.get(reverse("account:profile")).content.decode()
    assert number not in text and number[:4] + "**********" + number[-4:] in text
    response = client.post(
        reverse("account:profile"),
        {"phone": "13987654321", "organisation": "黔东南州档案馆", "version": profile.version},
        follow=True,
    )
    assert "个人信息已保存" in response.content.decode()
    profile.refresh_from_db()
    assert (profile.phone, profile.organisation, profile.version) == ("13987654321", "黔东南州档案馆", 2)
    entry = AuditEntry.objects.get(action="access.readers.update")
    assert entry.data["after"]["phone"] == "139****4321"
    # A stale form (the version read before) is refused, and nothing is lost.
    stale = client.post(reverse("account:profile"), {"phone": "13811112222", "organisation": "", "version": 1})
    assert "已被他人修改" in stale.content.decode()
    assert ReaderProfile.objects.get(pk=profile.pk).phone == "13987654321"
    wrong = client.post(reverse("account:profile"), {"phone": "123", "organisation": "", "version": 2})
    assert "11 位手机号码" in wrong.content.decode()


def test_a_walk_in_reader_must_change_the_one_time_password_first(institution, access_staff):
    _profile, password = do_register_walk_in(
        access_staff,
        username="walkin",
        real_name="陈大妈",
        document_type="resident_id",
        document_number=resident_id("19550505"),
        phone="13700000000",
    )
    client = Client()
    client.post(reverse("account:login"), {"username": "walkin", "password": password})
    for name in ("account:home", "account:profile", "account:data_export"):
        response = client.get(reverse(name))
        assert response.status_code == 302 and response["Location"] == reverse("account:password")
    page = client.get(reverse("account:password"))
    assert "一次性密码" in page.content.decode()
    response = client.post(
        reverse("account:password"),
        {"current_password": password, "new_password": OWN_PASSWORD, "new_password_again": OWN_PASSWORD},
        follow=True,
    )
    assert response.redirect_chain[-1][0] == reverse("account:home") and "密码已修改" in response.content.decode()
    assert client.get(reverse("account:profile")).status_code == 200


def test_a_reader_downloads_their_own_data(institution, make_unit):
    from openpyxl import load_workbook

    from dangan.access.actions.register import record_use
    from dangan.access.choices import UseKind

    number = resident_id()
    profile = self_registered(document_number=number)
    unit = make_unit("关于查档人数据导出的通知", openness="open")
    record_use(profile.user, kind=UseKind.VIEW, reader=profile.user, unit=unit, purpose="research")
    client = client_for(profile.user)
    assert client.get(reverse("account:data_export")).status_code == 200
    response = client.post(reverse("account:data_export"), {"format": "json"})
    assert response["Content-Disposition"].startswith("attachment;") and "no-store" in response["Cache-Control"]
    data = json.loads(response.content)
    assert data["account"][0]["document_number"] == number
    assert data["use_records"][0]["unit_title"] == "关于查档人数据导出的通知"
    xlsx = client.post(reverse("account:data_export"), {"format": "xlsx"})
    book = load_workbook(io.BytesIO(xlsx.content))
    assert {"account", "visits", "use_records"} <= set(book.sheetnames)
    assert number in [c.value for c in book["account"][2]]
    assert AuditEntry.objects.filter(action="access.readers.export").count() == 2
    bad = client.post(reverse("account:data_export"), {"format": "pdf"})
    assert bad.status_code == 200 and "请选择导出格式" in bad.content.decode()
