"""The preservation REST endpoints (django-ninja), mounted under /api/ by dangan.api: a unit's package, uploading
files to it, the fixity audits, starting one. A package is visible exactly when its unit is (catalog.policy);
otherwise 404."""

from __future__ import annotations

import functools
from collections.abc import Callable
from datetime import datetime
from typing import Any
from uuid import UUID

from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse
from django.urls import reverse
from django.utils.translation import gettext as _
from ninja import Field, File, Form, Query, Schema, Status, UploadedFile
from ninja.decorators import decorate_view

from dangan.catalog.policy import visible_units
from dangan.core.api import (
    ERROR_MESSAGES,
    ERROR_RESPONSES,
    ActionRouter,
    ErrorOut,
    PageOut,
    PageQuery,
    ShortPageQuery,
    caller_before_body,
    error_response,
    filter_query,
    paged,
    read_filters,
    require_capability,
)
from dangan.core.roles import Capability

from .actions.access import can_view_package, readable_failures
from .actions.attaching import do_attach_files
from .actions.auditing import do_start_audit
from .filters import AuditRunFilter, PackageFilter
from .formats import display_name
from .models import AuditFailure, AuditRun, PackageFile, PreservedPackage
from .permissions import PRESERVE, RUN_AUDIT, may
from .uploads import StagedFile, read_upload, staging_folder

router = ActionRouter(tags=["长期保存 preservation"])


class VersionOut(Schema):
    number: int
    name: str
    created: datetime
    message: str
    user_name: str
    file_count: int
    total_bytes: int


class FileOut(Schema):
    logical_path: str
    size: int
    sha512: str
    sha256: str
    sm3: str
    puid: str
    mime_type: str
    format_name: str = Field(description="PRONOM 的格式名称（英文）")
    format_version: str
    format_display: str = Field(description="格式的中文名称（如 TIFF 图像）；没有中文名称时为 PRONOM 名称和版本")
    format_note: str
    download_url: str


class EventOut(Schema):
    identifier: str
    event_type: str
    date_time: datetime
    detail: str
    outcome: str
    outcome_detail: str
    file_path: str
    version: str | None  # the version whose METS first records it; None: only in the database so far


class PackageOut(Schema):
    object_id: str
    unit: UUID
    head_version: str
    version_count: int
    file_count: int
    total_bytes: int
    fixity_status: str
    fixity_status_display: str
    last_audit: datetime | None
    package_created: datetime | None
    versions: list[VersionOut]
    files: list[FileOut]
    events: list[EventOut]


class FailureOut(Schema):
    object_id: str
    unit: UUID | None  # None: no catalog unit (an object the database does not know)
    kind: str
    kind_display: str
    logical_path: str
    content_path: str
    algorithm: str
    expected: str
    actual: str
    message: str


class RunOut(Schema):
    uuid: UUID
    kind: str
    sample_percent: float | None
    all_digests: bool
    scheduled: bool
    status: str
    status_display: str
    requested_by: str
    created: datetime
    started: datetime | None
    finished: datetime | None
    total_objects: int
    checked_objects: int
    checked_files: int
    checked_bytes: int
    total_bytes: int
    progress_percent: int
    failed_objects: int
    failure_count: int
    resumed: int
    message: str


class RunDetailOut(RunOut):
    failures: list[FailureOut] = Field(description="调用者有权查看的档案中发现的问题")
    hidden_failures: int = Field(description="涉及调用者无权查看的档案的问题数（不列出）")


class RunPage(PageOut):
    items: list[RunOut]


class PackageSummaryOut(Schema):
    object_id: str
    unit: UUID
    reference_code: str
    label: str
    head_version: str
    version_count: int
    file_count: int
    total_bytes: int
    fixity_status: str
    fixity_status_display: str
    last_audit: datetime | None
    package_created: datetime | None


class PackagePage(PageOut):
    items: list[PackageSummaryOut]


class RunQuery(filter_query(AuditRunFilter)):  # type: ignore[misc]
    """The query parameters of preservation.filters.AuditRunFilter."""


class PackageQuery(filter_query(PackageFilter)):  # type: ignore[misc]
    """The query parameters of preservation.filters.PackageFilter."""


class AuditIn(Schema):
    sample_percent: float | None = None  # None: every object
    all_digests: bool = False


def _file_out(package: PreservedPackage, row: PackageFile, number: int) -> dict[str, Any]:
    return {
        **{f: getattr(row, f) for f in FileOut.model_fields if f not in ("download_url", "format_display")},
        "format_display": display_name(row.puid, row.format_name, row.format_version),
        "download_url": reverse("preservation:file_download", args=[package.uuid, number, row.logical_path]),
    }


