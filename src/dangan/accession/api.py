"""Accession endpoints (django-ninja), mounted under /api/ by dangan.api: resumable uploads, transfers and their
actions, check reports (JSON and PDF), manual item signatures. Every endpoint needs the accession capability."""

from __future__ import annotations

import re
from typing import Any
from uuid import UUID

from django.core.exceptions import ValidationError
from django.db import transaction
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.utils.translation import gettext as _
from ninja import Query, Schema

from dangan.core.api import (
    ERROR_RESPONSES,
    ActionRouter,
    PageOut,
    PageQuery,
    filter_query,
    paged,
    read_filters,
    require_capability,
)
from dangan.core.roles import Capability

from .actions.accepting import check_accept, do_reject, do_return
from .actions.checking import do_sign_item, report_to_dict
from .actions.uploads import OffsetMismatch, do_receive_upload, do_start_upload, do_write_chunk, owned_upload
from .filters import TransferFilter
from .models import CheckItem, CheckReport, Transfer, Upload

router = ActionRouter(tags=["接收 accession"])
_RANGE = re.compile(r"bytes (\d+)-(\d+)/(\d+)")


class UploadIn(Schema):
    file_name: str
    size: int


class TransferIn(Schema):
    upload: UUID
    fonds: str | None = None
    kind: str = "transfer"
    transferring_unit: str = ""
    batch: str = ""
    declared_items: int | None = None
    declared_bytes: int | None = None


class ReasonIn(Schema):
    reason: str


class AcceptIn(Schema):
    override_reason: str = ""


class SignIn(Schema):
    result: str
    note: str = ""


def _need(request: HttpRequest) -> None:
    require_capability(request, Capability.ACCESSION)


def upload_out(upload: Upload) -> dict[str, Any]:
    return {
        "uuid": str(upload.uuid),
        "file_name": upload.file_name,
        "size": upload.size,
        "offset": upload.received,
        "status": upload.status,
    }


def transfer_out(transfer: Transfer) -> dict[str, Any]:
    report = transfer.latest_report()
    return {
        "uuid": str(transfer.uuid),
        "kind": transfer.kind,
        "status": transfer.status,
        "status_display": str(transfer.get_status_display()),
        "verdict": transfer.verdict,
        "fonds": transfer.fonds.code if transfer.fonds else None,
        "transferring_unit": transfer.transferring_unit,
        "batch": transfer.batch,
        "source_name": transfer.source_name,
        "files": transfer.payload_files,
        "bytes": transfer.payload_bytes,
        "items": transfer.item_count,
        "preserved_items": transfer.preserved_items,
        "message": transfer.message,
        "report": str(report.uuid) if report else None,
        "steps": [
            {
                "status": s.status,
                "status_display": str(s.get_status_display()),
                "by": s.username,
                "at": s.at.isoformat(),
                "note": s.note,
            }
            for s in transfer.steps.all()
        ],
        "created": transfer.created.isoformat(),
    }


def _upload(request: HttpRequest, uuid: UUID) -> Upload:
    upload = Upload.objects.filter(uuid=uuid).first()
    if upload is None:
        raise Http404(_("上传不存在"))
    return owned_upload(request.user, upload)


def _transfer(uuid: UUID) -> Transfer:
    transfer = Transfer.objects.select_related("fonds").filter(uuid=uuid).first()
    if transfer is None:
        raise Http404(_("移交不存在"))
    return transfer


@router.post("/accession/uploads", response={201: dict, **ERROR_RESPONSES}, summary="开始上传 / start an upload")
def start_upload(request: HttpRequest, body: UploadIn) -> Any:
    _need(request)
    return 201, upload_out(do_start_upload(request.user, body.file_name, body.size))


@router.get("/accession/uploads/{uuid}", response={200: dict, **ERROR_RESPONSES}, summary="上传进度（续传偏移量）")
def get_upload(request: HttpRequest, uuid: UUID) -> Any:
    _need(request)
    return upload_out(_upload(request, uuid))


@router.put(
    "/accession/uploads/{uuid}",
    response={200: dict, **ERROR_RESPONSES},
    summary="上传一个数据块 / send a chunk",
    description="请求体为原始字节；Content-Range: bytes START-END/TOTAL（START 须等于已接收的字节数，否则 409 并返回 offset）。",
)
def put_chunk(request: HttpRequest, uuid: UUID) -> Any:
    _need(request)
    upload = _upload(request, uuid)
    match = _RANGE.fullmatch(request.headers.get("Content-Range", "").strip())
    length = int(request.headers.get("Content-Length") or 0)
    if match is None:
        raise ValidationError({"Content-Range": _("缺少或无法识别 Content-Range（bytes START-END/TOTAL）")})
    start, end, total = (int(g) for g in match.groups())
    if total != upload.size or end - start + 1 != length:
        raise ValidationError({"Content-Range": _("Content-Range 与上传大小或数据长度不符")})
    try:
        upload = do_write_chunk(request.user, upload, start, request, length)
    except OffsetMismatch as exc:
        return JsonResponse({"detail": exc.messages[0], "errors": {}, "offset": exc.offset}, status=409)
    return upload_out(upload)


