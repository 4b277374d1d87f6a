"""The reading room desk's side of readers (/manage/access/readers/, READERS only): the list and its filter, a
reader's full data, registration at the desk, verification in person, deactivation, password reset, the copy of a
reader's data and its erasure on request; and the workspace's accounts page, which no longer lists readers."""

from __future__ import annotations

import io
import json

import pytest
from django.test import Client
from django.urls import reverse

from dangan.access.actions.readers import do_erase_reader, is_verified_reader
from dangan.access.models import ReaderProfile, ReaderStatus, UseRecord
from dangan.access.personal_data import register_erasure, register_personal_data
from dangan.core.models import AuditEntry, User
from tests.access.readers_helpers import OWN_PASSWORD, resident_id, self_registered
from tests.helpers import client_for

pytestmark = pytest.mark.django_db


@pytest.fixture
def desk(access_staff):
    return client_for(access_staff)


def test_only_readers_staff_open_the_readers_pages(institution, archivist, system_admin, access_staff):
    profile = self_registered()
    pages = [
        reverse("access:readers"),
        reverse("access:reader_new"),
        reverse("access:reader_detail", args=[profile.uuid]),
        reverse("access:reader_export", args=[profile.uuid]),
        reverse("access:reader_erase", args=[profile.uuid]),
    ]
    for url in pages:
        assert client_for(access_staff).get(url).status_code == 200
        # Archivists review requests (ACCESS_REVIEW) but never read readers' documents and phones.
        assert client_for(archivist).get(url).status_code == 403
        assert client_for(system_admin).get(url).status_code == 403
        assert client_for(profile.user).get(url).status_code == 403
        assert Client().get(url).status_code == 302


def test_the_staff_start_page_offers_the_readers_card_to_readers_staff_only(institution, archivist, access_staff):
    assert reverse("access:readers") in client_for(access_staff).get(reverse("access:home")).content.decode()
    assert reverse("access:readers") not in client_for(archivist).get(reverse("access:home")).content.decode()


def test_the_list_filters_by_name_status_and_whole_document_number(institution, desk):
    number = resident_id()
    wang = self_registered(real_name="王小明", document_number=number)
    self_registered(real_name="李红", phone="13900000009", document_number=resident_id())
    text = desk.get(reverse("access:readers")).content.decode()
    assert "王小明" in text and "李红" in text
    # Numbers are masked in the list: the full ones are on a reader's own page.
    assert number not in text and "138****5678" in text
    assert "李红" not in desk.get(reverse("access:readers"), {"q": "小明"}).content.decode()
    found = desk.get(reverse("access:readers"), {"document": number.lower()}).content.decode()
    assert "王小明" in found and "李红" not in found
    partial = desk.get(reverse("access:readers"), {"document": number[:10]}).content.decode()
    assert "王小明" not in partial
    verified = desk.get(reverse("access:readers"), {"status": "verified"}).content.decode()
    assert "王小明" not in verified
    bad = desk.get(reverse("access:readers"), {"status": "nonsense"})
    assert bad.status_code == 200 and "无效的取值" in bad.content.decode()
    assert wang.status == ReaderStatus.PENDING


def test_the_detail_shows_everything_to_the_desk(institution, desk):
    number = resident_id()
    profile = self_registered(document_number=number)
    response = desk.get(reverse("access:reader_detail", args=[profile.uuid]))
    text = response.content.decode()
    assert number in text and "13812345678" in text and "贵州大学历史学院" in text
    assert "no-store" in response["Cache-Control"]