@router.get(
    "/units/{uuid:unit_id}/package",
    response={200: PackageOut, **ERROR_RESPONSES},
    summary="档案的保存包 / a unit's preserved package",
    description="版本、当前版本的文件（格式、大小、摘要值）、固定性状态与 PREMIS 事件。看不到档案或尚未保存时 404。",
)
def get_package(request: HttpRequest, unit_id: UUID) -> Any:
    require_capability(request, Capability.CATALOG_VIEW)
    package = PreservedPackage.objects.select_related("unit").filter(unit__uuid=unit_id).first()
    if package is None or not can_view_package(request.user, package):
        raise Http404(_("档案不存在或尚未长期保存"))
    versions = list(package.versions.order_by("number"))
    head = versions[-1] if versions else None
    files = PackageFile.objects.filter(version=head).order_by("logical_path") if head else []
    events = package.events.select_related("version").order_by("date_time", "id")
    return {
        "object_id": package.object_id,
        "unit": package.unit_uuid,
        "head_version": package.head_version,
        "version_count": package.version_count,
        "file_count": package.file_count,
        "total_bytes": package.total_bytes,
        "fixity_status": package.fixity_status,
        "fixity_status_display": str(package.get_fixity_status_display()),
        "last_audit": package.last_audit,
        "package_created": package.package_created,
        "versions": [{f: getattr(v, f) for f in VersionOut.model_fields} for v in versions],
        "files": [_file_out(package, row, head.number) for row in files] if head else [],
        "events": [
            {
                **{f: getattr(e, f) for f in EventOut.model_fields if f != "version"},
                "version": e.version.name if e.version else None,
            }
            for e in events
        ],
    }


class AttachOut(Schema):
    created: bool = Field(description="是否生成了新版本（上传的文件与当前版本相同时为 false）")
    version: str = Field(description="保存包的当前版本，如 v2")
    files_added: int = Field(description="新增或更新的文件数")
    changed_paths: list[str] = Field(description="新增或更新的文件的逻辑路径（content/<文件名>）")
    package: PackageOut


def _refusal_before_body(request: HttpRequest, unit_id: Any) -> HttpResponse | None:
    """The answer for a caller who may not upload to this unit, decided before a byte of the body is read (the same
    answers, in the same order, as the endpoint's own checks): 401 nobody, 403 no right to read the catalog, 404 a
    unit the caller may not see, 403 no right to preserve."""
    caller = caller_before_body(request)
    if caller is None:
        return error_response(401, str(ERROR_MESSAGES[401]))
    if not may(caller, (Capability.CATALOG_VIEW,)):
        return error_response(403, str(ERROR_MESSAGES[403]))
    if not visible_units(caller).filter(uuid=unit_id).exists():
        return error_response(404, _("档案不存在"))
    if not may(caller, PRESERVE):
        return error_response(403, str(ERROR_MESSAGES[403]))
    return None


def _staged(run: Callable[..., Any]) -> Callable[..., Any]:
    """Receive the request's files into a staging folder before anything reads the body (limits included), keep
    them for the endpoint in ``request.staged_files``, and remove the folder once the response is made. Nobody who
    may not upload to the unit gets that far: they are answered before the body is read."""

    @functools.wraps(run)
    def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        if (refusal := _refusal_before_body(request, kwargs.get("unit_id"))) is not None:
            return refusal
        with staging_folder() as folder:
            files, problem = read_upload(request, folder)
            if problem:
                return error_response(413, problem)
            request.staged_files = files  # type: ignore[attr-defined]
            return run(request, *args, **kwargs)

    return wrapper


@router.post(
    "/units/{uuid:unit_id}/files",
    response={200: AttachOut, 201: AttachOut, 413: ErrorOut, **ERROR_RESPONSES},
    summary="上传文件到档案的保存包 / upload files as a new version of a unit's package",
    description="multipart/form-data：一个或多个 files（文件名即保存路径 content/<文件名>，同名文件替换当前版本中的文件），"
    "可选 message（版本说明）。生成新版本时返回 201，文件与当前版本相同时返回 200 且不生成版本。"
    "与 dangan preserve 相同：写入 OCFL 新版本、METS 与 PREMIS 事件，并记入审计日志。"
    "超过 DANGAN_PRESERVE_UPLOAD_MAX_BYTES（合计字节数）或 DANGAN_UPLOAD_MAX_FILES（文件数）时返回 413，不保存任何内容；"
    "看不到的档案返回 404。",
)
@decorate_view(_staged)
def attach_files(request: HttpRequest, unit_id: UUID, files: File[list[UploadedFile]], message: Form[str] = "") -> Any:
    require_capability(request, Capability.CATALOG_VIEW)
    unit = visible_units(request.user).select_related("fonds").filter(uuid=unit_id).first()
    if unit is None:
        raise Http404(_("档案不存在"))
    if not may(request.user, PRESERVE):
        raise PermissionDenied(_("您没有执行此操作的权限。"))
    staged: list[StagedFile] = request.staged_files  # type: ignore[attr-defined]
    result = do_attach_files(request.user, unit, staged, message)
    body = {
        "created": result.created,
        "version": result.version,
        "files_added": result.files_added,
        "changed_paths": result.changed_paths,
        "package": get_package(request, unit_id),
    }
    return Status(201 if result.created else 200, body)


