"""Copies (复制): a reader asks for copies of a unit's pages; the reading room staff make them (a background task),
check them, and deliver them (download from the reader's account, or by hand at the desk), or refuse with a reason.

check_* validates and raises ``ValidationError`` (Chinese messages); do_* writes in a transaction, logs to the audit
log (``access.copies.*``) and, at delivery, records the use in the utilization register (``record_use``, kind
``copy``). Who may ask is ``catalog.policy.can_copy_unit``; delivery and every download ask the policy again, so a
unit withdrawn since is never handed out.

A copy is made from the unit's preserved masters (``digitization.pages.unit_pages``), scaled to at most
``COPY_EDGE`` pixels and watermarked on every page (``access.watermark``); it never is the masters' bytes.
"""

from __future__ import annotations

import contextlib
import hashlib
import os
import re
import secrets
import tempfile
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import F, QuerySet
from django.http import Http404
from django.utils import timezone
from django.utils.translation import gettext as _

from dangan.access.choices import Channel, Purpose, UseKind
from dangan.access.models.copies import CopyFormat, CopyRequest, CopyStatus, Delivery
from dangan.access.watermark import CopyPage, apply_watermark, watermark_text, write_pdf, write_zip
from dangan.catalog.grants import grants_for
from dangan.catalog.models import ArchivalUnit
from dangan.catalog.policy import can_copy_unit, can_view_unit, visible_units
from dangan.core.actors import account_of, actor_id, check_actor, is_operator
from dangan.core.audit import log
from dangan.core.roles import Capability, has_capability, is_reader

from .register import record_use

__all__ = [
    "COPY_EDGE",
    "check_download",
    "check_request_copy",
    "copies_root",
    "copy_file",
    "copy_refusal",
    "do_deliver_copy",
    "do_erase_reader_copies",
    "do_fail_copy",
    "do_make_copy",
    "do_queue_make",
    "do_record_download",
    "do_refuse_copy",
    "do_request_copy",
    "max_pages",
    "parse_pages",
    "reader_copies_data",
    "visible_copies",
]

COPY_EDGE = 2400  # the longest side of a copy's page image, in pixels
# A making queued this long ago and never finished (no worker, a worker that died) may be queued again.
STALE_MAKING = timedelta(hours=1)
DEFAULT_MAX_PAGES = 200
_RANGE = re.compile(r"^(\d+)\s*(?:[-–—~～至到]\s*(\d+))?$")


# ---------------------------------------------------------------- settings


def copies_root() -> Path:
    """Where copies are kept (``DANGAN_COPIES_ROOT``, by default ``DANGAN_HOME/copies``)."""
    return Path(settings.COPIES_ROOT)


def max_pages() -> int:
    """The most pages one request may ask for (``DANGAN_COPY_MAX_PAGES``, 200 by default)."""
    return max(1, int(settings.COPY_MAX_PAGES))


def _may_serve(actor: Any) -> bool:
    return has_capability(actor, Capability.READING_ROOM)


def _require_desk(actor: Any) -> None:
    check_actor(actor)
    if not _may_serve(actor):
        raise PermissionDenied(_("您没有执行此操作的权限。"))


# ---------------------------------------------------------------- pages


def parse_pages(spec: str, total: int) -> list[int]:
    """The page numbers ``spec`` names, in order and without repeats: "1-3,5", "2、4", "全部" (or empty: all).
    ValidationError on ``pages`` with a Chinese message for a malformed spec or a page outside 1…``total``."""
    text = (spec or "").strip()
    if text in ("", "全部", "all", "*"):
        return list(range(1, total + 1))
    numbers: set[int] = set()
    for part in re.split(r"[,，、;；\s]+", text):
        if not part:
            continue
        match = _RANGE.match(part)
        if match is None:
            raise ValidationError({"pages": _("页码格式有误：“%(part)s”。请写成 1-3,5 这样的形式。") % {"part": part}})
        first = int(match.group(1))
        last = int(match.group(2)) if match.group(2) else first
        if first > last:
            raise ValidationError({"pages": _("页码范围有误：“%(part)s”，起始页应不大于结束页。") % {"part": part}})
        if first < 1 or last > total:
            raise ValidationError(
                {"pages": _("页码超出范围：本件共 %(total)d 页，“%(part)s”不在其中。") % {"total": total, "part": part}}
            )
        numbers.update(range(first, last + 1))
    if not numbers:
        raise ValidationError({"pages": _("请填写要复制的页码。")})
    return sorted(numbers)


