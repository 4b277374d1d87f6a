"""Catalog import endpoints (目录导入): upload a spreadsheet, follow the batch, and import a passed dry run's file
without uploading it again (正式导入)."""

from __future__ import annotations

from typing import Any
from uuid import UUID

from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, JsonResponse
from django.utils.translation import gettext as _
from ninja import File, Form, Query, Status, UploadedFile

from dangan.catalog.filters import ImportBatchFilter
from dangan.catalog.models import ImportBatch
from dangan.catalog.policy import import_report_errors
from dangan.core.api import (
    ERROR_RESPONSES,
    ActionRouter,
    ErrorOut,
    ShortPageQuery,
    error_response,
    paged,
    read_filters,
    require_capability,
)
from dangan.core.roles import Capability

from .common import fonds_or_error
from .schemas import ImportOut, ImportPage, ImportQuery

router = ActionRouter(tags=["目录导入 imports"])


class ImportBatchOut(ImportOut):
    dry_run_batch: UUID | None = None  # for an import started from a dry run: that dry run


def import_summary(batch: ImportBatch) -> dict[str, Any]:
    from dangan.catalog.actions.importing import settle_if_stale

    settle_if_stale(batch)  # a batch whose task ended abnormally reads as failed, not as running forever
    return {
        "uuid": batch.uuid,
        "fonds": batch.fonds.code,
        "file_name": batch.file_name,
        "dry_run": batch.dry_run,
        "status": batch.status,
        "status_display": str(batch.get_status_display()),
        "total_rows": batch.total_rows,
        "processed_rows": batch.processed_rows,
        "created_count": batch.created_count,
        "unchanged_count": batch.unchanged_count,
        "message": batch.message,
        "created": batch.created,
        "finished": batch.finished,
        "dry_run_batch": batch.dry_run_batch.uuid if batch.dry_run_batch else None,
    }


def _conflict(exc: Exception, batch: ImportBatch) -> JsonResponse:
    response = error_response(409, str(exc))
    response["Location"] = f"/api/imports/{batch.uuid}"
    return response


def import_out(request: HttpRequest, batch: ImportBatch) -> dict[str, Any]:
    return {**import_summary(batch), "errors": import_report_errors(request.user, batch)}


@router.get(
    "/imports",
    response={200: ImportPage, **ERROR_RESPONSES},
    summary="导入批次列表 / import batches",
    description="新的在前；筛选条件与工作台列表相同（catalog.filters.ImportBatchFilter）。逐行问题见单个批次。",
)
def list_imports(request: HttpRequest, filters: Query[ImportQuery], paging: Query[ShortPageQuery]) -> Any:
    require_capability(request, Capability.CATALOG_IMPORT)
    batches = read_filters(ImportBatchFilter, filters).apply(request.user)
    return paged(batches, paging, import_summary)


@router.post(
    "/imports",
    response={201: ImportBatchOut, 409: ErrorOut, 413: ErrorOut, **ERROR_RESPONSES},
    summary="导入目录 / import a catalog file",
    description="上传 .xlsx 或 .csv（multipart：file、fonds、dry_run）。返回导入批次；校验未通过时 status 为 invalid，"
    "errors 逐行列出问题。后台执行时可用 GET /api/imports/{uuid} 查询进度。文件大小上限与网页相同"
    "（DANGAN_IMPORT_MAX_BYTES，超过时 413）；同一文件向同一全宗的同类导入正在进行时返回 409，"
    "Location 指向进行中的批次。试导入（dry_run）通过后，用 POST /api/imports/{uuid}/import 正式导入，无须再次上传。",
)
def start_import(request: HttpRequest, file: File[UploadedFile], fonds: Form[str], dry_run: Form[bool] = False) -> Any:
    require_capability(request, Capability.CATALOG_IMPORT)
    from dangan.catalog.actions.importing import FileTooLarge, ImportAlreadyActive, ImportError_, do_start_import

    target = fonds_or_error(fonds)
    try:
        batch = do_start_import(request.user, target, file.name or "upload", file, dry_run=dry_run)
    except FileTooLarge as exc:  # the same limit as the web form's
        return error_response(413, str(exc), {"file": str(exc)})
    except ImportAlreadyActive as exc:
        return _conflict(exc, exc.batch)
    except ImportError_ as exc:  # the file cannot be imported at all (e.g. not .xlsx/.csv): nothing was started
        raise ValidationError({"file": str(exc)}) from None
    batch.refresh_from_db()  # a task may have run it to the end already (the immediate backend)
    return Status(201, import_out(request, batch))


@router.get(
    "/imports/{uuid:batch_id}", response={200: ImportBatchOut, **ERROR_RESPONSES}, summary="导入批次 / one batch"
)
def get_import(request: HttpRequest, batch_id: UUID) -> Any:
    require_capability(request, Capability.CATALOG_IMPORT)
    batch = ImportBatch.objects.select_related("fonds", "dry_run_batch").filter(uuid=batch_id).first()
    if batch is None:
        raise Http404(_("导入批次不存在"))
    return import_out(request, batch)


@router.post(
    "/imports/{uuid:batch_id}/import",
    response={201: ImportBatchOut, 409: ErrorOut, **ERROR_RESPONSES},
    summary="正式导入试导入的文件 / import the file of a passed dry run",
    description="对校验通过（status 为 checked）的试导入批次，以服务器上保存的同一文件正式导入，无须再次上传；"
    "导入时按当时的目录重新校验全部行。只有上传该文件的人可以正式导入（403）；不是校验通过的试导入、"
    "已正式导入过或文件已不在服务器上时 422；同一导入正在进行时 409。返回新的导入批次（dry_run_batch 为该试导入）。",
)
def import_checked(request: HttpRequest, batch_id: UUID) -> Any:
    require_capability(request, Capability.CATALOG_IMPORT)
    from dangan.catalog.actions.importing import ImportAlreadyActive, do_import_checked

    checked = ImportBatch.objects.select_related("fonds").filter(uuid=batch_id).first()
    if checked is None:
        raise Http404(_("导入批次不存在"))
    try:
        batch = do_import_checked(request.user, checked)
    except ImportAlreadyActive as exc:
        return _conflict(exc, exc.batch)
    batch.refresh_from_db()
    return Status(201, import_out(request, batch))
