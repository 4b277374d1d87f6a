"""Copies (复制): a reader asks, the reading room makes the copy from the masters with a visible watermark, checks
it and delivers it; the reader downloads it. The policy decides at every step (a hidden unit is a 404, a unit
granted without copies a clear refusal, a unit withdrawn since is never handed out), and every step is logged."""

from __future__ import annotations

import hashlib
import io
import itertools
import zipfile
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import numpy
import pytest
from django.urls import reverse
from PIL import Image
from pypdf import PdfReader

from dangan.access.actions.copies import (
    do_deliver_copy,
    do_make_copy,
    do_refuse_copy,
    do_request_copy,
    parse_pages,
    reader_copies_data,
)
from dangan.access.models import CopyRequest, UseRecord
from dangan.access.tasks import make_copy_task
from dangan.catalog.grants import NO_GRANTS, Grants, grants_changed, register_grant_provider
from dangan.catalog.models import ArchivalUnit
from dangan.core.models import AuditEntry
from dangan.digitization.pages import master_files
from dangan.preservation.iiif.derivatives import master_path
from tests.digitization.iiif.pages import draw_pages, preserve_masters
from tests.helpers import client_for

# Grants given in these tests (the requests part gives them in the application), read by a real provider.
GIVEN: dict[int, Grants] = {}


def _given(reader: Any) -> Grants:
    return GIVEN.get(reader.pk, NO_GRANTS)


register_grant_provider(_given)
SIZES = ((300, 420), (320, 400), (280, 400))


@pytest.fixture
def grant() -> Iterator[Callable[..., None]]:
    def give(reader: Any, unit: Any, *, files: bool = True, copies: bool = False) -> None:
        ids = frozenset({unit.pk})
        GIVEN[reader.pk] = Grants(ids, ids if files else frozenset(), ids if copies else frozenset())
        grants_changed()

    yield give
    GIVEN.clear()
    grants_changed()


@pytest.fixture
def copies_root(settings: Any, tmp_path: Path) -> Path:
    settings.COPIES_ROOT = tmp_path / "copies"
    settings.STORAGE_DURABLE = False
    settings.DERIVATIVES_ROOT = tmp_path / "derivatives"
    return settings.COPIES_ROOT


@pytest.fixture
def digitized(copies_root: Path, make_unit: Callable[..., Any], tmp_path: Path) -> Callable[..., Any]:
    """digitized(**unit fields) → an opened (开放) 公开 unit whose three masters are preserved."""
    counter = itertools.count(1)

    def make(sizes: Any = SIZES, **extra: Any) -> Any:
        extra.setdefault("openness", "open")
        unit = make_unit(**extra)
        preserve_masters(unit, draw_pages(tmp_path / f"scans-{next(counter)}", sizes))
        return unit

    return make


def _new_url(unit: Any) -> str:
    return reverse("account:copy_new") + f"?unit={unit.uuid}"


def _master(unit: Any, number: int) -> Image.Image:
    return Image.open(master_path(master_files(unit)[number - 1])).convert("RGB")


def _assert_watermarked(copy_page: Image.Image, master: Image.Image) -> None:
    """The page is the master's size and content, with a watermark: many pixels clearly changed toward red."""
    assert copy_page.size == master.size
    ours = numpy.asarray(copy_page.convert("RGB")).astype(int)
    theirs = numpy.asarray(master).astype(int)
    green_drop = theirs[:, :, 1] - ours[:, :, 1]
    changed = (green_drop > 40).mean()
    assert changed > 0.03, f"only {changed:.1%} of the page carries the watermark"
    # Where the watermark is not, the page is the master's (JPEG noise aside).
    untouched = numpy.abs(ours - theirs).max(axis=2) < 12
    assert untouched.mean() > 0.6


def _request(reader: Any, unit: Any, **fields: Any) -> CopyRequest:
    return do_request_copy(reader, reader, unit, purpose=fields.pop("purpose", "research"), **fields)


# ---------------------------------------------------------------- pages