def page_total(unit: ArchivalUnit) -> int:
    """How many pages the unit's preserved masters hold (0: not digitized)."""
    from dangan.digitization.pages import master_files

    return len(master_files(unit))


# ---------------------------------------------------------------- asking for copies


def copy_refusal(reader: Any, unit: ArchivalUnit) -> str | None:
    """Why ``reader`` may not ask for copies of ``unit`` (a Chinese sentence), or None when they may. Callers
    answer 404 first where the reader may not see the unit at all."""
    if can_copy_unit(reader, unit):
        return None
    if not can_view_unit(reader, unit):
        return _("您无权复制该档案。")
    grants = grants_for(reader)
    if unit.pk in grants.records and unit.pk not in grants.files:
        return _("该档案经批准仅限在阅览室内查阅，请到馆查阅时在服务台申请复制。")
    return _("该档案经批准仅供查阅，不得复制。")


def check_request_copy(
    actor: Any, reader: Any, unit: ArchivalUnit, *, pages: str = "", format: str = CopyFormat.PDF, purpose: str = ""
) -> list[int]:
    """Whether ``actor`` may ask for copies of ``unit``'s ``pages`` for ``reader``: the reader themself, or the
    reading room staff for a reader at the desk. Returns the page numbers."""
    check_actor(actor)
    if not is_reader(reader):
        raise ValidationError({"reader": _("复制件只能为查档人制作，请选择查档人。")})
    if is_reader(actor):
        if actor.pk != reader.pk:
            raise PermissionDenied(_("您只能为自己申请复制。"))
    elif not _may_serve(actor):
        raise PermissionDenied(_("您没有执行此操作的权限。"))
    if unit.disposed or not can_view_unit(reader, unit):
        raise ValidationError({"unit": _("该查档人无权查阅此档案，不能复制。")})
    refusal = copy_refusal(reader, unit)
    if refusal is not None:
        raise ValidationError({"unit": refusal}, code="not_copyable")
    errors: dict[str, str] = {}
    if format not in CopyFormat.values:
        errors["format"] = _("请选择复制件的格式。")
    if purpose not in Purpose.values:
        errors["purpose"] = _("请选择利用目的。")
    if errors:
        raise ValidationError(errors)
    total = page_total(unit)
    if total == 0:
        raise ValidationError({"unit": _("该档案尚无数字化页面，暂不能复制。")})
    numbers = parse_pages(pages, total)
    limit = max_pages()
    if len(numbers) > limit:
        raise ValidationError(
            {"pages": _("每次申请最多复制 %(limit)d 页，本次申请了 %(n)d 页。") % {"limit": limit, "n": len(numbers)}}
        )
    return numbers


def do_request_copy(
    actor: Any,
    reader: Any,
    unit: ArchivalUnit,
    *,
    pages: str = "",
    format: str = CopyFormat.PDF,
    purpose: str = "",
    note: str = "",
    channel: str | None = None,
) -> CopyRequest:
    """Record a request for copies (status 待处理). A reader asks online; the staff ask for a reader at the desk
    (channel 阅览室)."""
    numbers = check_request_copy(actor, reader, unit, pages=pages, format=format, purpose=purpose)
    if channel is None:
        channel = Channel.ONLINE if is_reader(actor) else Channel.READING_ROOM
    with transaction.atomic():
        copy = CopyRequest.objects.create(
            reader=reader,
            unit=unit,
            pages=(pages or "").strip()[:200],
            page_count=len(numbers),
            format=format,
            purpose=purpose,
            note=(note or "").strip()[:500],
            channel=channel,
            requested_by=account_of(actor),
        )
        log(
            copy,
            "access.copies.request",
            actor,
            {
                "unit": str(unit.uuid),
                "reader": reader.pk,
                "pages": copy.pages or "全部",
                "page_count": len(numbers),
                "format": format,
                "purpose": purpose,
                "channel": channel,
            },
        )
    return copy


# ---------------------------------------------------------------- what a person sees


def visible_copies(user: Any) -> QuerySet[CopyRequest]:
    """The requests ``user`` may see: a reader, their own (of units they may still see); the reading room staff,
    every request for a unit they may see; nobody else any."""
    rows = CopyRequest.objects.select_related("unit", "reader")
    if is_reader(user):
        return rows.filter(reader=user, unit__in=visible_units(user))
    if is_operator(user) or _may_serve(user):
        return rows.filter(unit__in=visible_units(user))
    return rows.none()


