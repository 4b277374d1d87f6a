"""The utilization register (利用登记) as staff use it: the page, its filters and paging, a hidden unit's entry,
and an entry added by hand (电话咨询)."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse
from django.utils import timezone

from dangan.access.actions.register import do_add_use_record, record_use
from dangan.access.choices import Channel, Purpose, UseKind
from dangan.access.models import UseRecord
from dangan.core.actors import CONSOLE
from dangan.core.choices import Role, SecurityClassification
from dangan.core.models import AuditEntry
from tests.helpers import client_for

pytestmark = pytest.mark.django_db

URL = "/manage/access/register/"
ADD_URL = "/manage/access/register/new/"


def test_routes_are_where_the_contract_says() -> None:
    assert reverse("access:register") == URL
    assert reverse("access:register_add") == ADD_URL
    assert reverse("access:statistics") == "/manage/access/statistics/"
    assert reverse("access:statistics_export") == "/manage/access/statistics/export/"


def test_the_desk_reads_the_register_with_reader_unit_purpose_and_staff(
    access_staff: Any, reader: Any, make_unit: Any
) -> None:
    unit = make_unit("关于开展扶贫档案利用的通知", openness="controlled")
    record_use(access_staff, kind=UseKind.VIEW, reader=reader, unit=unit, purpose=Purpose.RESEARCH)
    access_staff.first_name = "王五"
    access_staff.save(update_fields=["first_name"])

    response = client_for(access_staff).get(URL)

    assert response.status_code == 200
    page = response.content.decode()
    assert "张三" in page
    assert unit.reference_code in page and "关于开展扶贫档案利用的通知" in page
    assert "学术研究" in page and "查阅" in page and "王五" in page


def test_a_reader_s_personal_data_beyond_the_name_is_not_shown(access_staff: Any, reader: Any) -> None:
    reader.email = "zhangsan@example.cn"
    reader.save(update_fields=["email"])
    record_use(access_staff, kind=UseKind.VISIT, reader=reader, purpose=Purpose.RIGHTS)

    page = client_for(access_staff).get(URL).content.decode()

    assert "张三" in page
    assert "zhangsan@example.cn" not in page and reader.username not in page


def test_an_entry_of_a_unit_the_viewer_may_not_see_names_no_title_and_no_code(
    access_staff: Any, archivist: Any, reader: Any, make_unit: Any
) -> None:
    secret = make_unit("关于某专项资金的秘密报告", classification=SecurityClassification.SECRET)
    record_use(CONSOLE, kind=UseKind.VIEW, reader=reader, unit=secret, purpose=Purpose.WORK, note="调阅专项资金报告")

    desk = client_for(access_staff).get(URL).content.decode()
    assert "（无权查看）" in desk
    assert "秘密报告" not in desk and secret.reference_code not in desk and str(secret.uuid) not in desk
    assert "工作查考" in desk  # the entry itself is there
    assert "调阅专项资金报告" not in desk  # a note may say what the unit is about

    cleared = client_for(archivist).get(URL).content.decode()
    assert "关于某专项资金的秘密报告" in cleared and "调阅专项资金报告" in cleared and "（无权查看）" not in cleared


def test_the_register_filters_by_date_kind_channel_purpose_and_fonds(
    access_staff: Any, reader: Any, make_unit: Any
) -> None:
    unit = make_unit("查阅的档案")
    now = timezone.now()
    record_use(access_staff, kind=UseKind.VISIT, reader=reader, purpose=Purpose.HISTORY, note="甲-到馆")
    record_use(
        access_staff, kind=UseKind.COPY, reader=reader, unit=unit, pages=4, note="乙-复制", channel=Channel.ONLINE
    )
    record_use(access_staff, kind=UseKind.VIEW, unit=unit, note="丙-去年", at=now - dt.timedelta(days=400))
    client = client_for(access_staff)

    def notes(**params: str) -> set[str]:
        page = client.get(URL, params).content.decode()
        return {n for n in ("甲-到馆", "乙-复制", "丙-去年") if n in page}

    assert notes() == {"甲-到馆", "乙-复制", "丙-去年"}
    assert notes(kind="visit") == {"甲-到馆"}
    assert notes(channel="online") == {"乙-复制"}
    assert notes(purpose="history") == {"甲-到馆"}
    assert notes(fonds="Z109") == {"乙-复制", "丙-去年"}
    assert notes(start=(now - dt.timedelta(days=30)).date().isoformat()) == {"甲-到馆", "乙-复制"}
    assert notes(end=(now - dt.timedelta(days=30)).date().isoformat()) == {"丙-去年"}


def test_a_wrong_filter_value_is_a_chinese_message_not_an_error(access_staff: Any) -> None:
    response = client_for(access_staff).get(URL, {"kind": "telepathy", "start": "昨天"})

    assert response.status_code == 400
    page = response.content.decode()
    assert "筛选条件有误" in page and "无效的取值：telepathy" in page and "请输入一个有效的日期" in page


def test_the_register_is_paged(access_staff: Any) -> None:
    for n in range(55):
        record_use(access_staff, kind=UseKind.VISIT, note=f"第{n:02d}条")
    client = client_for(access_staff)

    first = client.get(URL).content.decode()
    second = client.get(URL, {"page": 2}).content.decode()

    assert "第54条" in first and "第00条" not in first
    assert "第00条" in second and "第54条" not in second
    assert "共 55 条" in first


@pytest.mark.parametrize("role", [Role.ACCESS_STAFF, Role.ARCHIVIST])
def test_both_reviewers_and_the_desk_may_read_it(role: str) -> None:
    assert client_for(role).get(URL).status_code == 200
    assert client_for(role).get("/manage/access/statistics/").status_code == 200


@pytest.mark.parametrize("role", [Role.SYSTEM_ADMIN, Role.SECURITY_ADMIN, Role.SECURITY_AUDITOR, Role.READER])
def test_no_one_else_may(role: str) -> None:
    for url in (URL, ADD_URL, "/manage/access/statistics/", "/manage/access/statistics/export/"):
        assert client_for(role).get(url).status_code == 403, url


def test_anonymous_visitors_are_sent_to_sign_in() -> None:
    response = client_for(None).get(URL)
    assert response.status_code == 302 and "login" in response["Location"]


def test_the_staff_start_page_links_to_the_register_and_the_statistics(access_staff: Any) -> None:
    page = client_for(access_staff).get("/manage/access/").content.decode()
    assert URL in page and "/manage/access/statistics/" in page


# ---------------------------------------------------------------- an entry added by hand


def test_staff_register_a_telephone_inquiry(access_staff: Any, reader: Any) -> None:
    client = client_for(access_staff)
    assert client.get(ADD_URL).status_code == 200

    response = client.post(
        ADD_URL,
        {
            "kind": "request",
            "channel": "online",
            "purpose": "rights",
            "reader": "reader-zhang",
            "note": "电话咨询：查询知青档案",
            "pages": "0",
        },
    )

    assert response.status_code == 302 and response["Location"] == URL
    entry = UseRecord.objects.get()
    assert (entry.kind, entry.channel, entry.purpose, entry.source) == ("request", "online", "rights", "manual")
    assert entry.reader == reader and entry.staff == access_staff and entry.unit is None
    assert entry.note == "电话咨询：查询知青档案"
    assert AuditEntry.objects.filter(action="access.use.request", username=access_staff.username).exists()
    assert "电话咨询：查询知青档案" in client.get(URL).content.decode()


def test_a_hand_made_copy_names_a_unit_by_its_code_and_counts_its_pages(access_staff: Any, make_unit: Any) -> None:
    unit = make_unit("复制的档案")
    response = client_for(access_staff).post(
        ADD_URL,
        {
            "kind": "copy",
            "channel": "reading_room",
            "unit": unit.reference_code,
            "pages": "12",
            "at": "2026-03-05T10:30",
        },
    )

    assert response.status_code == 302
    entry = UseRecord.objects.get()
    assert entry.unit == unit and entry.fonds == unit.fonds and entry.pages == 12
    assert timezone.localtime(entry.at).strftime("%Y-%m-%d %H:%M") == "2026-03-05 10:30"


def test_a_hidden_unit_s_code_is_refused_like_a_missing_one(access_staff: Any, make_unit: Any) -> None:
    secret = make_unit("秘密的档案", classification=SecurityClassification.SECRET)
    client = client_for(access_staff)

    hidden = client.post(ADD_URL, {"kind": "view", "channel": "reading_room", "unit": secret.reference_code})
    missing = client.post(ADD_URL, {"kind": "view", "channel": "reading_room", "unit": "Z109-WS·2011-Y-BGS-9999"})

    assert hidden.status_code == missing.status_code == 400
    assert "没有这个档号（或您无权查看）" in hidden.content.decode()
    assert "秘密的档案" not in hidden.content.decode()
    assert not UseRecord.objects.exists()


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"kind": "view", "channel": "reading_room"}, "查阅和复制须填写档号"),
        ({"kind": "visit", "channel": "reading_room", "reader": "nobody"}, "没有这个查档人账号"),
        ({"kind": "visit", "channel": "reading_room", "pages": "3"}, "只有复制才登记页数"),
        ({"kind": "visit", "channel": "reading_room", "at": "2999-01-01T00:00"}, "利用时间不能晚于现在"),
        ({"kind": "visit", "channel": "by-pigeon"}, "不在可选范围内"),
        ({"kind": "copy", "channel": "reading_room", "pages": "-1"}, 'id="id_pages_error"'),
    ],
)
def test_bad_entries_get_a_chinese_message_and_store_nothing(
    access_staff: Any, data: dict[str, str], message: str
) -> None:
    response = client_for(access_staff).post(ADD_URL, data)

    assert response.status_code == 400
    assert message in response.content.decode()
    assert not UseRecord.objects.exists()


def test_a_staff_account_is_not_a_reader(access_staff: Any, archivist: Any) -> None:
    with pytest.raises(ValidationError) as caught:
        do_add_use_record(access_staff, kind=UseKind.VISIT, channel=Channel.READING_ROOM, reader=archivist.username)
    assert "reader" in caught.value.message_dict


def test_only_the_register_s_staff_may_add_an_entry(system_admin: Any) -> None:
    with pytest.raises(PermissionDenied):
        do_add_use_record(system_admin, kind=UseKind.VISIT, channel=Channel.READING_ROOM)