def test_a_walk_in_reader_is_registered_at_the_desk_with_a_one_time_password(institution, desk, access_staff):
    number = resident_id("19480808")
    response = desk.post(
        reverse("access:reader_new"),
        {
            "real_name": "杨老先生",
            "document_type": "resident_id",
            "document_number": number,
            "phone": "13600000000",
            "verified": "on",
            "consent": "on",
        },
    )
    assert response.status_code == 200 and "no-store" in response["Cache-Control"]
    text = response.content.decode()
    password = text.split('id="one-time-password">')[1].split("<")[0]
    profile = ReaderProfile.objects.get(document_number=number)
    assert profile.user.username == "13600000000" and profile.user.must_change_password
    assert profile.status == ReaderStatus.VERIFIED and profile.verified_by == access_staff
    assert profile.registered_by == access_staff
    assert profile.user.check_password(password)
    entry = AuditEntry.objects.get(action="access.readers.register")
    assert (
        entry.data["by"] == "staff" and number not in json.dumps(entry.data) and password not in json.dumps(entry.data)
    )
    again = desk.post(
        reverse("access:reader_new"),
        {
            "real_name": "杨老先生",
            "document_type": "resident_id",
            "document_number": number,
            "phone": "13600000001",
            "consent": "on",
        },
    )
    assert "该证件已登记过查档账号" in again.content.decode()


def test_verification_at_the_first_visit(institution, desk, access_staff):
    profile = self_registered()
    url = reverse("access:reader_verify", args=[profile.uuid])
    assert desk.get(url).status_code == 405
    unchecked = desk.post(url, {"version": profile.version}, follow=True)
    assert "请当面核对证件原件" in unchecked.content.decode()
    assert ReaderProfile.objects.get(pk=profile.pk).status == ReaderStatus.PENDING
    done = desk.post(url, {"document_checked": "on", "version": profile.version}, follow=True)
    assert "已核验" in done.content.decode()
    profile.refresh_from_db()
    assert profile.status == ReaderStatus.VERIFIED and profile.verified_by == access_staff
    assert is_verified_reader(profile.user) and not is_verified_reader(access_staff)
    assert AuditEntry.objects.filter(action="access.readers.verify").count() == 1
    twice = desk.post(url, {"document_checked": "on", "version": profile.version}, follow=True)
    assert "该查档人已核验" in twice.content.decode()


def test_deactivation_ends_the_readers_session_and_sign_in(institution, desk):
    profile = self_registered()
    reader = Client()
    reader.post(reverse("account:login"), {"username": profile.user.username, "password": OWN_PASSWORD})
    assert reader.get(reverse("account:home")).status_code == 200
    desk.post(reverse("access:reader_deactivate", args=[profile.uuid]), {"reason": "冒用他人证件"})
    profile.refresh_from_db()
    assert profile.status == ReaderStatus.DISABLED and not profile.user.is_active
    assert reader.get(reverse("account:home")).status_code == 302
    other = Client()
    other.post(reverse("account:login"), {"username": profile.user.username, "password": OWN_PASSWORD})
    assert "_auth_user_id" not in other.session
    assert AuditEntry.objects.get(action="access.readers.deactivate").data["reason"] == "冒用他人证件"
    desk.post(reverse("access:reader_reactivate", args=[profile.uuid]))
    profile.refresh_from_db()
    assert profile.status == ReaderStatus.PENDING and profile.user.is_active


def test_a_password_reset_gives_a_one_time_password_once(institution, desk):
    profile = self_registered()
    response = desk.post(reverse("access:reader_reset_password", args=[profile.uuid]))
    password = response.content.decode().split('id="one-time-password">')[1].split("<")[0]
    user = User.objects.get(pk=profile.user.pk)
    assert user.check_password(password) and user.must_change_password
    assert not user.check_password(OWN_PASSWORD)


def test_the_desk_exports_a_readers_data(institution, desk):
    from openpyxl import load_workbook

    number = resident_id()
    profile = self_registered(document_number=number)
    url = reverse("access:reader_export", args=[profile.uuid])
    data = json.loads(desk.post(url, {"format": "json"}).content)
    assert data["account"][0]["document_number"] == number
    book = load_workbook(io.BytesIO(desk.post(url, {"format": "xlsx"}).content))
    assert "account" in book.sheetnames
    entries = AuditEntry.objects.filter(action="access.readers.export")
    assert entries.count() == 2 and {e.username for e in entries} == {"access-staff-public"}