def test_page_lists() -> None:
    assert parse_pages("", 4) == [1, 2, 3, 4]
    assert parse_pages("全部", 2) == [1, 2]
    assert parse_pages("1-3,5", 6) == [1, 2, 3, 5]
    assert parse_pages("3，1、2 2", 3) == [1, 2, 3]
    from django.core.exceptions import ValidationError

    for spec, message in (("0", "超出范围"), ("2-9", "超出范围"), ("3-1", "起始页"), ("a", "格式有误")):
        with pytest.raises(ValidationError, match=message):
            parse_pages(spec, 4)


# ---------------------------------------------------------------- a reader asks


def test_a_reader_asks_for_copies_of_an_opened_unit(digitized: Callable[..., Any], reader: Any) -> None:
    unit = digitized(title="关于开展脱贫攻坚工作的通知")
    client = client_for(reader)
    page = client.get(_new_url(unit))
    assert page.status_code == 200
    assert "关于开展脱贫攻坚工作的通知" in page.content.decode() and "本件共 3 页" in page.content.decode()
    answer = client.post(_new_url(unit), {"pages": "1,3", "format": "pdf", "purpose": "research", "note": "论文"})
    assert answer.status_code == 302
    copy = CopyRequest.objects.get()
    assert (copy.reader, copy.unit, copy.pages, copy.page_count, copy.status, copy.channel) == (
        reader,
        unit,
        "1,3",
        2,
        "pending",
        "online",
    )
    assert answer["Location"] == reverse("account:copy_detail", args=[copy.uuid])
    entry = AuditEntry.objects.get(action="access.copies.request")
    assert entry.object_id == str(copy.uuid) and entry.data["page_count"] == 2
    listing = client.get(reverse("account:copies")).content.decode()
    assert "关于开展脱贫攻坚工作的通知" in listing and "待处理" in listing


def test_bad_pages_and_too_many_pages_are_clear_errors(
    digitized: Callable[..., Any], reader: Any, settings: Any
) -> None:
    unit = digitized()
    client = client_for(reader)
    answer = client.post(_new_url(unit), {"pages": "2-7", "format": "pdf", "purpose": "research"})
    assert answer.status_code == 400
    assert "页码超出范围：本件共 3 页" in answer.content.decode()
    answer = client.post(_new_url(unit), {"pages": "一到三", "format": "pdf", "purpose": "research"})
    assert answer.status_code == 400 and "页码格式有误" in answer.content.decode()
    answer = client.post(_new_url(unit), {"pages": "", "format": "pdf", "purpose": ""})
    assert answer.status_code == 400 and "这个字段是必填项" in answer.content.decode()
    settings.COPY_MAX_PAGES = 2
    answer = client.post(_new_url(unit), {"pages": "", "format": "pdf", "purpose": "research"})
    assert answer.status_code == 400 and "每次申请最多复制 2 页，本次申请了 3 页" in answer.content.decode()
    assert not CopyRequest.objects.exists()


def test_a_hidden_unit_is_not_found(digitized: Callable[..., Any], reader: Any) -> None:
    client = client_for(reader)
    for fields in ({"openness": "controlled"}, {"openness": "pending"}, {"classification": "secret"}):
        unit = digitized(**fields)
        assert client.get(_new_url(unit)).status_code == 404
        assert client.post(_new_url(unit), {"format": "pdf", "purpose": "research"}).status_code == 404
    assert client.get(reverse("account:copy_new") + "?unit=not-a-uuid").status_code == 404
    assert client.get(reverse("account:copy_new")).status_code == 404
    assert not CopyRequest.objects.exists()


def test_a_unit_granted_without_copies_is_refused_clearly(
    digitized: Callable[..., Any], reader: Any, grant: Callable[..., None]
) -> None:
    unit = digitized(openness="controlled")
    grant(reader, unit, copies=False)
    client = client_for(reader)
    page = client.get(_new_url(unit))
    assert page.status_code == 403
    assert "该档案经批准仅供查阅，不得复制" in page.content.decode()
    assert client.post(_new_url(unit), {"format": "pdf", "purpose": "research"}).status_code == 403
    # Reading-room-only: the reader is told to ask at the desk.
    grant(reader, unit, files=False)
    assert "仅限在阅览室内查阅" in client.get(_new_url(unit)).content.decode()
    # Granted with copies: the reader may ask.
    grant(reader, unit, copies=True)
    assert client.get(_new_url(unit)).status_code == 200
    assert not CopyRequest.objects.exists()


