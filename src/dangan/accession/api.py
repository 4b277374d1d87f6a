"""Accession endpoints (django-ninja), mounted under /api/ by dangan.api: resumable uploads, transfers and their
actions, check reports (JSON and PDF), manual item signatures. Every endpoint needs the accession capability; each
calls an action, and its body and answer are typed (accession.schemas)."""

from __future__ import annotations

from typing import Any
from uuid import UUID

from django.db import transaction
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.utils.translation import gettext as _
from ninja import Query, Status

from dangan.core.api import (
    ERROR_RESPONSES,
    ActionRouter,
    OffsetConflictOut,
    PageOut,
    PageQuery,
    filter_query,
    paged,
    read_filters,
    receive_chunk,
    require_capability,
)
from dangan.core.roles import Capability

from .actions.accepting import do_reject, do_return
from .actions.access import may_act
from .actions.checking import do_sign_item
from .actions.jobs import active_task, do_queue_accept, do_queue_check
from .actions.reports import report_to_dict
from .actions.uploads import do_receive_upload, do_start_upload, do_write_chunk, owned_upload
from .filters import TransferFilter
from .models import CheckItem, CheckReport, Transfer, Upload
from .schemas import (
    AcceptIn,
    ReasonIn,
    ReportOut,
    SignIn,
    TransferIn,
    TransferOut,
    UploadIn,
    UploadOut,
)
from .views import signed_in

router = ActionRouter(tags=["接收 accession"], by_alias=True)
PDF_RESPONSE = {
    "responses": {
        "200": {
            "description": "四性检测报告（PDF/A-2b）",
            "content": {"application/pdf": {"schema": {"type": "string", "format": "binary"}}},
        }
    }
}


def _need(request: HttpRequest) -> None:
    require_capability(request, Capability.ACCESSION)


def upload_out(upload: Upload) -> dict[str, Any]:
    return {
        "uuid": upload.uuid,
        "file_name": upload.file_name,
        "size": upload.size,
        "offset": upload.received,
        "status": upload.status,
    }


def transfer_out(transfer: Transfer, viewer: Any) -> dict[str, Any]:
    report = transfer.latest_report()
    return {
        "uuid": transfer.uuid,
        "kind": transfer.kind,
        "status": transfer.status,
        "status_display": str(transfer.get_status_display()),
        "verdict": transfer.verdict,
        "fonds": transfer.fonds.code if transfer.fonds else None,
        "transferring_unit": transfer.transferring_unit,
        "batch": transfer.batch,
        "source_name": transfer.source_name,
        "declared_items": transfer.declared_items,
        "declared_bytes": transfer.declared_bytes,
        "files": transfer.payload_files,
        "bytes": transfer.payload_bytes,
        "items": transfer.item_count,
        "preserved_items": transfer.preserved_items,
        "message": transfer.message,
        "report": report.uuid if report else None,
        "task": active_task(transfer) or None,
        "may_act": may_act(viewer, transfer),
        "steps": [
            {
                "status": s.status,
                "status_display": str(s.get_status_display()),
                "by": s.username,
                "at": s.at,
                "note": s.note,
            }
            for s in transfer.steps.all()
        ],
        "created": transfer.created,
    }


def _upload(request: HttpRequest, uuid: UUID) -> Upload:
    upload = Upload.objects.filter(uuid=uuid).first()
    if upload is None:
        raise Http404(_("上传不存在"))
    return owned_upload(signed_in(request), upload)


def _transfer(uuid: UUID) -> Transfer:
    transfer = Transfer.objects.select_related("fonds").filter(uuid=uuid).first()
    if transfer is None:
        raise Http404(_("移交不存在"))
    return transfer


@router.post("/accession/uploads", response={201: UploadOut, **ERROR_RESPONSES}, summary="开始上传 / start an upload")
def start_upload(request: HttpRequest, body: UploadIn) -> Any:
    _need(request)
    return Status(201, upload_out(do_start_upload(signed_in(request), body.file_name, body.size)))


@router.get("/accession/uploads/{uuid}", response={200: UploadOut, **ERROR_RESPONSES}, summary="上传进度（续传偏移量）")
def get_upload(request: HttpRequest, uuid: UUID) -> Any:
    _need(request)
    return upload_out(_upload(request, uuid))


@router.put(
    "/accession/uploads/{uuid}",
    response={200: UploadOut, 409: OffsetConflictOut, **ERROR_RESPONSES},
    summary="上传一个数据块 / send a chunk",
    description="请求体为原始字节；Content-Range: bytes START-END/TOTAL（START 须等于已接收的字节数，否则 409 并返回 offset）。",
)
def put_chunk(request: HttpRequest, uuid: UUID) -> Any:
    _need(request)
    upload = _upload(request, uuid)
    actor = signed_in(request)
    written = receive_chunk(
        request, upload.size, lambda start, length: do_write_chunk(actor, upload, start, request, length)
    )
    return written if isinstance(written, JsonResponse) else upload_out(written)


