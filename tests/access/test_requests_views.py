"""The pages of access requests, as readers and reviewers use them through the Django test client."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Any

import pytest
from django.utils import timezone

from dangan.access.actions.requests import do_add_units, do_approve, do_submit_request
from dangan.access.choices import Purpose
from dangan.access.models import AccessGrant, AccessRequest
from dangan.core.choices import Role, SecurityClassification
from tests.helpers import client_for

pytestmark = pytest.mark.django_db


@pytest.fixture
def controlled(make_unit: Callable[..., Any]) -> Any:
    return make_unit("关于张家湾村危房改造补助名单的报告", openness="controlled")


@pytest.fixture
def opened(make_unit: Callable[..., Any]) -> Any:
    return make_unit("关于印发扶贫开发工作要点的通知", openness="open", reference_code="Z109-WS·2011-Y-BGS-0901")


def described(reader: Any) -> AccessRequest:
    return do_submit_request(reader, purpose=Purpose.RIGHTS, description="1998年父亲在县扶贫办的工作记录")


# ---------------------------------------------------------------- readers


def test_a_reader_asks_for_an_opened_unit_from_its_page_and_adds_another_by_code(
    reader: Any, opened: Any, make_unit: Callable[..., Any]
) -> None:
    other = make_unit("另一件开放文件", openness="open", reference_code="Z109-WS·2011-Y-BGS-0902")
    client = client_for(reader)
    page = client.get("/account/requests/new/", {"unit": str(opened.uuid)})
    assert page.status_code == 200
    assert opened.title in page.content.decode()
    response = client.post(
        "/account/requests/new/",
        {"unit": [str(opened.uuid)], "codes": other.reference_code, "purpose": "research", "purpose_detail": "论文"},
    )
    assert response.status_code == 302
    request = AccessRequest.objects.get(reader=reader)
    assert response["Location"] == f"/account/requests/{request.uuid}/"
    assert [row.unit for row in request.units.all()] == [opened, other]
    detail = client.get(response["Location"]).content.decode()
    assert "待审核" in detail and other.title in detail


def test_a_closed_unit_reads_like_a_missing_one_on_the_new_request_page(reader: Any, controlled: Any) -> None:
    client = client_for(reader)
    import uuid

    for asked in (str(controlled.uuid), str(uuid.uuid4())):
        page = client.get("/account/requests/new/", {"unit": asked}).content.decode()
        assert controlled.title not in page
        assert "没有找到这些档案（或暂未开放）" in page
    response = client.post("/account/requests/new/", {"unit": [str(controlled.uuid)], "purpose": "research"})
    assert response.status_code == 400
    assert controlled.title not in response.content.decode()
    assert not AccessRequest.objects.exists()


def test_a_request_by_description_and_its_form_errors(reader: Any) -> None:
    client = client_for(reader)
    empty = client.post("/account/requests/new/", {"purpose": ""})
    assert empty.status_code == 400
    text = empty.content.decode()
    assert "请选择档案，或描述您需要查阅的档案。" in text or "这个字段是必填项" in text
    response = client.post("/account/requests/new/", {"purpose": "rights", "description": "父亲的工龄证明"})
    assert response.status_code == 302
    assert AccessRequest.objects.get().description == "父亲的工龄证明"


def test_readers_see_only_their_own_requests(reader: Any, other_reader: Any) -> None:
    request = described(reader)
    assert client_for(other_reader).get(f"/account/requests/{request.uuid}/").status_code == 404
    listing = client_for(other_reader).get("/account/requests/").content.decode()
    assert str(request.uuid) not in listing
    assert str(request.uuid) in client_for(reader).get("/account/requests/").content.decode()


def test_staff_and_the_public_have_no_reader_pages(reader: Any, access_staff: Any) -> None:
    assert client_for(access_staff).get("/account/requests/").status_code == 403
    anonymous = client_for(None).get("/account/requests/")
    assert anonymous.status_code == 302


def test_a_reader_withdraws_and_answers(reader: Any, access_staff: Any) -> None:
    from dangan.access.actions.requests import do_ask

    client = client_for(reader)
    request = described(reader)
    do_ask(access_staff, request, "请提供父亲的姓名")
    request.refresh_from_db()
    page = client.get(f"/account/requests/{request.uuid}/").content.decode()
    assert "请提供父亲的姓名" in page and "提交补充说明" in page
    blank = client.post(f"/account/requests/{request.uuid}/answer/", {"text": "", "version": request.version})
    assert blank.status_code == 400
    answered = client.post(f"/account/requests/{request.uuid}/answer/", {"text": "王五", "version": request.version})
    assert answered.status_code == 302
    request.refresh_from_db()
    assert request.status == "submitted"
    stale = client.post(f"/account/requests/{request.uuid}/withdraw/", {"version": request.version - 1})
    assert stale.status_code == 409
    done = client.post(f"/account/requests/{request.uuid}/withdraw/", {"version": request.version})
    assert done.status_code == 302
    request.refresh_from_db()
    assert request.status == "withdrawn"


def test_the_reader_sees_the_grant_and_its_expiry_then_not_the_unit_once_expired(
    reader: Any, access_staff: Any, controlled: Any
) -> None:
    request = described(reader)
    do_add_units(access_staff, request, [controlled])
    grant = do_approve(access_staff, request, reading_room_only=True)[0]
    client = client_for(reader)
    listing = client.get("/account/requests/").content.decode()
    assert controlled.title in listing and "仅限阅览室" in listing and "有条件批准" in listing
    AccessGrant.objects.filter(pk=grant.pk).update(expires_at=timezone.now() - dt.timedelta(minutes=1))
    listing = client.get("/account/requests/").content.decode()
    assert controlled.title not in listing and "已过期" in listing
    assert controlled.title not in client.get(f"/account/requests/{request.uuid}/").content.decode()


def test_units_added_but_not_granted_stay_unknown_to_the_reader(
    reader: Any, access_staff: Any, make_unit: Callable[..., Any]
) -> None:
    granted, refused = make_unit("批准的文件", openness="controlled"), make_unit("未批准的文件", openness="controlled")
    request = described(reader)
    do_add_units(access_staff, request, [granted, refused])
    pending = client_for(reader).get(f"/account/requests/{request.uuid}/").content.decode()
    assert "批准的文件" not in pending and "未批准的文件" not in pending
    do_approve(access_staff, request, [granted])
    page = client_for(reader).get(f"/account/requests/{request.uuid}/").content.decode()
    assert "批准的文件" in page and "未批准的文件" not in page


# ---------------------------------------------------------------- reviewers


def test_the_reviewers_list_filters_by_status_and_purpose(reader: Any, access_staff: Any) -> None:
    first = described(reader)
    second = do_submit_request(reader, purpose=Purpose.HISTORY, description="县志资料")
    client = client_for(access_staff)
    page = client.get("/manage/access/requests/", {"purpose": "history"}).content.decode()
    assert str(second.uuid) in page and str(first.uuid) not in page
    assert client.get("/manage/access/requests/", {"status": "bogus"}).status_code == 400
    assert "张三" in client.get("/manage/access/requests/").content.decode()


def test_a_reviewer_adds_a_unit_and_approves_with_conditions(reader: Any, access_staff: Any, controlled: Any) -> None:
    controlled_code = "Z109-WS·2011-Y-BGS-0777"
    from dangan.catalog.models import ArchivalUnit

    ArchivalUnit.objects.filter(pk=controlled.pk).update(reference_code=controlled_code)
    request = described(reader)
    client = client_for(access_staff)
    base = f"/manage/access/requests/{request.uuid}/"
    assert client.get(base).status_code == 200
    added = client.post(base + "units/", {"codes": controlled_code, "version": request.version})
    assert added.status_code == 302
    request.refresh_from_db()
    page = client.get(base).content.decode()
    assert controlled.title in page and "批准所选档案" in page
    day = (timezone.localdate() + dt.timedelta(days=10)).isoformat()
    approved = client.post(
        base + "approve/",
        {"unit": [str(controlled.uuid)], "no_copies": "on", "expires_on": day, "version": request.version},
    )
    assert approved.status_code == 302
    grant = AccessGrant.objects.get()
    assert (grant.reader, grant.unit, grant.copies_allowed) == (reader, controlled, False)
    request.refresh_from_db()
    assert request.status == "approved_with_conditions"


def test_adding_a_secret_unit_shows_the_reason_and_a_hidden_one_reads_as_missing(
    reader: Any, make_unit: Callable[..., Any], archivist: Any, access_staff: Any
) -> None:
    secret = make_unit(
        "秘密文件", classification=SecurityClassification.SECRET, reference_code="Z109-WS·2011-Y-BGS-0888"
    )
    request = described(reader)
    base = f"/manage/access/requests/{request.uuid}/units/"
    # ``archivist`` (cleared 机密) sees the unit and is told why it cannot be added; the desk (公开 only) is not.
    refused = client_for(archivist).post(base, {"codes": secret.reference_code})
    assert refused.status_code == 400
    assert "涉密档案" in refused.content.decode()
    hidden = client_for(access_staff).post(base, {"codes": secret.reference_code})
    assert hidden.status_code == 400
    assert "没有找到这些档号（或您无权查看）" in hidden.content.decode()
    assert not request.units.exists()


def test_refuse_and_ask_need_text_and_a_stale_form_is_a_conflict(reader: Any, access_staff: Any) -> None:
    request = described(reader)
    client = client_for(access_staff)
    base = f"/manage/access/requests/{request.uuid}/"
    assert client.post(base + "refuse/", {"reason": "", "version": request.version}).status_code == 400
    assert client.post(base + "ask/", {"question": "请说明年代", "version": request.version}).status_code == 302
    stale = client.post(base + "refuse/", {"reason": "不符合条件", "version": request.version})
    assert stale.status_code == 409
    assert "该申请已被修改" in stale.content.decode()
    assert client.post(base + "bogus/", {}).status_code == 404


def test_a_reviewer_revokes_a_grant(reader: Any, access_staff: Any, controlled: Any) -> None:
    request = described(reader)
    do_add_units(access_staff, request, [controlled])
    grant = do_approve(access_staff, request)[0]
    client = client_for(access_staff)
    response = client.post(f"/manage/access/grants/{grant.uuid}/revoke/", {"reason": "违反阅览规定"})
    assert response.status_code == 302
    grant.refresh_from_db()
    assert grant.revoked_at is not None
    assert "违反阅览规定" in client.get(f"/manage/access/requests/{request.uuid}/").content.decode()


def test_who_may_open_the_reviewers_pages(reader: Any, access_staff: Any, system_admin: Any) -> None:
    request = described(reader)
    url = f"/manage/access/requests/{request.uuid}/"
    assert client_for(access_staff).get(url).status_code == 200
    assert client_for(Role.ARCHIVIST).get(url).status_code == 200
    assert client_for(system_admin).get(url).status_code == 403
    assert client_for(reader).get(url).status_code == 403
    assert client_for(None).get(url).status_code == 302


def test_the_links_to_requests_appear_in_the_menus(reader: Any, access_staff: Any) -> None:
    assert "/manage/access/requests/" in client_for(access_staff).get("/manage/access/").content.decode()
    from dangan.access.navigation import account_links

    assert "/account/requests/" in [link.url for link in account_links()]


def test_the_status_filter_knows_expired_requests(reader: Any, access_staff: Any, controlled: Any) -> None:
    live, ended = described(reader), described(reader)
    for request in (live, ended):
        do_add_units(access_staff, request, [controlled])
        do_approve(access_staff, request)
    AccessGrant.objects.filter(request=ended).update(expires_at=timezone.now() - dt.timedelta(minutes=1))
    client = client_for(access_staff)
    expired = client.get("/manage/access/requests/", {"status": "expired"}).content.decode()
    approved = client.get("/manage/access/requests/", {"status": "approved"}).content.decode()
    assert str(ended.uuid) in expired and str(live.uuid) not in expired
    assert str(live.uuid) in approved and str(ended.uuid) not in approved
    api = client.get("/api/access/requests", {"status": "expired"}).json()
    assert [item["uuid"] for item in api["items"]] == [str(ended.uuid)]
    assert api["items"][0]["status_display"] == "已过期"


def test_the_unit_picker_offers_only_public_units_the_reviewer_sees(
    reader: Any, archivist: Any, make_unit: Callable[..., Any]
) -> None:
    public = make_unit("危房改造补助名单（公开）", openness="controlled")
    make_unit("危房改造补助名单（秘密）", classification=SecurityClassification.SECRET)
    request = described(reader)
    client = client_for(archivist)
    url = f"/manage/access/requests/{request.uuid}/picker/"
    plain = client.get(url, {"q": "危房改造"})
    assert plain.status_code == 302
    fragment = client.get(url, {"q": "危房改造"}, headers={"HX-Request": "true"}).content.decode()
    assert public.title in fragment and "（秘密）" not in fragment
    added = client.post(
        f"/manage/access/requests/{request.uuid}/units/", {"unit": [str(public.uuid)], "version": request.version}
    )
    assert added.status_code == 302
    assert [row.unit for row in request.units.all()] == [public]
    again = client.get(url, {"q": "危房改造"}, headers={"HX-Request": "true"}).content.decode()
    assert public.title not in again