def test_a_unit_without_pages_cannot_be_copied(make_unit: Callable[..., Any], reader: Any, copies_root: Path) -> None:
    unit = make_unit(openness="open")
    answer = client_for(reader).post(_new_url(unit), {"format": "pdf", "purpose": "research"})
    assert answer.status_code == 400 and "尚无数字化页面" in answer.content.decode()


# ---------------------------------------------------------------- the desk makes, checks and delivers


def test_the_desk_makes_a_watermarked_pdf_and_delivers_it(
    digitized: Callable[..., Any],
    reader: Any,
    access_staff: Any,
    institution: Any,
    django_capture_on_commit_callbacks: Any,
) -> None:
    unit = digitized()
    copy = _request(reader, unit, pages="1,3")
    desk = client_for(access_staff)
    queue = desk.get(reverse("access:copies")).content.decode()
    assert unit.title in queue and "张三" in queue
    with django_capture_on_commit_callbacks(execute=True):
        answer = desk.post(reverse("access:copy_action", args=[copy.uuid, "make"]), {"version": copy.version})
    assert answer.status_code == 302
    copy.refresh_from_db()
    assert (copy.status, copy.made_by, copy.page_count, copy.making_since) == ("made", access_staff, 2, None)
    stored = Path(copy.file_path)  # relative to COPIES_ROOT
    assert not stored.is_absolute() and stored.suffix == ".pdf"
    data = desk.get(reverse("access:copy_file", args=[copy.uuid]))
    assert data.status_code == 200 and data["Content-Disposition"].startswith("attachment")
    body = b"".join(data.streaming_content)
    assert hashlib.sha256(body).hexdigest() == copy.sha256 and len(body) == copy.size
    assert copy.sha256 not in {f.sha256 for f in master_files(unit)}
    pdf = PdfReader(io.BytesIO(body))
    assert len(pdf.pages) == 2
    # pypdf leaves a NUL beside each two-byte character code of the embedded CJK font: dropped with the spaces.
    text = "".join(pdf.pages[0].extract_text().replace("\x00", "").split())
    assert "张三" in text and "仅供查档使用" in text and institution.name in text
    assert "张三" in str(pdf.metadata.subject)
    for number, page in zip((1, 3), pdf.pages, strict=True):
        (image,) = page.images
        _assert_watermarked(Image.open(io.BytesIO(image.data)), _master(unit, number))

    # The reader cannot download before delivery.
    client = client_for(reader)
    assert client.get(reverse("account:copy_download", args=[copy.uuid])).status_code == 404

    answer = desk.post(
        reverse("access:copy_action", args=[copy.uuid, "deliver"]), {"delivery": "download", "version": copy.version}
    )
    assert answer.status_code == 302
    copy.refresh_from_db()
    assert (copy.status, copy.delivered_by, copy.delivery) == ("delivered", access_staff, "download")
    use = UseRecord.objects.get(kind="copy")
    assert (use.reader, use.unit, use.pages, use.purpose, use.staff, use.source) == (
        reader,
        unit,
        2,
        "research",
        access_staff,
        f"copy:{copy.uuid}",
    )
    download = client.get(reverse("account:copy_download", args=[copy.uuid]))
    assert download.status_code == 200 and b"".join(download.streaming_content) == body
    copy.refresh_from_db()
    assert copy.downloads == 2  # the desk's check and the reader's download
    assert AuditEntry.objects.filter(action="access.copies.download", object_id=str(copy.uuid)).count() == 2
    for action in ("access.copies.make", "access.copies.deliver", "access.use.copy"):
        assert AuditEntry.objects.filter(action=action).count() == 1, action


