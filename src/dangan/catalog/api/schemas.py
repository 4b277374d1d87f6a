"""JSON shapes of the catalog API (django-ninja schemas): what comes in, what goes out."""

from __future__ import annotations

import datetime as dt
from typing import Any
from uuid import UUID

from ninja import Field, Schema
from pydantic import field_validator

from dangan.catalog.filters import AuthorityFilter, FondsFilter, ImportBatchFilter, UnitFilter
from dangan.core.api import PageOut, filter_query

# ---------------------------------------------------------------- fonds


class FondsOut(Schema):
    uuid: UUID
    code: str = Field(description="全宗号")
    name: str = Field(description="全宗名称")
    creator: str = Field(description="立档单位")
    start_year: int | None
    end_year: int | None
    history: str = Field(description="全宗介绍")
    arrangement: str = Field(description="分类方案")
    arrangement_display: str
    scheme_notes: str
    unit_count: int | None = Field(description="档案数量；仅对可查阅全部密级的用户给出，否则为 null")
    top_level_count: int = Field(description="顶层档案数量（调用者可见的）")
    is_sample: bool
    created: dt.datetime
    updated: dt.datetime


class FondsIn(Schema):
    code: str = Field(description="全宗号，字母和数字，例如 Z109、X013")
    name: str
    creator: str = ""
    start_year: int | None = None
    end_year: int | None = None
    history: str = ""
    arrangement: str = Field("year-org-retention", description="year-org-retention 或 year-retention-org")
    scheme_notes: str = ""


class FondsPatch(Schema):
    code: str | None = Field(None, description="全宗号；只有尚无档案的全宗可以修改（档号中含全宗号）")
    name: str | None = None
    creator: str | None = None
    start_year: int | None = None
    end_year: int | None = None
    history: str | None = None
    arrangement: str | None = None
    scheme_notes: str | None = None


class RenumberIn(Schema):
    category: str | None = Field(None, description="门类代码，例如 WS")
    year: int | None = None
    retention: str = Field("", description="保管期限代码：Y、D30、D10、C、D")
    organization: str = Field("", description="机构(问题)代码")
    first: int = Field(description="原件号起")
    last: int = Field(description="原件号止")
    start: int = Field(description="新起始件号")

    @field_validator("category", "retention", "organization")
    @classmethod
    def _no_control_characters(cls, value: str | None) -> str | None:
        # A code never holds one; PostgreSQL refuses NUL in a query's text outright.
        if value is not None and any(ord(ch) < 32 or 0x7F <= ord(ch) < 0xA0 for ch in value):
            raise ValueError("代码中不能有控制字符 (no control characters in a code)")
        return value


class CodeChange(Schema):
    old: str | None
    new: str | None


class RenumberOut(Schema):
    changes: list[CodeChange]


# ---------------------------------------------------------------- units


class UnitOut(Schema):
    uuid: UUID
    reference_code: str | None = Field(description="档号")
    title: str = Field(description="题名")
    level: str
    level_display: str
    fonds: str = Field(description="全宗号")
    parent: UUID | None = Field(description="上级档案的 UUID；顶层档案，或上级对调用者不可见时，为 null")
    category: str | None = Field(description="门类代码")
    year: int | None
    retention: str
    retention_display: str
    organization: str
    item_number: int | None
    document_number: str = Field(description="文号")
    responsible: str = Field(description="责任者")
    date: dt.date | None = Field(description="日期；只知年或年月时为该年、该月的第一天（见 date_precision）")
    date_precision: str = Field(description="日期精度：day、month、year")
    date_display: str = Field(description="按精度显示的日期：1935年1月15日、1935年1月、1935年")
    page_count: int | None
    classification: str = Field(description="密级")
    classification_display: str
    openness: str = Field(description="开放状态")
    openness_display: str
    remarks: str
    extent: str
    physical_location: str
    notes: str
    subjects: list[str]
    child_count: int = Field(description="调用者可见的下级数量")
    former_reference_codes: list[str]
    is_sample: bool
    version: int = Field(
        description="修订号：每次保存加一。修改、移动、删除时用 If-Match 请求头（或 version 字段）提交读取时的值，"
        "档案在此期间被他人修改则返回 409"
    )
    created: dt.datetime
    updated: dt.datetime


