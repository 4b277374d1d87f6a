"""Digitization endpoints (django-ninja), mounted under /api/ by dangan.api: batches (list, create, detail, units),
the resumable upload of a batch .zip and its import, pages with their QC results, the sample inspection and its
verdicts, acceptance, rework of one page, preservation — the same actions as the workspace pages. Every endpoint
needs the DIGITIZE capability; a page or unit the caller may not see is a 404."""

from __future__ import annotations

import tempfile
from pathlib import Path
from typing import Any
from uuid import UUID

from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, JsonResponse
from django.utils.translation import gettext as _
from ninja import File, Query, Status
from ninja.files import UploadedFile

from dangan.catalog.models import Fonds
from dangan.catalog.policy import can_view_unit
from dangan.core.actors import signed_in
from dangan.core.api import (
    ERROR_RESPONSES,
    ActionRouter,
    OffsetConflictOut,
    PageQuery,
    filter_query,
    paged,
    read_filters,
    receive_chunk,
    require_capability,
)
from dangan.core.roles import Capability

from .actions.batches import do_add_units_by_codes, do_create_batch, find_units, visible_batch_units
from .actions.importing import problems_of
from .actions.inspection import do_accept, do_record_verdict, do_replace_page, do_start_inspection
from .actions.jobs import active_task, do_queue_preserve
from .actions.uploads import (
    do_import_upload,
    do_start_folder_upload,
    do_start_upload,
    do_write_chunk,
    do_write_folder_file,
    folder_files,
    owned_upload,
)
from .choices import PageStatus
from .filters import BatchFilter
from .models import Batch, BatchUpload, Inspection, InspectionItem, PageScan
from .schemas import (
    BatchIn,
    BatchOut,
    BatchPage,
    BatchUploadIn,
    BatchUploadOut,
    FolderFilesOut,
    FolderUploadIn,
    ImportIn,
    InspectionOut,
    PageScanOut,
    ProblemOut,
    UnitsIn,
    VerdictIn,
    VersionIn,
)

router = ActionRouter(tags=["数字化 digitization"], by_alias=True)


def _need(request: HttpRequest) -> None:
    require_capability(request, Capability.DIGITIZE)


def _batch(uuid: UUID) -> Batch:
    batch = Batch.objects.select_related("fonds").filter(uuid=uuid).first()
    if batch is None:
        raise Http404(_("批次不存在"))
    return batch


def batch_out(batch: Batch, viewer: Any) -> dict[str, Any]:
    units = visible_batch_units(viewer, batch)
    pages = PageScan.objects.filter(batch_unit__in=units)
    return {
        "uuid": batch.uuid,
        "name": batch.name,
        "fonds": batch.fonds.code,
        "status": batch.status,
        "status_display": str(batch.get_status_display()),
        "dpi": batch.dpi,
        "colour_mode": batch.colour_mode,
        "master_format": batch.master_format,
        "max_skew_degrees": batch.max_skew_degrees,
        "operator": batch.operator,
        "organisation": batch.organisation,
        "planned_start": batch.planned_start,
        "planned_end": batch.planned_end,
        "started": batch.started,
        "finished": batch.finished,
        "sample_percent": batch.sample_percent,
        "accept_percent": batch.accept_percent,
        "version": batch.version,
        "task": active_task(batch) or None,
        "progress_done": batch.progress_done,
        "progress_total": batch.progress_total,
        "progress_label": batch.progress_label,
        "message": batch.message,
        "created": batch.created,
        "created_by": batch.created_by_name,
        "units": [
            {
                "unit": u.unit.uuid,
                "reference_code": u.reference_code,
                "title": u.unit.title,
                "expected_pages": u.expected_pages,
                "status": u.status,
                "status_display": str(u.get_status_display()),
                "preserved_version": u.preserved_version,
            }
            for u in units
        ],
        "pages": pages.count(),
        "failed_pages": pages.filter(status__in=(PageStatus.FAILED, PageStatus.REWORK)).count(),
        "problems": [p.to_dict() for p in problems_of(batch, units)] + list(batch.problems),
    }