def test_jpeg_copies_carry_the_watermark_on_every_page(
    digitized: Callable[..., Any], reader: Any, access_staff: Any, copies_root: Path
) -> None:
    unit = digitized()
    copy = do_make_copy(access_staff, _request(reader, unit, format="jpeg"))
    assert copy.status == "made" and copy.file_path.endswith(".zip")
    with zipfile.ZipFile(copies_root / copy.file_path) as archive:
        names = sorted(archive.namelist())
        assert len(names) == 3 and names[0].endswith("-p0001.jpg")
        for number, name in enumerate(names, start=1):
            data = archive.read(name)
            assert data[:3] == b"\xff\xd8\xff"  # a JPEG, not a master's bytes
            _assert_watermarked(Image.open(io.BytesIO(data)), _master(unit, number))


def test_making_is_idempotent(digitized: Callable[..., Any], reader: Any, access_staff: Any) -> None:
    copy = _request(reader, digitized(), pages="2")
    assert make_copy_task.call(copy.pk, access_staff.pk) == "made"
    copy.refresh_from_db()
    made = (copy.made_at, copy.sha256, copy.version)
    assert make_copy_task.call(copy.pk, access_staff.pk) == "made"
    copy.refresh_from_db()
    assert (copy.made_at, copy.sha256, copy.version) == made
    assert AuditEntry.objects.filter(action="access.copies.make").count() == 1
    assert make_copy_task.call(987654, access_staff.pk) == "skipped"


def test_a_failed_make_is_recorded_for_the_desk(digitized: Callable[..., Any], reader: Any, access_staff: Any) -> None:
    unit = digitized()
    copy = _request(reader, unit)
    ArchivalUnit.objects.filter(pk=unit.pk).update(openness="controlled")  # withdrawn before it was made
    assert make_copy_task.call(copy.pk, access_staff.pk) == "refused"
    copy.refresh_from_db()
    assert copy.status == "pending" and "不能制作" in copy.error
    page = client_for(access_staff).get(reverse("access:copy_detail", args=[copy.uuid])).content.decode()
    assert "上次制作失败" in page


def test_a_unit_withdrawn_after_delivery_is_no_longer_downloadable(
    digitized: Callable[..., Any], reader: Any, access_staff: Any
) -> None:
    unit = digitized()
    copy = do_deliver_copy(access_staff, do_make_copy(access_staff, _request(reader, unit)))
    client = client_for(reader)
    url = reverse("account:copy_download", args=[copy.uuid])
    assert client.get(url).status_code == 200
    ArchivalUnit.objects.filter(pk=unit.pk).update(openness="controlled")
    assert client.get(url).status_code == 404
    assert client.get(reverse("account:copy_detail", args=[copy.uuid])).status_code == 404
    assert unit.title not in client.get(reverse("account:copies")).content.decode()


def test_another_reader_never_gets_the_copy(
    digitized: Callable[..., Any], reader: Any, other_reader: Any, access_staff: Any
) -> None:
    copy = do_deliver_copy(access_staff, do_make_copy(access_staff, _request(reader, digitized())))
    client = client_for(other_reader)
    assert client.get(reverse("account:copy_download", args=[copy.uuid])).status_code == 404
    assert client.get(reverse("account:copy_detail", args=[copy.uuid])).status_code == 404
    assert client.get(f"/api/access/copies/{copy.uuid}/file").status_code == 404


def test_the_desk_refuses_with_a_reason_the_reader_reads(
    digitized: Callable[..., Any],
    reader: Any,
    access_staff: Any,
    copies_root: Path,
    django_capture_on_commit_callbacks: Any,
) -> None:
    copy = do_make_copy(access_staff, _request(reader, digitized()))
    made = copies_root / copy.file_path
    assert made.is_file()
    desk = client_for(access_staff)
    url = reverse("access:copy_action", args=[copy.uuid, "refuse"])
    answer = desk.post(url, {"reason": "", "version": copy.version})
    assert answer.status_code == 400 and "这个字段是必填项" in answer.content.decode()
    answer = desk.post(url, {"reason": "原件破损，不宜复制", "version": copy.version - 1})
    assert answer.status_code == 409 and "刚被他人处理过" in answer.content.decode()
    with django_capture_on_commit_callbacks(execute=True):
        answer = desk.post(url, {"reason": "原件破损，不宜复制", "version": copy.version})
    assert answer.status_code == 302
    copy.refresh_from_db()
    assert (copy.status, copy.reason) == ("refused", "原件破损，不宜复制")
    assert not made.exists()
    page = client_for(reader).get(reverse("account:copy_detail", args=[copy.uuid])).content.decode()
    assert "不予复制" in page and "原件破损，不宜复制" in page
    # Nothing more can be done with it.
    answer = desk.post(reverse("access:copy_action", args=[copy.uuid, "make"]), {})
    assert answer.status_code == 409 and "不能再制作" in answer.content.decode()
    assert not UseRecord.objects.exists()


