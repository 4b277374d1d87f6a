"""JSON shapes of the accession API (django-ninja schemas): every request body and every answer, so the OpenAPI
description at /api/docs says exactly what goes in and comes out. Values are the stable English ones of the
enumerations (accession.choices), each beside its Chinese label (``*_display``)."""

from __future__ import annotations

import datetime as dt
from typing import Literal
from uuid import UUID

from ninja import Field, Schema

from dangan.accession.choices import (
    CheckResult,
    Property,
    TransferKind,
    TransferStatus,
    TransferTask,
    UploadStatus,
    Verdict,
)

# ---------------------------------------------------------------- uploads


class UploadIn(Schema):
    file_name: str = Field(description="文件名（.zip）")
    size: int = Field(description="文件大小（字节）", gt=0)


class UploadOut(Schema):
    uuid: UUID
    file_name: str
    size: int
    offset: int = Field(description="服务器已接收的字节数：续传从这里开始")
    status: UploadStatus


# ---------------------------------------------------------------- transfers


class TransferIn(Schema):
    upload: UUID = Field(description="已完成的上传")
    fonds: str | None = Field(None, description="全宗号；不填则取 bag-info 的 Fonds-Code 或目录中的全宗号")
    kind: TransferKind = TransferKind.TRANSFER
    transferring_unit: str = Field("", max_length=300)
    batch: str = Field("", max_length=100)
    declared_items: int | None = Field(None, ge=0, description="声明件数")
    declared_bytes: int | None = Field(None, ge=0, description="声明字节数（信息包内容的总字节数）")


class StepOut(Schema):
    status: TransferStatus
    status_display: str
    by: str = Field(description="操作人（用户名）")
    at: dt.datetime
    note: str


class TransferOut(Schema):
    uuid: UUID
    kind: TransferKind
    status: TransferStatus
    status_display: str
    verdict: Verdict
    fonds: str | None
    transferring_unit: str
    batch: str
    source_name: str
    declared_items: int | None
    declared_bytes: int | None
    files: int
    bytes: int
    items: int
    preserved_items: int
    message: str
    report: UUID | None = Field(description="最近一次四性检测报告")
    task: TransferTask | None = Field(description="排队或进行中的后台任务")
    may_act: bool = Field(description="调用者可否处理该移交（检测、签署、接收、拒收、退回）：须可查看其全部密级")
    steps: list[StepOut]
    created: dt.datetime


class ReasonIn(Schema):
    reason: str = Field(description="理由", max_length=5000)


class AcceptIn(Schema):
    override_reason: str = Field("", description="病毒扫描未进行时必填：未查毒接收的理由，记入审计日志")


# ---------------------------------------------------------------- reports


class SignIn(Schema):
    result: Literal["pass", "fail"] = Field(description="pass 通过，fail 不通过")
    note: str = Field("", max_length=2000, description="说明；不通过时必填")


class EvidenceOut(Schema):
    message: str
    file: str = Field("", description="信息包内的路径（data/…、bagit.txt …）")
    field: str = ""
    value: str = ""
    row: int | None = Field(None, description="目录中的行号")


class SignatureOut(Schema):
    by: str = Field(description="签署人姓名")
    at: dt.datetime | None
    result: CheckResult
    note: str


class ItemOut(Schema):
    code: str = Field(description="DA/T 70 检测项编号，例如 YJ-1-7")
    name: str
    property: Property
    property_display: str
    result: CheckResult
    result_display: str
    summary: str
    evidence: list[EvidenceOut] = Field(description="调用者可查看的依据")
    evidence_count: int = Field(description="依据总数")
    evidence_withheld: int = Field(description="涉及超出调用者可查看密级的依据数（只计数，不显示）")
    signed: SignatureOut | None


class CountsOut(Schema):
    passed: int = Field(alias="pass")
    failed: int = Field(alias="fail")
    manual: int
    not_applicable: int
    not_performed: int
    unsigned: int = Field(description="尚未签署的人工检测项")


class ClamavOut(Schema):
    performed: bool = False
    version: str = ""
    reason: str = ""
    signature_files: list[str] = []


class FactsOut(Schema):
    bagit_version: str | None = None
    algorithms: list[str] = []
    payload_files: int = 0
    payload_bytes: int = 0
    content_files: int = 0
    items: int | None = None
    rows: int | None = None
    fonds: str = ""
    catalog: list[str] = Field([], description="目录文件（信息包内的路径）")
    bag_digest: str = ""
    source_organization: str = ""
    bagging_date: str = ""
    clamav: ClamavOut | None = None
    seconds: dict[str, float] = {}


class ReportOut(Schema):
    uuid: UUID | None
    transfer: UUID | None
    verdict: Verdict
    verdict_display: str
    created: dt.datetime | None
    finished: dt.datetime | None
    checked_by: str = Field(description="检测人姓名")
    facts: FactsOut
    counts: CountsOut
    items: list[ItemOut]
