"""The preservation REST endpoints (django-ninja), mounted under /api/ by dangan.api: a unit's package, the fixity
audits, starting one. A package is visible exactly when its unit is (catalog.policy); otherwise 404."""

from __future__ import annotations

from datetime import datetime
from typing import Any
from uuid import UUID

from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest
from django.urls import reverse
from django.utils.translation import gettext as _
from ninja import Query, Schema, Status

from dangan.catalog.policy import can_view_unit
from dangan.core.api import (
    ERROR_RESPONSES,
    ActionRouter,
    PageOut,
    PageQuery,
    ShortPageQuery,
    filter_query,
    paged,
    read_filters,
    require_capability,
)
from dangan.core.roles import Capability

from .actions.access import can_view_package
from .actions.auditing import do_start_audit
from .filters import AuditRunFilter, PackageFilter
from .models import AuditRun, PackageFile, PreservedPackage
from .permissions import RUN_AUDIT, may

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
    format_name: str
    format_version: str
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
    unit: UUID | None  # only when the caller may see the unit
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
    failures: list[FailureOut]


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
        **{f: getattr(row, f) for f in FileOut.model_fields if f != "download_url"},
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
    description="问题所在对象的档案只对能查看该档案的人给出（unit）；其他人只看到对象标识。",
)
def get_audit(request: HttpRequest, run_id: UUID) -> Any:
    require_capability(request, Capability.CATALOG_VIEW)
    run = AuditRun.objects.filter(uuid=run_id).first()
    if run is None:
        raise Http404(_("检查记录不存在"))
    failures = []
    for f in run.failures.select_related("package", "package__unit").order_by("id"):
        visible = f.package is not None and f.package.unit is not None and can_view_unit(request.user, f.package.unit)
        failures.append(
            {
                **{k: getattr(f, k) for k in FailureOut.model_fields if k not in ("unit", "kind_display")},
                "unit": f.package.unit_uuid if visible and f.package else None,
                "kind_display": str(f.get_kind_display()),
            }
        )
    return {**_run_out(run), "failures": failures}


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