class UnitFields(Schema):
    """The description fields a client may set; leave a field out to keep it (PATCH) or use the default (POST)."""

    level: str | None = Field(None, description="series 类别、file 案卷、item 件")
    category: str | None = Field(None, description="门类代码，例如 WS")
    year: int | None = None
    retention: str | None = Field(None, description="Y、D30、D10、C、D")
    organization: str | None = Field(None, description="机构(问题)代码")
    item_number: int | None = None
    reference_code: str | None = Field(None, description="档号；不填则按档号规则自动生成")
    document_number: str | None = None
    responsible: str | None = None
    title: str | None = Field(None, description="题名（新建时必填）")
    date: str | None = Field(
        None,
        description="日期，可只写到月或年：1935-01-15、1935-01、1935（也可写 1935年1月、民国二十四年）；"
        "精度随写法确定，不会补出日",
    )
    date_precision: str | None = Field(None, description="day、month、year；通常不填，由 date 的写法确定")
    page_count: int | None = None
    classification: str | None = Field(None, description="public、internal、secret、confidential、top_secret")
    openness: str | None = Field(None, description="open、controlled、pending")
    remarks: str | None = None
    extent: str | None = None
    physical_location: str | None = None
    notes: str | None = None
    subjects: list[str] | None = Field(None, description="主题词")


class UnitPatch(UnitFields):
    version: int | None = Field(
        None, description="读取时的修订号（与 If-Match 请求头二选一）；不是当前修订号时返回 409，不保存"
    )


class UnitIn(UnitFields):
    fonds: str = Field(description="全宗号")
    parent: UUID | None = Field(None, description="上级档案的 UUID；不填则在全宗顶层")


class MoveIn(Schema):
    parent: UUID | None = Field(description="新的上级档案 UUID；null 表示移到全宗顶层")
    version: int | None = Field(None, description="读取时的修订号（与 If-Match 请求头二选一）")


# ---------------------------------------------------------------- disposals (鉴定销毁)


class DisposalIn(Schema):
    reason: str = Field(description="处置理由（鉴定意见），至少 4 个字")
    version: int | None = Field(None, description="读取档案时的修订号（与 If-Match 请求头二选一）")


class DecisionIn(Schema):
    note: str = Field("", description="审批意见；驳回时必填")


class DisposalOut(Schema):
    uuid: UUID
    unit: UnitOut
    status: str = Field(description="requested 待审批、approved 已处置、rejected 已驳回、withdrawn 已撤回")
    status_display: str
    reason: str
    requested_by: str
    created: dt.datetime
    decided_by: str
    decided: dt.datetime | None
    decision_note: str
    holds: list[str] = Field(
        description="申请时档案的保存情况，例如“已长期保存（有保存包）”；保存包仍可由 GET /api/units/{uuid}/package 读取"
    )


class DisposalPage(PageOut):
    items: list[DisposalOut]


# The list endpoints' query parameters are their filter classes' (catalog.filters), the paging is core.api's.
class UnitQuery(filter_query(UnitFilter)):  # type: ignore[misc]
    """The query parameters of catalog.filters.UnitFilter."""


class FondsQuery(filter_query(FondsFilter)):  # type: ignore[misc]
    """The query parameters of catalog.filters.FondsFilter."""


class AuthorityQuery(filter_query(AuthorityFilter)):  # type: ignore[misc]
    """The query parameters of catalog.filters.AuthorityFilter."""


class ImportQuery(filter_query(ImportBatchFilter)):  # type: ignore[misc]
    """The query parameters of catalog.filters.ImportBatchFilter."""


class UnitPage(PageOut):
    items: list[UnitOut]


class ChildrenPage(PageOut):
    items: list[UnitOut]


class FondsPage(PageOut):
    items: list[FondsOut]


# ---------------------------------------------------------------- authorities


class AuthorityOut(Schema):
    uuid: UUID
    kind: str
    kind_display: str
    name: str
    variant_names: list[str]
    dates: str
    description: str
    identifier: str
    is_sample: bool
    created: dt.datetime
    updated: dt.datetime


class AuthorityIn(Schema):
    kind: str = Field(description="person、organization、place、event")
    name: str
    variant_names: list[str] = []
    dates: str = ""
    description: str = ""
    identifier: str = ""


class AuthorityPatch(Schema):
    kind: str | None = None
    name: str | None = None
    variant_names: list[str] | None = None
    dates: str | None = None
    description: str | None = None
    identifier: str | None = None


class AuthorityPage(PageOut):
    items: list[AuthorityOut]


class LinkIn(Schema):
    authority: UUID
    role: str = Field(description="creator、author、recipient、subject、mentioned、place")


class LinkOut(Schema):
    id: int
    role: str
    role_display: str
    authority: AuthorityOut


# ---------------------------------------------------------------- imports


class ImportErrorOut(Schema):
    row: int | None = None
    column: str = ""
    value: Any = None
    reason: str = ""
    code: str = ""


class ImportSummaryOut(Schema):
    uuid: UUID
    fonds: str
    file_name: str
    dry_run: bool
    status: str
    status_display: str
    total_rows: int
    processed_rows: int
    created_count: int
    unchanged_count: int
    message: str
    created: dt.datetime
    finished: dt.datetime | None


class ImportOut(ImportSummaryOut):
    errors: list[ImportErrorOut]


class ImportPage(PageOut):
    """Import batches in a list: without their row errors (GET /api/imports/{uuid} gives those)."""

    items: list[ImportSummaryOut]
