"""OCR text endpoints (django-ninja), mounted under /api/ by dangan.api: the text of a unit's pages, one page with
its lines and their boxes, a correction of some lines (optimistic lock: If-Match or ``version``, 409 when stale), and
the start of an OCR job for the unit. The same actions as the workspace pages; a unit the caller may not see is a
404 (catalog.policy)."""

from __future__ import annotations

import datetime as dt
from typing import Any
from uuid import UUID

from django.http import Http404, HttpRequest, HttpResponse
from django.utils.translation import gettext as _
from ninja import Field, Schema, Status

from dangan.catalog.api.common import unit_or_404
from dangan.catalog.api.units import CONFLICT_RESPONSES, conflict_response, expected_version
from dangan.core.api import ERROR_RESPONSES, ActionRouter, require_capability
from dangan.core.roles import Capability
from dangan.utilities.concurrency import EditConflict, etag

from .actions.ocr import do_correct_lines
from .actions.ocr_runs import do_queue_ocr_run, do_start_ocr_run
from .models import OcrRun, OcrRunStatus, PageText
from .ocr_text import page_text, page_texts

router = ActionRouter(tags=["识别文本 OCR text"], by_alias=True)


class PageTextOut(Schema):
    page: int
    text: str = Field(description="阅读顺序的文本，行间以换行分隔")
    revision: int = Field(description="修订号（每次识别或校对加 1）")
    version: int = Field(description="版本（校对时作为 If-Match 或 version 传回）")
    engine: str
    master_path: str = Field(description="页面图像在保存包中的路径")
    updated: dt.datetime
    updated_by: str


class LineOut(Schema):
    id: str
    text: str
    box: list[int] = Field(description="[x, y, 宽, 高]，页面图像的像素")
    vertical: bool


class PageDetailOut(PageTextOut):
    lines: list[LineOut]


class CorrectionIn(Schema):
    lines: dict[str, str] = Field(description="行标识 → 新文本；空文本删除该行")
    version: int | None = Field(None, description="读取时的版本（或用 If-Match）；不是当前版本时 409")


class OcrRunOut(Schema):
    uuid: UUID
    status: OcrRunStatus
    status_display: str
    pages_total: int
    pages_done: int
    pages_skipped: int
    error: str


def _page_out(row: PageText) -> dict[str, Any]:
    return {
        "page": row.page,
        "text": row.text,
        "revision": row.revision,
        "version": row.version,
        "engine": row.engine,
        "master_path": row.master_path,
        "updated": row.updated,
        "updated_by": row.updated_by_name,
    }


def _detail_out(row: PageText) -> dict[str, Any]:
    from .ocr import parse_alto

    lines = [
        {
            "id": line.id,
            "text": line.text,
            "box": [line.box.x, line.box.y, line.box.width, line.box.height],
            "vertical": line.vertical,
        }
        for line in parse_alto(row.alto.encode("utf-8")).lines
    ]
    return {**_page_out(row), "lines": lines}


def _page_or_404(request: HttpRequest, unit_id: UUID, page: int) -> PageText:
    row = page_text(unit_or_404(request.user, unit_id), page)
    if row is None:
        raise Http404(_("该页没有识别文本"))
    return row


@router.get(
    "/digitization/units/{uuid:unit_id}/text",
    response={200: list[PageTextOut], **ERROR_RESPONSES},
    summary="档案各页的识别文本 / the OCR text of a unit's pages",
)
def list_page_texts(request: HttpRequest, unit_id: UUID) -> Any:
    require_capability(request, Capability.CATALOG_VIEW)
    return [_page_out(row) for row in page_texts(unit_or_404(request.user, unit_id))]


@router.get(
    "/digitization/units/{uuid:unit_id}/text/{page}",
    response={200: PageDetailOut, **ERROR_RESPONSES},
    summary="一页的识别文本与各行位置 / one page's text and its lines",
    description="响应头 ETag 为当前版本，校对时以 If-Match 传回。",
)
def get_page_text(request: HttpRequest, unit_id: UUID, page: int, response: HttpResponse) -> Any:
    require_capability(request, Capability.CATALOG_VIEW)
    row = _page_or_404(request, unit_id, page)
    response["ETag"] = etag(row.version)
    return _detail_out(row)


@router.patch(
    "/digitization/units/{uuid:unit_id}/text/{page}",
    response={200: PageDetailOut, **CONFLICT_RESPONSES},
    summary="校对一页的若干行 / correct lines of a page",
    description="只改动给出的行（与当前文本相同的行忽略）；生成一次修订、审计日志与保存包新版本，检索随之更新。"
    "If-Match 或 version 不是当前版本时 409（响应头 ETag 为当前版本）。",
)
def correct_page_text(
    request: HttpRequest, unit_id: UUID, page: int, payload: CorrectionIn, response: HttpResponse
) -> Any:
    require_capability(request, Capability.CATALOG_CHANGE)
    row = _page_or_404(request, unit_id, page)
    try:
        result = do_correct_lines(request.user, row, payload.lines, expected_version(request, payload.version))
    except EditConflict as exc:
        return conflict_response(exc)
    response["ETag"] = etag(result.page_text.version)
    return _detail_out(result.page_text)


@router.post(
    "/digitization/units/{uuid:unit_id}/ocr",
    response={202: OcrRunOut, **ERROR_RESPONSES},
    summary="识别档案的页面文字（后台任务）/ OCR a unit's preserved pages (a background job)",
    description="已有未完成的识别任务时继续该任务；已在队列中时 409。没有已保存的页面图像时 422。",
)
def start_unit_ocr(request: HttpRequest, unit_id: UUID) -> Any:
    require_capability(request, Capability.CATALOG_CHANGE)
    unit = unit_or_404(request.user, unit_id)
    run = do_start_ocr_run(request.user, unit=unit)
    do_queue_ocr_run(request.user, run)
    run = OcrRun.objects.get(pk=run.pk)
    return Status(
        202,
        {
            "uuid": run.uuid,
            "status": run.status,
            "status_display": run.get_status_display(),
            "pages_total": run.pages_total,
            "pages_done": run.pages_done,
            "pages_skipped": run.pages_skipped,
            "error": run.error,
        },
    )