def page_out(page: PageScan) -> dict[str, Any]:
    return {
        "id": page.pk,
        "unit": page.batch_unit.reference_code,
        "number": page.number,
        "original_name": page.original_name,
        "sha256": page.sha256,
        "size": page.size,
        "width": page.width,
        "height": page.height,
        "dpi": page.dpi,
        "colour_mode": page.colour_mode,
        "format": page.format,
        "phash": page.phash,
        "skew_degrees": page.skew_degrees,
        "status": page.status,
        "status_display": str(page.get_status_display()),
        "revision": page.revision,
        "qc": [
            {"code": r.code, "passed": r.passed, "measured": r.measured, "limit": r.limit, "message": r.message}
            for r in page.qc_results.all()
        ],
    }


def inspection_out(inspection: Inspection, viewer: Any) -> dict[str, Any]:
    items = inspection.items.select_related("page", "page__batch_unit", "page__batch_unit__unit")
    return {
        "uuid": inspection.uuid,
        "round": inspection.round,
        "inspector": inspection.inspector_name,
        "finished": inspection.finished,
        "outcome": inspection.outcome,
        "pass_percent": inspection.pass_percent,
        "items": [
            {
                "id": i.pk,
                "page": i.page_id,
                "unit": i.page.batch_unit.reference_code,
                "number": i.page.number,
                "verdict": i.verdict,
                "note": i.note,
                "decided_at": i.decided_at,
                "decided_by": i.decided_by_name,
            }
            for i in items
            if can_view_unit(viewer, i.page.batch_unit.unit)
        ],
    }


class BatchQuery(filter_query(BatchFilter)):  # type: ignore[misc]
    """The query parameters of digitization.filters.BatchFilter."""


@router.get(
    "/digitization/batches",
    response={200: BatchPage, **ERROR_RESPONSES},
    summary="数字化批次",
    description="新的在前；筛选条件与工作台列表相同（digitization.filters.BatchFilter）。",
)
def list_batches(request: HttpRequest, filters: Query[BatchQuery], paging: Query[PageQuery]) -> Any:
    _need(request)
    viewer = signed_in(request)
    rows = read_filters(BatchFilter, filters).apply(request.user)
    return paged(rows, paging, lambda batch: batch_out(batch, viewer))


@router.post("/digitization/batches", response={201: BatchOut, **ERROR_RESPONSES}, summary="登记批次")
def create_batch(request: HttpRequest, body: BatchIn) -> Any:
    _need(request)
    viewer = signed_in(request)
    fonds = Fonds.objects.filter(code=body.fonds).first()
    if fonds is None:
        raise ValidationError({"fonds": _("全宗不存在：%(code)s") % {"code": body.fonds}})
    units, missing = find_units(viewer, fonds, body.units)
    if missing:
        raise ValidationError(
            {
                "units": _("全宗 %(fonds)s 中没有这些档号（或您无权查看）：%(codes)s")
                % {"fonds": fonds.code, "codes": "、".join(missing[:50])}
            }
        )
    fields = body.dict(exclude={"name", "fonds", "units"})
    batch = do_create_batch(viewer, body.name, fonds, units=units, **fields)
    return Status(201, batch_out(batch, viewer))


@router.get("/digitization/batches/{uuid}", response={200: BatchOut, **ERROR_RESPONSES}, summary="一个批次")
def get_batch(request: HttpRequest, uuid: UUID) -> Any:
    _need(request)
    return batch_out(_batch(uuid), signed_in(request))


@router.post("/digitization/batches/{uuid}/units", response={200: BatchOut, **ERROR_RESPONSES}, summary="添加档案")
def add_units(request: HttpRequest, uuid: UUID, body: UnitsIn) -> Any:
    _need(request)
    batch = _batch(uuid)
    do_add_units_by_codes(signed_in(request), batch, body.units, expected_version=body.version)
    return batch_out(_batch(uuid), signed_in(request))