def lock_copy(copy: CopyRequest, expected_version: int | None = None) -> CopyRequest:
    """The request's row, locked until the end of the transaction and read afresh; ValidationError (code
    "conflict", 409 in the API) when it changed since ``expected_version``."""
    locked = CopyRequest.objects.select_for_update().select_related("unit", "reader").filter(pk=copy.pk).first()
    if locked is None:
        raise ValidationError(_("该复制申请已不存在。"), code="conflict")
    if expected_version is not None and locked.version != expected_version:
        raise ValidationError(_("该复制申请刚被他人处理过，请刷新后再操作。"), code="conflict")
    return locked


def _bump(copy: CopyRequest) -> None:
    copy.version = copy.version + 1


# ---------------------------------------------------------------- making the copy


def copy_file(copy: CopyRequest) -> Path | None:
    """The made copy's file, or None when there is none (not made yet, refused, or the file went away)."""
    if not copy.file_path:
        return None
    path = copies_root() / copy.file_path
    return path if path.is_file() else None


def do_queue_make(actor: Any, copy: CopyRequest, *, expected_version: int | None = None) -> CopyRequest:
    """Hand the making (or remaking, after a check found a fault) to the background worker."""
    from dangan.access.tasks import make_copy_task

    _require_desk(actor)
    with transaction.atomic():
        copy = lock_copy(copy, expected_version)
        if copy.status not in (CopyStatus.PENDING, CopyStatus.MADE):
            raise ValidationError(
                _("该复制申请已%(status)s，不能再制作。") % {"status": copy.get_status_display()}, code="conflict"
            )
        if copy.making_since is not None and timezone.now() - copy.making_since < STALE_MAKING:
            raise ValidationError(_("该复制件正在制作中。"), code="already_running")
        copy.making_since = timezone.now()
        copy.error = ""
        _bump(copy)
        copy.save(update_fields=["making_since", "error", "version", "updated"])
        copy_id, user_id = copy.pk, actor_id(actor)
        transaction.on_commit(lambda: make_copy_task.enqueue(copy_id, user_id))
    return copy


def _master_image(file: Any) -> tuple[Any, float]:
    """A master as an 8-bit Pillow image within COPY_EDGE pixels, and its resolution (DPI) after scaling."""
    import numpy
    from PIL import Image

    from dangan.preservation.iiif.derivatives import load_master, master_path, viewing_image

    image = viewing_image(load_master(master_path(file), access="sequential"))
    dpi = float(image.xres) * 25.4 if image.xres and image.xres > 1 else 0.0
    longest = max(image.width, image.height)
    if longest > COPY_EDGE:
        scale = COPY_EDGE / longest
        image = image.resize(scale)
        dpi *= scale
    array = numpy.ndarray(
        buffer=image.write_to_memory(), dtype=numpy.uint8, shape=(image.height, image.width, image.bands)
    )
    picture = Image.fromarray(array[:, :, 0] if image.bands == 1 else array)
    return picture, (dpi if dpi >= 50 else 200.0)


def _pages(copy: CopyRequest, numbers: list[int], text: str) -> Iterator[CopyPage]:
    from dangan.digitization.pages import master_files

    files = master_files(copy.unit)
    for number in numbers:
        picture, dpi = _master_image(files[number - 1])
        yield CopyPage(number, apply_watermark(picture, text), dpi)


