"""API of the utilization register (利用登记) and its annual statistics, under /api/access/: the register's entries
(the page's filters and paging), an entry added by hand, and the year's figures. For the reviewers of access
requests and the reading room desk (ACCESS_REVIEW or READING_ROOM); a unit the caller may not see is named in no
entry ("hidden": true, no 档号, no title)."""

from __future__ import annotations

import datetime as dt
from typing import Any
from uuid import UUID

from django.http import HttpRequest
from django.utils import timezone
from ninja import Field, Query, Schema, Status

from dangan.access.actions.register import MAX_PAGES, NOTE_LENGTH, do_add_use_record, require_register
from dangan.access.choices import Channel, Purpose, UseKind
from dangan.access.filters.register import RegisterFilter
from dangan.access.models import UseRecord
from dangan.access.register_rows import present
from dangan.access.statistics import FIRST_YEAR, LAST_YEAR, annual_statistics
from dangan.core.actors import signed_in
from dangan.core.api import ERROR_RESPONSES, ActionRouter, PageOut, PageQuery, filter_query, read_filters
from dangan.utilities.paging import slice_page

router = ActionRouter(tags=["利用登记 access register"])


class EntryOut(Schema):
    id: int
    at: dt.datetime = Field(description="利用时间")
    kind: UseKind = Field(description="利用方式：visit 到馆、request 查档申请、view 查阅、copy 复制")
    kind_display: str
    channel: Channel = Field(description="渠道：reading_room 阅览室、online 网上")
    channel_display: str
    purpose: str = Field(description="利用目的（空：未填写）")
    purpose_display: str
    reader: str = Field(description="查档人姓名（不含其他个人信息）")
    fonds: str = Field(description="全宗号")
    unit: UUID | None = Field(description="档案；无权查看或未涉及具体档案时为 null")
    reference_code: str = Field(description="档号；无权查看时为空")
    title: str = Field(description="题名；无权查看时为空")
    hidden: bool = Field(description="涉及您无权查看的档案")
    pages: int = Field(description="复制页数")
    staff: str = Field(description="经办人")
    source: str = Field(description="来源：request:<uuid>、visit:<id>、copy:<uuid>、manual（手工登记）")
    note: str


class EntryPage(PageOut):
    items: list[EntryOut]


class EntryIn(Schema):
    kind: UseKind = Field(description="利用方式：visit、request、view、copy")
    channel: Channel = Field(description="渠道：reading_room、online")
    purpose: Purpose | None = Field(None, description="利用目的：history、research、work、rights、education、other")
    at: dt.datetime | None = Field(None, description="利用时间，默认现在")
    unit: str = Field("", max_length=80, description="档号（查阅、复制必填）")
    reader: str = Field("", max_length=150, description="查档人账号（登录名）")
    pages: int = Field(0, ge=0, le=MAX_PAGES, description="复制页数")
    note: str = Field("", max_length=NOTE_LENGTH, description="备注，如：电话咨询")


class FiguresOut(Schema):
    visits: int = Field(description="到馆人次")
    readers: int = Field(description="利用人数（不重复）")
    requests: int = Field(description="查档申请")
    views: int = Field(description="查阅")
    copies: int = Field(description="复制")
    units_used: int = Field(description="利用档案（卷/件次）：查阅与复制")
    distinct_units: int = Field(description="涉及档案（卷/件，不重复）")
    pages: int = Field(description="复制页数")
    total: int = Field(description="登记总数")


class RowOut(FiguresOut):
    key: int | str = Field(description="月份（1–12）、全宗号、利用目的或渠道的值")
    label: str


class StatisticsOut(Schema):
    year: int
    totals: FiguresOut
    by_month: list[RowOut]
    by_fonds: list[RowOut]
    by_purpose: list[RowOut]
    by_channel: list[RowOut]


class RegisterQuery(filter_query(RegisterFilter)):  # type: ignore[misc]
    """The query parameters of access.filters.register.RegisterFilter."""


class YearQuery(Schema):
    year: int | None = Field(None, ge=FIRST_YEAR, le=LAST_YEAR, description="年度，默认今年")


@router.get(
    "/register",
    response={200: EntryPage, **ERROR_RESPONSES},
    summary="利用登记",
    description="新的在前；筛选条件与工作台页面相同（access.filters.register.RegisterFilter）。",
)
def list_entries(request: HttpRequest, filters: Query[RegisterQuery], paging: Query[PageQuery]) -> Any:
    require_register(request.user)
    rows = read_filters(RegisterFilter, filters).apply(request.user)
    page = slice_page(rows, paging.page, paging.size)
    envelope = page.envelope()
    envelope["items"] = [row.as_dict() for row in present(page.items, request.user)]
    return envelope


@router.post("/register", response={201: EntryOut, **ERROR_RESPONSES}, summary="手工登记利用（如电话咨询）")
def add_entry(request: HttpRequest, body: EntryIn) -> Any:
    require_register(request.user)
    values = body.dict()
    values["purpose"] = values["purpose"] or ""
    entry = do_add_use_record(signed_in(request), **values)
    entry = UseRecord.objects.select_related("reader", "unit", "fonds", "staff").get(pk=entry.pk)
    return Status(201, present([entry], request.user)[0].as_dict())


@router.get(
    "/statistics",
    response={200: StatisticsOut, **ERROR_RESPONSES},
    summary="年度利用统计",
    description="到馆人次、利用人数、查档申请、利用档案（卷/件次）、复制页数：总计，按月份、全宗、利用目的、渠道。",
)
def get_statistics(request: HttpRequest, query: Query[YearQuery]) -> Any:
    require_register(request.user)
    year = query.year or timezone.localdate().year
    return annual_statistics(year).as_dict()