def test_the_desk_asks_for_a_walk_in_reader(digitized: Callable[..., Any], reader: Any, access_staff: Any) -> None:
    unit = digitized()
    desk = client_for(access_staff)
    form = {"reader": reader.username, "unit": unit.reference_code, "pages": "2", "format": "jpeg", "purpose": "rights"}
    answer = desk.post(reverse("access:copy_desk"), form)
    assert answer.status_code == 302
    copy = CopyRequest.objects.get()
    assert (copy.reader, copy.channel, copy.requested_by, copy.page_count) == (reader, "reading_room", access_staff, 1)
    answer = desk.post(reverse("access:copy_desk"), {**form, "reader": access_staff.username})
    assert answer.status_code == 400 and "找不到该查档人账号" in answer.content.decode()
    secret = digitized(classification="secret")
    answer = desk.post(reverse("access:copy_desk"), {**form, "unit": secret.reference_code})
    assert answer.status_code == 400 and "找不到该档号的档案" in answer.content.decode()
    assert CopyRequest.objects.count() == 1


def test_who_may_use_which_page(digitized: Callable[..., Any], reader: Any, system_admin: Any) -> None:
    copy = _request(reader, digitized())
    anonymous = client_for(None)
    for url in (reverse("account:copies"), reverse("access:copies")):
        answer = anonymous.get(url)
        assert answer.status_code == 302 and "login" in answer["Location"]
    assert client_for(system_admin).get(reverse("access:copies")).status_code == 403
    assert client_for(system_admin).get(reverse("account:copies")).status_code == 403
    assert client_for(reader).get(reverse("access:copies")).status_code == 403
    assert client_for(reader).get(reverse("access:copy_detail", args=[copy.uuid])).status_code == 403


# ---------------------------------------------------------------- API


def test_the_api_round_trip(
    digitized: Callable[..., Any], reader: Any, other_reader: Any, access_staff: Any, grant: Callable[..., None]
) -> None:
    unit = digitized()
    api = client_for(reader)
    answer = api.post(
        "/api/access/copies",
        {"unit": str(unit.uuid), "pages": "1-2", "format": "pdf", "purpose": "history"},
        content_type="application/json",
    )
    assert answer.status_code == 201, answer.content
    body = answer.json()
    assert (body["page_count"], body["status"], body["reader"]) == (2, "pending", "张三")
    bad = api.post(
        "/api/access/copies",
        {"unit": str(unit.uuid), "pages": "9", "purpose": "history"},
        content_type="application/json",
    )
    assert bad.status_code == 422 and "页码超出范围" in bad.json()["errors"]["pages"]
    hidden = digitized(classification="secret")
    missing = api.post(
        "/api/access/copies", {"unit": str(hidden.uuid), "purpose": "history"}, content_type="application/json"
    )
    assert missing.status_code == 404 and hidden.title not in missing.content.decode()
    granted = digitized(openness="controlled")
    grant(reader, granted, copies=False)
    refused = api.post(
        "/api/access/copies", {"unit": str(granted.uuid), "purpose": "history"}, content_type="application/json"
    )
    assert refused.status_code == 403 and "不得复制" in refused.json()["detail"]

    assert [c["uuid"] for c in api.get("/api/access/copies").json()["items"]] == [body["uuid"]]
    assert client_for(other_reader).get("/api/access/copies").json()["total"] == 0
    assert api.post(f"/api/access/copies/{body['uuid']}/make", {}, content_type="application/json").status_code == 403

    desk = client_for(access_staff)
    copy = CopyRequest.objects.get(uuid=body["uuid"])
    do_make_copy(access_staff, copy)
    stale = desk.post(f"/api/access/copies/{copy.uuid}/deliver", {"version": 1}, content_type="application/json").json()
    assert "刚被他人处理过" in stale["detail"]
    delivered = desk.post(f"/api/access/copies/{copy.uuid}/deliver", {}, content_type="application/json")
    assert delivered.status_code == 200 and delivered.json()["status"] == "delivered"
    file = api.get(f"/api/access/copies/{copy.uuid}/file")
    assert file.status_code == 200 and b"".join(file.streaming_content)[:5] == b"%PDF-"