def _run_out(run: AuditRun) -> dict[str, Any]:
    data = {f: getattr(run, f) for f in RunOut.model_fields if hasattr(run, f)}
    data["status_display"] = str(run.get_status_display())
    data["requested_by"] = run.requested_by_name
    return data


def _package_summary(package: PreservedPackage) -> dict[str, Any]:
    data = {f: getattr(package, f) for f in PackageSummaryOut.model_fields if hasattr(package, f)}
    data["unit"] = package.unit_uuid
    data["fixity_status_display"] = str(package.get_fixity_status_display())
    return data


@router.get(
    "/preservation/packages",
    response={200: PackagePage, **ERROR_RESPONSES},
    summary="保存包列表 / preserved packages",
    description="只列出调用者可见的档案的保存包（catalog.policy）；筛选条件见 preservation.filters.PackageFilter。",
)
def list_packages(request: HttpRequest, filters: Query[PackageQuery], paging: Query[PageQuery]) -> Any:
    require_capability(request, Capability.CATALOG_VIEW)
    packages = read_filters(PackageFilter, filters).apply(request.user)
    return paged(packages, paging, _package_summary)


@router.get(
    "/preservation/audits",
    response={200: RunPage, **ERROR_RESPONSES},
    summary="固定性检查 / fixity audits",
    description="新的在前；筛选条件与工作台列表相同（preservation.filters.AuditRunFilter）。",
)
def list_audits(request: HttpRequest, filters: Query[RunQuery], paging: Query[ShortPageQuery]) -> Any:
    require_capability(request, Capability.CATALOG_VIEW)
    runs = read_filters(AuditRunFilter, filters).apply(request.user)
    return paged(runs, paging, _run_out)


@router.get(
    "/preservation/audits/{uuid:run_id}",
    response={200: RunDetailOut, **ERROR_RESPONSES},
    summary="一次固定性检查及其问题 / one audit and its failures",
    description="只列出调用者有权查看的档案中发现的问题（文件路径、摘要值会透露档案内容）；其余只给出数量"
    "（hidden_failures）。message 为中文说明。",
)
def get_audit(request: HttpRequest, run_id: UUID) -> Any:
    require_capability(request, Capability.CATALOG_VIEW)
    run = AuditRun.objects.filter(uuid=run_id).first()
    if run is None:
        raise Http404(_("检查记录不存在"))
    everything = run.failures.select_related("package", "package__unit")
    shown = list(readable_failures(request.user, everything).order_by("id"))
    return {
        **_run_out(run),
        "failures": [failure_out(f) for f in shown],
        "hidden_failures": everything.count() - len(shown),
    }


def failure_out(f: AuditFailure) -> dict[str, Any]:
    """One failure as JSON, its message in Chinese (the caller has been allowed to see it)."""
    return {
        **{k: getattr(f, k) for k in FailureOut.model_fields if k not in ("unit", "kind_display", "message")},
        "unit": f.package.unit_uuid if f.package else None,
        "kind_display": str(f.get_kind_display()),
        "message": f.description,
    }


@router.post(
    "/preservation/audits",
    response={201: RunOut, **ERROR_RESPONSES},
    summary="发起固定性检查 / start a fixity audit",
    description="由后台任务执行；用 GET /api/preservation/audits/{uuid} 查看进度。sample_percent 为空则检查全部对象。",
)
def start_audit(request: HttpRequest, payload: AuditIn) -> Any:
    require_capability(request, Capability.CATALOG_VIEW)
    if not may(request.user, RUN_AUDIT):
        raise PermissionDenied(_("您没有执行此操作的权限。"))
    run = do_start_audit(request.user, payload.sample_percent, all_digests=payload.all_digests)
    run.refresh_from_db()
    return Status(201, _run_out(run))
