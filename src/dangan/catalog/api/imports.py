"""Catalog import endpoints (目录导入): upload a spreadsheet, then follow the batch."""

from __future__ import annotations

from typing import Any
from uuid import UUID

from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest
from django.utils.translation import gettext as _
from ninja import File, Form, Query, Status, UploadedFile

from dangan.catalog.filters import ImportBatchFilter
from dangan.catalog.models import ImportBatch
from dangan.catalog.policy import import_report_errors
from dangan.core.api import ERROR_RESPONSES, ActionRouter, ShortPageQuery, paged, read_filters, require_capability
from dangan.core.roles import Capability

from .common import fonds_or_error
from .schemas import ImportOut, ImportPage, ImportQuery

router = ActionRouter(tags=["目录导入 imports"])


def import_summary(batch: ImportBatch) -> dict[str, Any]:
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
    }


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
    response={201: ImportOut, **ERROR_RESPONSES},
    summary="导入目录 / import a catalog file",
    description="上传 .xlsx 或 .csv（multipart：file、fonds、dry_run）。返回导入批次；校验未通过时 status 为 invalid，"
    "errors 逐行列出问题。后台执行时可用 GET /api/imports/{uuid} 查询进度。",
)
def start_import(request: HttpRequest, file: File[UploadedFile], fonds: Form[str], dry_run: Form[bool] = False) -> Any:
    require_capability(request, Capability.CATALOG_IMPORT)
    from dangan.catalog.actions.importing import ImportError_, do_start_import

    target = fonds_or_error(fonds)
    try:
        batch = do_start_import(request.user, target, file.name or "upload", file, dry_run=dry_run)
    except ImportError_ as exc:  # the file cannot be imported at all (e.g. not .xlsx/.csv): nothing was started
        raise ValidationError({"file": str(exc)}) from None
    batch.refresh_from_db()  # a task may have run it to the end already (the immediate backend)
    return Status(201, import_out(request, batch))


@router.get("/imports/{uuid:batch_id}", response={200: ImportOut, **ERROR_RESPONSES}, summary="导入批次 / one batch")
def get_import(request: HttpRequest, batch_id: UUID) -> Any:
    require_capability(request, Capability.CATALOG_IMPORT)
    batch = ImportBatch.objects.select_related("fonds").filter(uuid=batch_id).first()
    if batch is None:
        raise Http404(_("导入批次不存在"))
    return import_out(request, batch)