@router.post("/accession/transfers", response={201: TransferOut, **ERROR_RESPONSES}, summary="登记移交并开始检测")
def create_transfer(request: HttpRequest, body: TransferIn) -> Any:
    _need(request)
    from dangan.catalog.api.common import fonds_or_error

    fonds = fonds_or_error(body.fonds) if body.fonds else None
    with transaction.atomic():
        transfer = do_receive_upload(
            signed_in(request),
            _upload(request, body.upload),
            fonds=fonds,
            kind=body.kind,
            transferring_unit=body.transferring_unit,
            batch=body.batch,
            declared_items=body.declared_items,
            declared_bytes=body.declared_bytes,
        )
        do_queue_check(signed_in(request), transfer)
    transfer.refresh_from_db()
    return Status(201, transfer_out(transfer, signed_in(request)))


class TransferPage(PageOut):
    items: list[TransferOut]


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
    viewer = signed_in(request)
    return paged(transfers, paging, lambda transfer: transfer_out(transfer, viewer))


@router.get("/accession/transfers/{uuid}", response={200: TransferOut, **ERROR_RESPONSES}, summary="一次移交")
def get_transfer(request: HttpRequest, uuid: UUID) -> Any:
    _need(request)
    return transfer_out(_transfer(uuid), signed_in(request))


@router.post("/accession/transfers/{uuid}/check", response={202: TransferOut, **ERROR_RESPONSES}, summary="重新检测")
def check_transfer(request: HttpRequest, uuid: UUID) -> Any:
    _need(request)
    transfer = do_queue_check(signed_in(request), _transfer(uuid))
    transfer.refresh_from_db()
    return Status(202, transfer_out(transfer, signed_in(request)))


@router.post("/accession/transfers/{uuid}/accept", response={202: TransferOut, **ERROR_RESPONSES}, summary="接收入库")
def accept_transfer(request: HttpRequest, uuid: UUID, body: AcceptIn) -> Any:
    _need(request)
    transfer = do_queue_accept(signed_in(request), _transfer(uuid), body.override_reason)
    transfer.refresh_from_db()
    return Status(202, transfer_out(transfer, signed_in(request)))


@router.post("/accession/transfers/{uuid}/reject", response={200: TransferOut, **ERROR_RESPONSES}, summary="拒收")
def reject_transfer(request: HttpRequest, uuid: UUID, body: ReasonIn) -> Any:
    _need(request)
    return transfer_out(do_reject(signed_in(request), _transfer(uuid), body.reason), signed_in(request))


@router.post("/accession/transfers/{uuid}/return", response={200: TransferOut, **ERROR_RESPONSES}, summary="退回整改")
def return_transfer(request: HttpRequest, uuid: UUID, body: ReasonIn) -> Any:
    _need(request)
    return transfer_out(do_return(signed_in(request), _transfer(uuid), body.reason), signed_in(request))


def _report(uuid: UUID) -> CheckReport:
    report = CheckReport.objects.select_related("transfer").filter(uuid=uuid).first()
    if report is None:
        raise Http404(_("检测报告不存在"))
    return report


@router.get("/accession/reports/{uuid}", response={200: ReportOut, **ERROR_RESPONSES}, summary="四性检测报告（JSON）")
def get_report(request: HttpRequest, uuid: UUID) -> Any:
    _need(request)
    return report_to_dict(_report(uuid), signed_in(request))


@router.get(
    "/accession/reports/{uuid}/pdf",
    summary="四性检测报告（PDF）",
    response=ERROR_RESPONSES,  # the 200 (a PDF) is described in PDF_RESPONSE
    openapi_extra=PDF_RESPONSE,
)
def get_report_pdf(request: HttpRequest, uuid: UUID) -> Any:
    _need(request)
    from .report_pdf import render_report_pdf

    response = HttpResponse(render_report_pdf(_report(uuid), signed_in(request)), content_type="application/pdf")
    response["Content-Disposition"] = f'attachment; filename="report-{uuid}.pdf"'
    return response


@router.post(
    "/accession/reports/{uuid}/items/{code}/sign",
    response={200: ReportOut, **ERROR_RESPONSES},
    summary="签署人工检测项",
)
def sign_item(request: HttpRequest, uuid: UUID, code: str, body: SignIn) -> Any:
    _need(request)
    item = CheckItem.objects.select_related("report", "report__transfer").filter(report__uuid=uuid, code=code).first()
    if item is None:
        raise Http404(_("检测项不存在"))
    do_sign_item(signed_in(request), item, body.result, body.note)
    return report_to_dict(item.report, signed_in(request))