@router.post("/accession/transfers", response={201: dict, **ERROR_RESPONSES}, summary="登记移交并开始检测")
def create_transfer(request: HttpRequest, body: TransferIn) -> Any:
    _need(request)
    from dangan.catalog.api.common import fonds_or_error

    from .views import queue_check

    fonds = fonds_or_error(body.fonds) if body.fonds else None
    with transaction.atomic():
        transfer = do_receive_upload(
            request.user,
            _upload(request, body.upload),
            fonds=fonds,
            kind=body.kind,
            transferring_unit=body.transferring_unit,
            batch=body.batch,
            declared_items=body.declared_items,
            declared_bytes=body.declared_bytes,
        )
        queue_check(request.user, transfer)
    transfer.refresh_from_db()
    return 201, transfer_out(transfer)


class TransferPage(PageOut):
    items: list[dict[str, Any]]


class TransferQuery(filter_query(TransferFilter)):  # type: ignore[misc]
    """The query parameters of accession.filters.TransferFilter."""


@router.get(
    "/accession/transfers",
    response={200: TransferPage, **ERROR_RESPONSES},
    summary="移交登记簿",
    description="新的在前；筛选条件与工作台列表相同（accession.filters.TransferFilter）。",
)
def list_transfers(request: HttpRequest, filters: Query[TransferQuery], paging: Query[PageQuery]) -> Any:
    _need(request)
    transfers = read_filters(TransferFilter, filters).apply(request.user)
    return paged(transfers, paging, transfer_out)


@router.get("/accession/transfers/{uuid}", response={200: dict, **ERROR_RESPONSES}, summary="一次移交")
def get_transfer(request: HttpRequest, uuid: UUID) -> Any:
    _need(request)
    return transfer_out(_transfer(uuid))


@router.post("/accession/transfers/{uuid}/check", response={202: dict, **ERROR_RESPONSES}, summary="重新检测")
def check_transfer(request: HttpRequest, uuid: UUID) -> Any:
    _need(request)
    from .views import queue_check

    transfer = _transfer(uuid)
    if not transfer.is_open:
        raise ValidationError(_("该移交已结束，不能再检测。"))
    with transaction.atomic():
        queue_check(request.user, transfer)
    transfer.refresh_from_db()
    return 202, transfer_out(transfer)


@router.post("/accession/transfers/{uuid}/accept", response={202: dict, **ERROR_RESPONSES}, summary="接收入库")
def accept_transfer(request: HttpRequest, uuid: UUID, body: AcceptIn) -> Any:
    _need(request)
    from .tasks import accept_transfer_task

    transfer = _transfer(uuid)
    check_accept(request.user, transfer, body.override_reason)
    transfer_id, user_id, reason = transfer.pk, request.user.pk, body.override_reason
    with transaction.atomic():
        transaction.on_commit(lambda: accept_transfer_task.enqueue(transfer_id, user_id, reason))
    transfer.refresh_from_db()
    return 202, transfer_out(transfer)


@router.post("/accession/transfers/{uuid}/reject", response={200: dict, **ERROR_RESPONSES}, summary="拒收")
def reject_transfer(request: HttpRequest, uuid: UUID, body: ReasonIn) -> Any:
    _need(request)
    return transfer_out(do_reject(request.user, _transfer(uuid), body.reason))


@router.post("/accession/transfers/{uuid}/return", response={200: dict, **ERROR_RESPONSES}, summary="退回整改")
def return_transfer(request: HttpRequest, uuid: UUID, body: ReasonIn) -> Any:
    _need(request)
    return transfer_out(do_return(request.user, _transfer(uuid), body.reason))


def _report(uuid: UUID) -> CheckReport:
    report = CheckReport.objects.select_related("transfer").filter(uuid=uuid).first()
    if report is None:
        raise Http404(_("检测报告不存在"))
    return report


@router.get("/accession/reports/{uuid}", response={200: dict, **ERROR_RESPONSES}, summary="四性检测报告（JSON）")
def get_report(request: HttpRequest, uuid: UUID) -> Any:
    _need(request)
    return report_to_dict(_report(uuid))


@router.get("/accession/reports/{uuid}/pdf", summary="四性检测报告（PDF）", response={200: None, **ERROR_RESPONSES})
def get_report_pdf(request: HttpRequest, uuid: UUID) -> Any:
    _need(request)
    from .report_pdf import render_report_pdf

    response = HttpResponse(render_report_pdf(_report(uuid)), content_type="application/pdf")
    response["Content-Disposition"] = f'attachment; filename="report-{uuid}.pdf"'
    return response


@router.post(
    "/accession/reports/{uuid}/items/{code}/sign", response={200: dict, **ERROR_RESPONSES}, summary="签署人工检测项"
)
def sign_item(request: HttpRequest, uuid: UUID, code: str, body: SignIn) -> Any:
    _need(request)
    item = CheckItem.objects.select_related("report", "report__transfer").filter(report__uuid=uuid, code=code).first()
    if item is None:
        raise Http404(_("检测项不存在"))
    do_sign_item(request.user, item, body.result, body.note)
    return report_to_dict(item.report)