def test_the_personal_data_export(digitized: Callable[..., Any], reader: Any, access_staff: Any) -> None:
    unit = digitized()
    copy = _request(reader, unit, pages="1")
    do_refuse_copy(access_staff, copy, "重复申请")
    withdrawn = digitized()
    _request(reader, withdrawn)
    ArchivalUnit.objects.filter(pk=withdrawn.pk).update(openness="controlled")
    rows = reader_copies_data(reader)
    assert [(r["title"], r["status"], r["reason"]) for r in rows] == [
        (unit.title, "refused", "重复申请"),
        ("", "pending", ""),
    ]
    assert reader_copies_data(access_staff) == []


def test_remaking_replaces_the_file_and_a_stuck_making_may_be_queued_again(
    digitized: Callable[..., Any],
    reader: Any,
    access_staff: Any,
    copies_root: Path,
    django_capture_on_commit_callbacks: Any,
) -> None:
    from datetime import timedelta

    from django.utils import timezone

    from dangan.access.actions.copies import do_queue_make

    copy = do_make_copy(access_staff, _request(reader, digitized()))
    first = copies_root / copy.file_path
    with django_capture_on_commit_callbacks(execute=True):
        copy = do_queue_make(access_staff, copy, expected_version=copy.version)
    copy.refresh_from_db()
    assert copy.status == "made" and copy.making_since is None
    assert (copies_root / copy.file_path).is_file() and not first.exists()
    assert AuditEntry.objects.filter(action="access.copies.make").count() == 2
    # Queued, and the worker never took it: refused while fresh, allowed once it is old.
    with django_capture_on_commit_callbacks(execute=False):
        copy = do_queue_make(access_staff, copy)
    from django.core.exceptions import ValidationError

    with pytest.raises(ValidationError, match="正在制作中"):
        do_queue_make(access_staff, copy)
    CopyRequest.objects.filter(pk=copy.pk).update(making_since=timezone.now() - timedelta(hours=2))
    with django_capture_on_commit_callbacks(execute=True):
        do_queue_make(access_staff, copy)
    copy.refresh_from_db()
    assert copy.making_since is None and copy.status == "made"


def test_erasing_a_readers_copies(
    digitized: Callable[..., Any],
    reader: Any,
    access_staff: Any,
    archivist: Any,
    copies_root: Path,
    django_capture_on_commit_callbacks: Any,
) -> None:
    from django.core.exceptions import PermissionDenied

    from dangan.access.actions.copies import do_erase_reader_copies

    copy = do_deliver_copy(access_staff, do_make_copy(access_staff, _request(reader, digitized())))
    file = copies_root / copy.file_path
    with pytest.raises(PermissionDenied):
        do_erase_reader_copies(archivist, reader)  # 档案员 holds no READERS capability
    with django_capture_on_commit_callbacks(execute=True):
        assert do_erase_reader_copies(access_staff, reader) == 1
    assert not CopyRequest.objects.exists() and not file.exists()
    use = UseRecord.objects.get(kind="copy")
    use.refresh_from_db()
    assert (use.pages, use.reader) == (3, reader)  # the register keeps the use
    assert AuditEntry.objects.filter(action="access.copies.erase").count() == 1
