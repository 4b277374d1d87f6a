"""Access requests and grants through their actions: what a reader may name, what a reviewer may grant, and what
``catalog.policy`` then shows the reader (search, IIIF) — and stops showing after expiry or revocation."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Any

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404
from django.utils import timezone

from dangan.access.actions.requests import (
    do_add_units,
    do_answer,
    do_approve,
    do_ask,
    do_refuse,
    do_revoke_grant,
    do_submit_request,
    do_withdraw,
    reader_requests_data,
    units_for_reader,
)
from dangan.access.choices import Purpose, UseKind
from dangan.access.models import AccessGrant, UseRecord, Visit
from dangan.catalog.grants import grants_changed, grants_for
from dangan.catalog.policy import can_copy_unit, can_view_unit, can_view_unit_files
from dangan.core.choices import Role, SecurityClassification
from dangan.core.models import AuditEntry
from tests.helpers import account, client_for

pytestmark = pytest.mark.django_db


@pytest.fixture
def controlled(make_unit: Callable[..., Any]) -> Any:
    """A 公开 unit not opened to the public (控制): what readers ask for."""
    return make_unit("关于张家湾村危房改造补助名单的报告", openness="controlled")


def described(reader: Any) -> Any:
    return do_submit_request(reader, purpose=Purpose.RIGHTS, description="1998年父亲在县扶贫办的工作记录")


def approved(reader: Any, reviewer: Any, unit: Any, **conditions: Any) -> Any:
    request = described(reader)
    do_add_units(reviewer, request, [unit])
    grants = do_approve(reviewer, request, **conditions)
    return request, grants[0]


def fresh(user: Any) -> Any:
    """The same account as a new request would load it (no cached grants)."""
    return type(user).objects.get(pk=user.pk)


# ---------------------------------------------------------------- what a reader may name


def test_a_reader_names_only_units_the_public_or_their_grants_show(
    reader: Any, make_unit: Callable[..., Any], controlled: Any
) -> None:
    opened = make_unit("公开开放的文件", openness="open")
    secret = make_unit("秘密文件", openness="open", classification=SecurityClassification.SECRET)
    found, missing = units_for_reader(reader, uuids=[opened.uuid, controlled.uuid, secret.uuid, "not-a-uuid"])
    assert found == [opened]
    # A closed unit, a secret one and nonsense read alike: nothing tells that the first two exist.
    assert set(missing) == {str(controlled.uuid), str(secret.uuid), "not-a-uuid"}
    with pytest.raises(ValidationError) as error:
        do_submit_request(reader, units=[controlled], purpose=Purpose.RESEARCH)
    assert "没有找到这些档案（或暂未开放）" in str(error.value)


def test_a_request_needs_units_or_a_description_and_a_purpose(reader: Any) -> None:
    with pytest.raises(ValidationError) as error:
        do_submit_request(reader, purpose="tourism")
    assert set(error.value.message_dict) == {"purpose", "description"}


def test_staff_do_not_submit_requests(access_staff: Any) -> None:
    with pytest.raises(PermissionDenied):
        do_submit_request(access_staff, purpose=Purpose.WORK, description="查考")


def test_submitting_is_registered_as_a_use_and_audit_logged(reader: Any, make_unit: Callable[..., Any]) -> None:
    opened = make_unit("开放文件", openness="open")
    request = do_submit_request(reader, units=[opened], purpose=Purpose.HISTORY, purpose_detail="编写县志")
    use = UseRecord.objects.get(kind=UseKind.REQUEST)
    assert (use.reader, use.unit, use.purpose, use.source) == (reader, opened, "history", f"request:{request.uuid}")
    assert AuditEntry.objects.filter(action="access.requests.submit", object_id=str(request.uuid)).exists()


# ---------------------------------------------------------------- review


def test_a_grant_opens_the_unit_to_that_reader_alone(
    reader: Any, other_reader: Any, access_staff: Any, controlled: Any
) -> None:
    assert not can_view_unit(reader, controlled)
    request, grant = approved(reader, access_staff, controlled)
    assert can_view_unit(reader, controlled)  # the approval dropped the cached answer
    request.refresh_from_db()
    assert request.status == "approved"
    assert (grant.reader, grant.unit, grant.reading_room_only, grant.copies_allowed) == (
        reader,
        controlled,
        False,
        True,
    )
    assert grant.expires_at > timezone.now() + dt.timedelta(days=29)
    reader = fresh(reader)
    assert can_view_unit(reader, controlled)
    assert can_view_unit_files(reader, controlled)
    assert can_copy_unit(reader, controlled)
    assert not can_view_unit(fresh(other_reader), controlled)
    assert AuditEntry.objects.filter(action="access.requests.grant", object_id=str(grant.uuid)).exists()
    assert AuditEntry.objects.filter(action="access.requests.approve", object_id=str(request.uuid)).exists()


def test_a_secret_unit_cannot_be_added_or_granted(reader: Any, archivist: Any, make_unit: Callable[..., Any]) -> None:
    secret = make_unit("秘密文件", classification=SecurityClassification.SECRET)
    request = described(reader)
    with pytest.raises(ValidationError) as error:
        do_add_units(archivist, request, [secret])
    assert "涉密档案" in str(error.value)
    assert not request.units.exists()


def test_a_reviewer_adds_only_units_they_see(reader: Any, access_staff: Any, make_unit: Callable[..., Any]) -> None:
    # The desk reads the catalog at 公开 only: a 秘密 unit does not exist for it.
    secret = make_unit("秘密文件", classification=SecurityClassification.SECRET)
    with pytest.raises(Http404):
        do_add_units(access_staff, described(reader), [secret])


def test_a_unit_made_secret_after_it_was_added_is_not_granted(reader: Any, archivist: Any, controlled: Any) -> None:
    from dangan.catalog.models import ArchivalUnit

    request = described(reader)
    do_add_units(archivist, request, [controlled])
    ArchivalUnit.objects.filter(pk=controlled.pk).update(classification=SecurityClassification.SECRET)
    with pytest.raises(ValidationError) as error:
        do_approve(archivist, request)
    assert "涉密档案" in str(error.value)
    assert not AccessGrant.objects.exists()


def test_a_granted_unit_made_secret_closes_to_the_reader(reader: Any, archivist: Any, controlled: Any) -> None:
    from dangan.catalog.models import ArchivalUnit

    approved(reader, archivist, controlled)
    ArchivalUnit.objects.filter(pk=controlled.pk).update(classification=SecurityClassification.SECRET)
    controlled.refresh_from_db()
    assert not can_view_unit(fresh(reader), controlled)


def test_the_reviewer_is_not_the_reader_and_needs_the_capability(
    reader: Any, system_admin: Any, controlled: Any
) -> None:
    request = described(reader)
    with pytest.raises(PermissionDenied):
        do_refuse(system_admin, request, "无")
    with pytest.raises(PermissionDenied):
        do_refuse(reader, request, "无")


def test_approving_some_units_refuses_the_others_and_conditions_show(
    reader: Any, access_staff: Any, make_unit: Callable[..., Any]
) -> None:
    first, second = make_unit("甲", openness="controlled"), make_unit("乙", openness="controlled")
    request = described(reader)
    do_add_units(access_staff, request, [first, second])
    day = timezone.localdate() + dt.timedelta(days=7)
    grants = do_approve(access_staff, request, [second], reading_room_only=True, copies_allowed=False, expires_on=day)
    request.refresh_from_db()
    assert request.status == "approved_with_conditions"
    assert [g.unit for g in grants] == [second]
    assert dict(request.units.values_list("unit_id", "decision")) == {first.pk: "refused", second.pk: "granted"}
    assert timezone.localtime(grants[0].expires_at).date() == day + dt.timedelta(days=1)
    assert grants[0].last_day == day


def test_an_expiry_in_the_past_or_too_far_is_refused(reader: Any, access_staff: Any, controlled: Any) -> None:
    request = described(reader)
    do_add_units(access_staff, request, [controlled])
    for day in (timezone.localdate() - dt.timedelta(days=1), timezone.localdate() + dt.timedelta(days=400)):
        with pytest.raises(ValidationError) as error:
            do_approve(access_staff, request, expires_on=day)
        assert "expires_on" in error.value.message_dict


def test_a_request_without_units_cannot_be_approved(reader: Any, access_staff: Any) -> None:
    with pytest.raises(ValidationError) as error:
        do_approve(access_staff, described(reader))
    assert "请先从目录中添加档案" in str(error.value)


def test_refuse_needs_a_reason_and_ends_the_review(reader: Any, access_staff: Any, controlled: Any) -> None:
    request = described(reader)
    with pytest.raises(ValidationError):
        do_refuse(access_staff, request, "  ")
    do_refuse(access_staff, request, "所需档案尚未到开放期限")
    request.refresh_from_db()
    assert (request.status, request.reason, request.reviewer) == ("refused", "所需档案尚未到开放期限", access_staff)
    with pytest.raises(ValidationError):
        do_ask(access_staff, request, "还要什么？")


def test_a_question_goes_to_the_reader_and_an_answer_back_to_review(reader: Any, access_staff: Any) -> None:
    request = described(reader)
    do_ask(access_staff, request, "请提供父亲的姓名和工作单位")
    request.refresh_from_db()
    assert request.status == "needs_info"
    do_answer(reader, request, "王五，县扶贫办", expected_version=request.version)
    request.refresh_from_db()
    assert (request.status, request.reply) == ("submitted", "王五，县扶贫办")


def test_a_stale_version_is_refused(reader: Any, access_staff: Any) -> None:
    request = described(reader)
    stale = request.version
    do_ask(access_staff, request, "请说明年代", expected_version=stale)
    with pytest.raises(ValidationError) as error:
        do_refuse(access_staff, request, "不符合条件", expected_version=stale)
    assert error.value.code == "conflict"
    request.refresh_from_db()
    assert request.status == "needs_info"


def test_a_reader_withdraws_only_their_own_open_request(reader: Any, other_reader: Any, access_staff: Any) -> None:
    request = described(reader)
    with pytest.raises(Http404):
        do_withdraw(other_reader, request)
    do_withdraw(reader, request)
    request.refresh_from_db()
    assert request.status == "withdrawn"
    with pytest.raises(ValidationError):
        do_withdraw(reader, request)


# ---------------------------------------------------------------- expiry, revocation, the reading room


def test_after_expiry_nothing_is_open_and_the_request_shows_expired(
    reader: Any, access_staff: Any, controlled: Any
) -> None:
    request, grant = approved(reader, access_staff, controlled)
    AccessGrant.objects.filter(pk=grant.pk).update(expires_at=timezone.now() - dt.timedelta(seconds=1))
    grants_changed()
    assert not can_view_unit(fresh(reader), controlled)
    request.refresh_from_db()
    assert request.shown_status == "expired"


def test_a_revoked_grant_closes_the_unit_at_once(reader: Any, access_staff: Any, controlled: Any) -> None:
    _request, grant = approved(reader, access_staff, controlled)
    assert can_view_unit(reader, controlled)  # the cached answer of this "request"…
    do_revoke_grant(access_staff, grant, "查档人违反阅览规定")
    assert not can_view_unit(reader, controlled)  # …is dropped by the revocation
    grant.refresh_from_db()
    assert (grant.revoked_by, grant.revoke_reason) == (access_staff, "查档人违反阅览规定")
    assert AuditEntry.objects.filter(action="access.requests.revoke", object_id=str(grant.uuid)).exists()
    with pytest.raises(ValidationError):
        do_revoke_grant(access_staff, grant, "再次撤销")


def test_reading_room_only_gives_files_only_during_an_open_visit_today(
    reader: Any, access_staff: Any, controlled: Any
) -> None:
    approved(reader, access_staff, controlled, reading_room_only=True)
    assert grants_for(fresh(reader)).records == {controlled.pk}
    assert not can_view_unit_files(fresh(reader), controlled)
    yesterday = Visit.objects.create(reader=reader, checked_in_at=timezone.now() - dt.timedelta(days=1))
    assert not can_view_unit_files(fresh(reader), controlled)
    yesterday.delete()
    visit = Visit.objects.create(reader=reader, checked_in_by=access_staff)
    assert can_view_unit_files(fresh(reader), controlled)
    assert can_copy_unit(fresh(reader), controlled)
    Visit.objects.filter(pk=visit.pk).update(checked_out_at=timezone.now())
    assert not can_view_unit_files(fresh(reader), controlled)
    assert can_view_unit(fresh(reader), controlled)  # the record stays


def test_no_copies_withholds_copies_only(reader: Any, access_staff: Any, controlled: Any) -> None:
    approved(reader, access_staff, controlled, copies_allowed=False)
    reader = fresh(reader)
    assert can_view_unit_files(reader, controlled)
    assert not can_copy_unit(reader, controlled)


# ---------------------------------------------------------------- what the reader then sees through other routes


def test_a_granted_reader_finds_the_unit_in_search_and_another_reader_does_not(
    reader: Any, other_reader: Any, access_staff: Any, controlled: Any
) -> None:
    def titles(who: Any) -> list[str]:
        body = client_for(who).get("/api/search", {"q": "危房改造"}).json()
        return [item["title"] for item in body["items"]]

    assert titles(reader) == []
    _, grant = approved(reader, access_staff, controlled)
    assert titles(reader) == [controlled.title]
    assert titles(other_reader) == []
    assert titles(None) == []
    do_revoke_grant(access_staff, grant, "撤销")
    assert titles(reader) == []


def test_the_iiif_manifest_of_a_granted_digitized_unit(
    reader: Any, other_reader: Any, access_staff: Any, make_unit: Callable[..., Any], settings: Any, tmp_path: Any
) -> None:
    from dangan.preservation.store import storage_root
    from tests.digitization.iiif.pages import draw_pages, preserve_masters

    settings.STORAGE_ROOT = tmp_path / "storage"
    settings.STORAGE_DURABLE = False
    settings.DERIVATIVES_ROOT = tmp_path / "derivatives"
    storage_root()
    unit = make_unit("扫描的控制文件", openness="controlled")
    preserve_masters(unit, draw_pages(tmp_path / "scans", [(120, 160)]))
    url = f"/iiif/3/manifests/{unit.uuid}"
    assert client_for(reader).get(url).status_code == 404
    approved(reader, access_staff, unit, reading_room_only=True)
    # A reading-room-only grant: the record, but no images outside a visit.
    assert client_for(reader).get(url).status_code == 404
    Visit.objects.create(reader=reader)
    assert client_for(reader).get(url).status_code == 200
    assert client_for(other_reader).get(url).status_code == 404
    assert client_for(None).get(url).status_code == 404


# ---------------------------------------------------------------- personal data


def test_reader_requests_data_names_only_what_the_reader_may_see(
    reader: Any, access_staff: Any, make_unit: Callable[..., Any]
) -> None:
    granted, refused = make_unit("批准的文件", openness="controlled"), make_unit("未批准的文件", openness="controlled")
    request = described(reader)
    do_add_units(access_staff, request, [granted, refused])
    do_approve(access_staff, request, [granted])
    data = reader_requests_data(fresh(reader))
    assert len(data) == 1
    assert [u["title"] for u in data[0]["units"]] == ["批准的文件"]
    assert data[0]["other_units"] == 1
    assert data[0]["description"] == "1998年父亲在县扶贫办的工作记录"
    assert "未批准的文件" not in str(data)
    assert reader_requests_data(account(Role.READER, username="reader-nobody")) == []