def test_other_parts_add_their_data_and_erasure(institution, desk):
    profile = self_registered()
    erased = []
    register_personal_data("test_part", lambda user: [{"note": f'=HYPERLINK("x") {user.username}'}])
    register_erasure("test_part", lambda user: erased.append(user.pk))
    try:
        from openpyxl import load_workbook

        url = reverse("access:reader_export", args=[profile.uuid])
        book = load_workbook(io.BytesIO(desk.post(url, {"format": "xlsx"}).content))
        # Text that a spreadsheet would run as a formula is written as text.
        assert book["test_part"]["A2"].value.startswith("'=HYPERLINK")
        do_erase_reader(User.objects.get(username="access-staff-public"), profile, reason="本人书面申请")
        assert erased == [profile.user.pk]
    finally:
        from dangan.access import personal_data

        personal_data._collectors.pop("test_part", None)
        personal_data._erasers.pop("test_part", None)


def test_erasure_blanks_the_person_and_keeps_the_register(institution, desk, make_unit):
    from dangan.access.actions.register import record_use
    from dangan.access.choices import UseKind

    number = resident_id()
    profile = self_registered(document_number=number, real_name="周某某")
    unit = make_unit(openness="open")
    record_use(profile.user, kind=UseKind.VIEW, reader=profile.user, unit=unit, purpose="rights")
    url = reverse("access:reader_erase", args=[profile.uuid])
    no_reason = desk.post(url, {"reason": "", "confirm": "on"})
    assert "必填" in no_reason.content.decode() or "请填写原因" in no_reason.content.decode()
    unconfirmed = desk.post(url, {"reason": "本人申请"})
    assert "请勾选确认" in unconfirmed.content.decode()
    assert not ReaderProfile.objects.get(pk=profile.pk).is_erased
    response = desk.post(url, {"reason": "本人书面申请删除（2024-05-01）", "confirm": "on"}, follow=True)
    assert "个人信息已删除" in response.content.decode()
    profile.refresh_from_db()
    user = profile.user
    assert (profile.real_name, profile.document_number, profile.phone, profile.organisation) == ("", "", "", "")
    assert profile.status == ReaderStatus.DISABLED and profile.is_erased
    assert not user.is_active and user.username.startswith("erased-") and not user.has_usable_password()
    assert user.first_name != "周某某"
    record = UseRecord.objects.get(unit=unit)
    assert record.reader is None and record.purpose == "rights"
    entry = AuditEntry.objects.get(action="access.readers.erase")
    assert number not in json.dumps(entry.data, ensure_ascii=False) and entry.data["use_records_kept"] == 1
    assert "周某某" not in json.dumps(entry.data, ensure_ascii=False) and "周某某" not in entry.object_repr
    assert number not in desk.get(reverse("access:reader_detail", args=[profile.uuid])).content.decode()
    # The document may be registered again (a new account), and erasing twice is refused.
    self_registered(document_number=number, phone="13900000010")
    twice = desk.post(url, {"reason": "再次", "confirm": "on"})
    assert "已删除" in twice.content.decode()


def test_the_workspace_accounts_page_neither_lists_nor_manages_readers(institution, system_admin):
    profile = self_registered(username="reader-in-list")
    admin = client_for(system_admin)
    assert "reader-in-list" not in admin.get(reverse("core:user_list")).content.decode()
    assert admin.get(reverse("core:user_detail", args=[profile.user.pk])).status_code == 404
    assert admin.post(reverse("core:user_reset_password", args=[profile.user.pk])).status_code == 404
    assert admin.post(reverse("core:user_set_active", args=[profile.user.pk]), {"active": "0"}).status_code == 404