@router.get(
    "/digitization/batches/{uuid}/pages",
    response={200: list[PageScanOut], **ERROR_RESPONSES},
    summary="页面图像与质检结果",
)
def list_pages(request: HttpRequest, uuid: UUID) -> Any:
    _need(request)
    batch = _batch(uuid)
    units = visible_batch_units(signed_in(request), batch)
    pages = (
        PageScan.objects.filter(batch_unit__in=units)
        .select_related("batch_unit")
        .prefetch_related("qc_results")
        .order_by("batch_unit__position", "batch_unit_id", "number")
    )
    return [page_out(p) for p in pages]


@router.get(
    "/digitization/batches/{uuid}/problems",
    response={200: list[ProblemOut], **ERROR_RESPONSES},
    summary="质检问题（档号、页、检查项、测量值、要求）",
)
def list_problems(request: HttpRequest, uuid: UUID) -> Any:
    _need(request)
    batch = _batch(uuid)
    units = visible_batch_units(signed_in(request), batch)
    return [p.to_dict() for p in problems_of(batch, units)] + list(batch.problems)


# ---------------------------------------------------------------- upload and import


def upload_out(upload: BatchUpload) -> dict[str, Any]:
    return {
        "uuid": upload.uuid,
        "batch": upload.batch.uuid,
        "file_name": upload.file_name,
        "size": upload.size,
        "offset": upload.received,
        "complete": upload.complete,
        "used": upload.used,
    }


def _upload(request: HttpRequest, uuid: UUID) -> BatchUpload:
    upload = BatchUpload.objects.select_related("batch").filter(uuid=uuid).first()
    if upload is None:
        raise Http404(_("上传不存在"))
    return owned_upload(signed_in(request), upload)


@router.post(
    "/digitization/batches/{uuid}/uploads",
    response={201: BatchUploadOut, **ERROR_RESPONSES},
    summary="开始上传扫描成果（.zip）",
    url_name="digitization_start_upload",
)
def start_upload(request: HttpRequest, uuid: UUID, body: BatchUploadIn) -> Any:
    _need(request)
    return Status(201, upload_out(do_start_upload(signed_in(request), _batch(uuid), body.file_name, body.size)))


@router.get(
    "/digitization/uploads/{uuid}", response={200: BatchUploadOut, **ERROR_RESPONSES}, summary="上传进度（续传偏移量）"
)
def get_upload(request: HttpRequest, uuid: UUID) -> Any:
    _need(request)
    return upload_out(_upload(request, uuid))