def _institution_name() -> str:
    from dangan.core.models import Institution

    institution = Institution.current()
    return institution.name if institution else ""


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def do_make_copy(actor: Any, copy: CopyRequest) -> CopyRequest:
    """Make the copy here and now from the masters, watermarked with the reader's name and today's date, and
    record it (已制作). Idempotent: a request already made (and not queued for remaking), delivered or refused is
    returned as it is. The file is written under a temporary name and renamed into place."""
    _require_desk(actor)
    copy = CopyRequest.objects.select_related("unit", "reader").get(pk=copy.pk)
    if copy.status in (CopyStatus.DELIVERED, CopyStatus.REFUSED):
        return copy
    if copy.status == CopyStatus.MADE and copy.making_since is None and copy_file(copy) is not None:
        return copy
    reader, unit = copy.reader, copy.unit
    if unit.disposed or not can_view_unit(reader, unit):
        raise ValidationError(_("该档案现已不向该查档人提供利用，不能制作复制件。"))
    total = page_total(unit)
    if total == 0:
        raise ValidationError(_("该档案尚无数字化页面，暂不能复制。"))
    numbers = parse_pages(copy.pages, total)
    day = timezone.localdate()
    institution = _institution_name()
    text = watermark_text(reader.get_full_name() or reader.get_username(), day, institution)
    suffix = "pdf" if copy.format == CopyFormat.PDF else "zip"
    # Each making writes a file of its own: the row names the file that was recorded with it, whatever order two
    # makings of one request end in; the file it replaces is removed once the new one is recorded.
    relative = f"{str(copy.uuid)[:2]}/{copy.uuid}-{secrets.token_hex(4)}.{suffix}"
    target = copies_root() / relative
    target.parent.mkdir(parents=True, exist_ok=True)
    handle, temporary = tempfile.mkstemp(dir=target.parent, prefix=".making-", suffix=f".{suffix}")
    try:
        with os.fdopen(handle, "wb") as out:
            pages = _pages(copy, numbers, text)
            if copy.format == CopyFormat.PDF:
                title = f"{unit.reference_code or ''} {unit.title}".strip()
                count = write_pdf(out, pages, text, title=title, author=institution)
            else:
                count = write_zip(out, pages, (unit.reference_code or str(unit.uuid)).replace("/", "-"))
        os.replace(temporary, target)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(temporary)
        raise
    digest, size = _sha256(target), target.stat().st_size
    with transaction.atomic():
        copy = lock_copy(copy)
        if copy.status not in (CopyStatus.PENDING, CopyStatus.MADE):
            transaction.on_commit(lambda: target.unlink(missing_ok=True))
            return copy  # refused (or delivered) while this one was being made
        replaced = copy_file(copy)
        if replaced is not None:
            transaction.on_commit(lambda: replaced.unlink(missing_ok=True))
        copy.status = CopyStatus.MADE
        copy.made_by = account_of(actor)
        copy.made_at = timezone.now()
        copy.making_since = None
        copy.error = ""
        copy.file_path, copy.sha256, copy.size, copy.page_count = relative, digest, size, count
        _bump(copy)
        copy.save()
        log(
            copy,
            "access.copies.make",
            actor,
            {"unit": str(unit.uuid), "pages": count, "format": copy.format, "sha256": digest, "watermark": text},
        )
    return copy


def do_fail_copy(actor: Any, copy: CopyRequest, message: str) -> CopyRequest:
    """Record that making the copy failed (the desk sees why and may try again)."""
    check_actor(actor)
    with transaction.atomic():
        copy = lock_copy(copy)
        copy.making_since = None
        copy.error = message[:500]
        _bump(copy)
        copy.save(update_fields=["making_since", "error", "version", "updated"])
        log(copy, "access.copies.fail", actor, {"error": copy.error})
    return copy


# ---------------------------------------------------------------- delivering, refusing


def do_deliver_copy(
    actor: Any, copy: CopyRequest, *, delivery: str = Delivery.DOWNLOAD, expected_version: int | None = None
) -> CopyRequest:
    """Deliver a made copy: the reader may download it from their account (or has it in hand at the desk). The
    policy is asked again; the use is recorded in the utilization register."""
    _require_desk(actor)
    if delivery not in Delivery.values:
        raise ValidationError({"delivery": _("请选择交付方式。")})
    with transaction.atomic():
        copy = lock_copy(copy, expected_version)
        if copy.status != CopyStatus.MADE or copy.making_since is not None:
            raise ValidationError(_("复制件尚未制作完成，不能交付。"), code="conflict")
        if copy_file(copy) is None:
            raise ValidationError(_("找不到复制件文件，请重新制作。"), code="conflict")
        if copy.unit.disposed or not can_view_unit(copy.reader, copy.unit):
            raise ValidationError(_("该档案现已不向该查档人提供利用，不能交付。"), code="conflict")
        copy.status = CopyStatus.DELIVERED
        copy.delivered_by = account_of(actor)
        copy.delivered_at = timezone.now()
        copy.delivery = delivery
        _bump(copy)
        copy.save()
        log(copy, "access.copies.deliver", actor, {"delivery": delivery, "sha256": copy.sha256})
        record_use(
            actor,
            kind=UseKind.COPY,
            reader=copy.reader,
            unit=copy.unit,
            purpose=copy.purpose,
            channel=Channel.READING_ROOM if delivery == Delivery.IN_PERSON else Channel.ONLINE,
            pages=copy.page_count,
            source=f"copy:{copy.uuid}",
        )
    return copy


