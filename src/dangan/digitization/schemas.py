"""JSON shapes of the digitization batch API (django-ninja schemas). Values are the stable English ones of the
enumerations (digitization.choices), each beside its Chinese label (``*_display``)."""

from __future__ import annotations

import datetime as dt
from uuid import UUID

from ninja import Field, Schema

from dangan.core.api import PageOut

from .choices import BatchStatus, ColourMode, MasterFormat, PageStatus, UnitStatus


class BatchIn(Schema):
    name: str = Field(max_length=200, description="批次名称（唯一）")
    fonds: str = Field(description="全宗号")
    dpi: int | None = Field(None, description="分辨率（dpi），默认 300")
    colour_mode: ColourMode | None = Field(None, description="色彩模式：colour 彩色、grey 灰度、bitonal 黑白")
    master_format: MasterFormat | None = Field(None, description="存储格式：tiff、jpeg、jp2")
    max_skew_degrees: float | None = Field(None, description="最大倾斜角（度），默认 3")
    operator: str = Field("", max_length=150, description="扫描人员")
    organisation: str = Field("", max_length=300, description="扫描单位")
    planned_start: dt.date | None = None
    planned_end: dt.date | None = None
    sample_percent: float | None = Field(None, description="抽检比例（%），默认 DANGAN_DIGITIZATION_SAMPLE_PERCENT")
    accept_percent: float | None = Field(None, description="验收合格率（%），默认 DANGAN_DIGITIZATION_ACCEPT_PERCENT")
    notes: str = ""
    units: list[str] = Field(default_factory=list, description="要数字化的档案的档号")


class UnitsIn(Schema):
    units: list[str] = Field(description="档号")
    version: int | None = Field(None, description="读取时的修订号；不是当前修订号时 409")


class VersionIn(Schema):
    version: int | None = Field(None, description="读取时的修订号；不是当前修订号时 409")


class BatchUnitOut(Schema):
    unit: UUID
    reference_code: str
    title: str
    expected_pages: int | None
    status: UnitStatus
    status_display: str
    preserved_version: str


class ProblemOut(Schema):
    unit: str = Field(description="档号（未知文件夹：文件夹对应的档号）")
    page: int | None = Field(description="页号；整件的检查为 null")
    check: str = Field(description="检查项代码（decodes、resolution、skew、page_count …；reference_code：档号不存在）")
    measured: str
    limit: str
    message: str


class BatchOut(Schema):
    uuid: UUID
    name: str
    fonds: str
    status: BatchStatus
    status_display: str
    dpi: int
    colour_mode: ColourMode
    master_format: MasterFormat
    max_skew_degrees: float
    operator: str
    organisation: str
    planned_start: dt.date | None
    planned_end: dt.date | None
    started: dt.date | None
    finished: dt.date | None
    sample_percent: float
    accept_percent: float
    version: int
    task: str | None = Field(description="排队或进行中的后台任务：import、preserve")
    progress_done: int
    progress_total: int
    progress_label: str
    message: str
    created: dt.datetime
    created_by: str
    units: list[BatchUnitOut]
    pages: int
    failed_pages: int
    problems: list[ProblemOut]


class BatchPage(PageOut):
    items: list[BatchOut]


class QcResultOut(Schema):
    code: str
    passed: bool
    measured: str
    limit: str
    message: str


class PageScanOut(Schema):
    id: int
    unit: str = Field(description="档号")
    number: int
    original_name: str
    sha256: str
    size: int
    width: int | None
    height: int | None
    dpi: float | None
    colour_mode: str
    format: str
    phash: str
    skew_degrees: float | None
    status: PageStatus
    status_display: str
    revision: int
    qc: list[QcResultOut]


class BatchUploadIn(Schema):
    file_name: str = Field(description="文件名（.zip）")
    size: int = Field(description="文件大小（字节）", gt=0)


class BatchUploadOut(Schema):
    uuid: UUID
    batch: UUID
    file_name: str
    size: int
    offset: int = Field(description="服务器已接收的字节数：续传从这里开始")
    complete: bool
    used: bool


class FolderUploadIn(Schema):
    folder_name: str = Field(max_length=300, description="批次文件夹名")
    size: int = Field(description="文件夹中全部文件的总字节数", gt=0)


class FolderFilesOut(Schema):
    files: dict[str, int] = Field(description="已收到的文件：相对路径 → 字节数")


class ImportIn(Schema):
    upload: UUID = Field(description="已完成的上传（批次文件夹的 .zip）")


class InspectionItemOut(Schema):
    id: int
    page: int = Field(description="PageScan id")
    unit: str
    number: int
    verdict: str = Field(description="pass、fail，未判定为空")
    note: str
    decided_at: dt.datetime | None
    decided_by: str


class InspectionOut(Schema):
    uuid: UUID
    round: int
    inspector: str
    finished: dt.datetime | None
    outcome: str
    pass_percent: float | None
    items: list[InspectionItemOut]


class VerdictIn(Schema):
    verdict: str = Field(description="pass 合格、fail 不合格（须说明）")
    note: str = Field("", max_length=2000)