@router.put(
    "/digitization/uploads/{uuid}",
    response={200: BatchUploadOut, 409: OffsetConflictOut, **ERROR_RESPONSES},
    summary="上传一个数据块",
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


@router.post(
    "/digitization/batches/{uuid}/folder-uploads",
    response={201: BatchUploadOut, **ERROR_RESPONSES},
    summary="开始上传批次文件夹（逐个文件）",
    url_name="digitization_start_folder_upload",
)
def start_folder_upload(request: HttpRequest, uuid: UUID, body: FolderUploadIn) -> Any:
    _need(request)
    upload = do_start_folder_upload(signed_in(request), _batch(uuid), body.folder_name, body.size)
    return Status(201, upload_out(upload))


@router.get(
    "/digitization/uploads/{uuid}/files",
    response={200: FolderFilesOut, **ERROR_RESPONSES},
    summary="文件夹上传已收到的文件（续传时只发其余的）",
)
def get_folder_files(request: HttpRequest, uuid: UUID) -> Any:
    _need(request)
    return {"files": folder_files(_upload(request, uuid))}


@router.put(
    "/digitization/uploads/{uuid}/files",
    response={200: BatchUploadOut, **ERROR_RESPONSES},
    summary="上传文件夹中的一个文件",
    description="请求体为该文件的全部字节；path 为文件在批次文件夹中的相对路径（档号文件夹/0001.tif）。",
)
def put_folder_file(request: HttpRequest, uuid: UUID, path: str) -> Any:
    _need(request)
    upload = _upload(request, uuid)
    length = int(request.headers.get("Content-Length") or 0)
    return upload_out(do_write_folder_file(signed_in(request), upload, path, request, length))


@router.post(
    "/digitization/batches/{uuid}/import",
    response={202: BatchOut, **ERROR_RESPONSES},
    summary="导入已上传的扫描成果并质检（后台任务）",
)
def import_upload(request: HttpRequest, uuid: UUID, body: ImportIn) -> Any:
    _need(request)
    batch = _batch(uuid)
    upload = _upload(request, body.upload)
    if upload.batch_id != batch.pk:
        raise Http404(_("上传不存在"))
    do_import_upload(signed_in(request), upload)
    return Status(202, batch_out(_batch(uuid), signed_in(request)))


# ---------------------------------------------------------------- inspection, acceptance, rework, preservation


@router.post(
    "/digitization/batches/{uuid}/inspection",
    response={200: InspectionOut, **ERROR_RESPONSES},
    summary="开始（或继续）人工抽检",
)
def start_inspection(request: HttpRequest, uuid: UUID) -> Any:
    _need(request)
    return inspection_out(do_start_inspection(signed_in(request), _batch(uuid)), signed_in(request))


@router.post(
    "/digitization/inspection-items/{item_id}/verdict",
    response={200: InspectionOut, **ERROR_RESPONSES},
    summary="抽检判定",
)
def record_verdict(request: HttpRequest, item_id: int, body: VerdictIn) -> Any:
    _need(request)
    item = InspectionItem.objects.select_related("inspection", "page__batch_unit__unit").filter(pk=item_id).first()
    if item is None or not can_view_unit(signed_in(request), item.page.batch_unit.unit):
        raise Http404(_("抽检页不存在"))
    do_record_verdict(signed_in(request), item, body.verdict, body.note)
    return inspection_out(item.inspection, signed_in(request))


@router.post(
    "/digitization/batches/{uuid}/accept", response={200: BatchOut, **ERROR_RESPONSES}, summary="验收（按抽检合格率）"
)
def accept_batch(request: HttpRequest, uuid: UUID, body: VersionIn) -> Any:
    _need(request)
    batch = do_accept(signed_in(request), _batch(uuid), expected_version=body.version)
    return batch_out(batch, signed_in(request))


@router.post(
    "/digitization/pages/{page_id}/replace",
    response={200: PageScanOut, **ERROR_RESPONSES},
    summary="返工：替换一页并只重新质检该页",
)
def replace_page(request: HttpRequest, page_id: int, image: File[UploadedFile | None] = None) -> Any:
    _need(request)
    page = PageScan.objects.select_related("batch", "batch_unit", "batch_unit__unit").filter(pk=page_id).first()
    if page is None or not can_view_unit(signed_in(request), page.batch_unit.unit):
        raise Http404(_("页面不存在"))
    if image is None:
        raise ValidationError({"image": _("请选择替换图像。")})
    suffix = Path(image.name or "").suffix.lower()[:10]
    with tempfile.TemporaryDirectory() as folder:
        source = Path(folder) / f"replacement{suffix}"
        with open(source, "wb") as out:
            for chunk in image.chunks():
                out.write(chunk)
        page = do_replace_page(signed_in(request), page, source, original_name=image.name or "")
    return page_out(page)


@router.post(
    "/digitization/batches/{uuid}/preserve",
    response={202: BatchOut, **ERROR_RESPONSES},
    summary="入库长期保存（后台任务）",
)
def preserve_batch(request: HttpRequest, uuid: UUID) -> Any:
    _need(request)
    batch = do_queue_preserve(signed_in(request), _batch(uuid))
    return Status(202, batch_out(batch, signed_in(request)))