def do_refuse_copy(actor: Any, copy: CopyRequest, reason: str, *, expected_version: int | None = None) -> CopyRequest:
    """Refuse the request with a reason the reader reads (不予复制); a copy already made is removed."""
    _require_desk(actor)
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError({"reason": _("请填写不予复制的理由。")})
    with transaction.atomic():
        copy = lock_copy(copy, expected_version)
        if copy.status not in (CopyStatus.PENDING, CopyStatus.MADE):
            raise ValidationError(
                _("该复制申请已%(status)s，不能再拒绝。") % {"status": copy.get_status_display()}, code="conflict"
            )
        path = copy_file(copy)
        copy.status = CopyStatus.REFUSED
        copy.reason = reason[:500]
        copy.making_since = None
        copy.file_path = ""
        _bump(copy)
        copy.save()
        log(copy, "access.copies.refuse", actor, {"reason": copy.reason})
        if path is not None:
            transaction.on_commit(lambda: path.unlink(missing_ok=True))
    return copy


# ---------------------------------------------------------------- downloads


def check_download(user: Any, copy: CopyRequest) -> Path:
    """The file ``user`` may download, or Http404: a reader, their own delivered copy of a unit they may still see;
    the reading room staff, a made or delivered copy (to check it) of a unit they may see."""
    unit = copy.unit
    if is_reader(user):
        allowed = copy.reader_id == user.pk and copy.status == CopyStatus.DELIVERED
    else:
        allowed = _may_serve(user) and copy.status in (CopyStatus.MADE, CopyStatus.DELIVERED)
    if not allowed or unit.disposed or not can_view_unit(user, unit):
        raise Http404(_("复制件不存在。"))
    path = copy_file(copy)
    if path is None:
        raise Http404(_("复制件不存在。"))
    return path


def do_record_download(actor: Any, copy: CopyRequest) -> None:
    """Log one download of the copy (every download is audit-logged)."""
    check_actor(actor)
    with transaction.atomic():
        CopyRequest.objects.filter(pk=copy.pk).update(downloads=F("downloads") + 1)
        log(copy, "access.copies.download", actor, {"reader": copy.reader_id, "sha256": copy.sha256})


# ---------------------------------------------------------------- personal data export and erasure


def do_erase_reader_copies(actor: Any, reader: Any) -> int:
    """Delete every copy request of ``reader`` and its file (erasure on request; the readers part calls it). The
    utilization register keeps its entries without the reader. Returns how many requests were deleted."""
    check_actor(actor)
    if not has_capability(actor, Capability.READERS):
        raise PermissionDenied(_("您没有执行此操作的权限。"))
    with transaction.atomic():
        rows = list(CopyRequest.objects.select_for_update().filter(reader=reader))
        files = [path for path in (copy_file(copy) for copy in rows) if path is not None]
        for copy in rows:
            log(copy, "access.copies.erase", actor, {"reader": reader.pk})
        CopyRequest.objects.filter(pk__in=[copy.pk for copy in rows]).delete()

        def remove() -> None:
            for path in files:
                path.unlink(missing_ok=True)

        transaction.on_commit(remove)
    return len(rows)


def reader_copies_data(user: Any) -> list[dict[str, Any]]:
    """Every copy request of ``user`` as plain data, for the export of a reader's personal data (the readers part
    calls it). A unit the reader may no longer see is named by nothing but the request itself."""
    rows = []
    for copy in CopyRequest.objects.filter(reader=user).select_related("unit").order_by("created", "pk"):
        visible = not copy.unit.disposed and can_view_unit(user, copy.unit)
        rows.append(
            {
                "uuid": str(copy.uuid),
                "unit": str(copy.unit.uuid) if visible else "",
                "reference_code": (copy.unit.reference_code or "") if visible else "",
                "title": copy.unit.title if visible else "",
                "pages": copy.pages or "全部",
                "page_count": copy.page_count,
                "format": copy.format,
                "purpose": copy.purpose,
                "note": copy.note,
                "channel": copy.channel,
                "status": copy.status,
                "reason": copy.reason,
                "requested_at": copy.created.isoformat(),
                "made_at": copy.made_at.isoformat() if copy.made_at else None,
                "delivered_at": copy.delivered_at.isoformat() if copy.delivered_at else None,
                "delivery": copy.delivery,
                "downloads": copy.downloads,
                "sha256": copy.sha256,
            }
        )
    return rows
