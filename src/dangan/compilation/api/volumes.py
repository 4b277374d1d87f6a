"""Part volumes' endpoints (COMPILATION_EDIT): the compilations, one compilation with its sections and the entries
whose unit the caller may see (the others only counted), one entry with its transcription and notes, and the export
jobs — start one (the worker runs it) and read its status. An entry of a unit the caller may not see is a 404."""

from __future__ import annotations

from typing import Any
from uuid import UUID

from django.http import Http404, HttpRequest
from django.shortcuts import get_object_or_404
from ninja import Field, Query, Schema, Status

from dangan.compilation.actions import volumes as A
from dangan.compilation.models import Compilation, Entry, ExportJob
from dangan.core.api import ERROR_RESPONSES, PageOut, PageQuery, paged, require_capability
from dangan.core.roles import Capability

from . import router

EDIT = Capability.COMPILATION_EDIT


class CompilationOut(Schema):
    id: int
    uuid: str
    title: str
    subtitle: str
    editor: str
    publisher: str
    year: str
    status: str
    version: int
    updated: str


class CompilationPage(PageOut):
    items: list[CompilationOut]


class CompilationEntryOut(Schema):
    id: int
    number: int = Field(description="在调用者可见的选文中的序号（导出时的文件序号）")
    section: str | None
    unit: str = Field(description="档案 UUID")
    reference_code: str | None = Field(description="档号")
    heading: str
    date_line: str
    source_line: str
    text_source: str = Field(description="ocr（识别文本校对）或 typed（人工录入）")
    version: int


class SectionOut(Schema):
    title: str | None
    entries: list[CompilationEntryOut]


class CompilationDetailOut(CompilationOut):
    preface: str
    editorial_notes: str
    sections: list[SectionOut]
    hidden_entries: int = Field(description="调用者无权查看的选文数（不列出）")


class NoteOut(Schema):
    number: int
    text: str


class EntryDetailOut(CompilationEntryOut):
    text: str = Field(description="录文；注释标记形如〔注1〕")
    notes: list[NoteOut]
    images: list[dict[str, Any]]


class ExportIn(Schema):
    format: str = Field(description="pdf、epub 或 docx")
    vertical: bool = Field(False, description="竖排（仅 PDF）")


class ExportOut(Schema):
    id: str
    format: str
    vertical: bool
    state: str = Field(description="queued、running、done、failed")
    done: int
    total: int
    documents: int
    left_out: int = Field(description="因申请人无权查看而未收录的选文数")
    error: str
    requested_by: str
    download: str | None = Field(description="可下载时为下载地址")


def _compilation_out(c: Compilation) -> dict[str, Any]:
    return {
        "id": c.pk,
        "uuid": str(c.uuid),
        "title": c.title,
        "subtitle": c.subtitle,
        "editor": c.editor,
        "publisher": c.publisher,
        "year": c.year,
        "status": c.status,
        "version": c.version,
        "updated": c.updated.isoformat(),
    }


def _entry_out(e: Entry, number: int) -> dict[str, Any]:
    return {
        "id": e.pk,
        "number": number,
        "section": e.section.title if e.section else None,
        "unit": str(e.unit.uuid),
        "reference_code": e.unit.reference_code,
        "heading": e.heading,
        "date_line": e.date_line,
        "source_line": e.source_line,
        "text_source": e.text_source,
        "version": e.version,
    }


def _export_out(request: HttpRequest, job: ExportJob) -> dict[str, Any]:
    from django.urls import reverse

    return {
        "id": str(job.uuid),
        "format": job.format,
        "vertical": job.vertical,
        "state": job.state,
        "done": job.done,
        "total": job.total,
        "documents": job.documents,
        "left_out": job.left_out,
        "error": job.error,
        "requested_by": job.requested_by_name,
        "download": reverse("compilation:export_download", args=[job.uuid])
        if A.can_download(request.user, job)
        else None,
    }


@router.get(
    "/compilations",
    response={200: CompilationPage, **ERROR_RESPONSES},
    summary="编研成果 / compilations",
)
def list_compilations(request: HttpRequest, paging: Query[PageQuery]) -> Any:
    require_capability(request, EDIT)
    return paged(Compilation.objects.order_by("-updated", "-pk"), paging, _compilation_out)


@router.get(
    "/compilations/{int:compilation_id}",
    response={200: CompilationDetailOut, **ERROR_RESPONSES},
    summary="一个编研成果及其选文 / a compilation and its entries",
)
def get_compilation(request: HttpRequest, compilation_id: int) -> Any:
    require_capability(request, EDIT)
    compilation = get_object_or_404(Compilation, pk=compilation_id)
    view = A.compilation_view(request.user, compilation)
    number = 0
    sections = []
    for section, entries in view.sections:
        rows = []
        for entry in entries:
            number += 1
            rows.append(_entry_out(entry, number))
        sections.append({"title": section.title if section else None, "entries": rows})
    return {
        **_compilation_out(compilation),
        "preface": compilation.preface,
        "editorial_notes": compilation.editorial_notes,
        "sections": sections,
        "hidden_entries": view.hidden,
    }


@router.get(
    "/compilations/{int:compilation_id}/entries/{int:entry_id}",
    response={200: EntryDetailOut, **ERROR_RESPONSES},
    summary="一篇选文：录文与注释 / an entry: transcription and notes",
)
def get_entry(request: HttpRequest, compilation_id: int, entry_id: int) -> Any:
    require_capability(request, EDIT)
    compilation = get_object_or_404(Compilation, pk=compilation_id)
    entry = A.visible_entry(request.user, entry_id, compilation)
    numbers = {e.pk: n for n, e in enumerate(A.compilation_view(request.user, compilation).entries, start=1)}
    return {
        **_entry_out(entry, numbers.get(entry.pk, 0)),
        "text": entry.text,
        "notes": [{"number": n.number, "text": n.text} for n in entry.notes.all()],
        "images": [{"page": i.page, "caption": i.caption} for i in entry.images.all()],
    }


@router.post(
    "/compilations/{int:compilation_id}/exports",
    response={202: ExportOut, **ERROR_RESPONSES},
    summary="导出编研成果 / start an export (PDF, EPUB, DOCX)",
    description="导出内容以调用者有权查看的档案为限；由后台任务执行，用返回的 id 查询进度。",
)
def start_export(request: HttpRequest, compilation_id: int, payload: ExportIn) -> Any:
    require_capability(request, EDIT)
    compilation = get_object_or_404(Compilation, pk=compilation_id)
    job = A.do_request_export(request.user, compilation, payload.format, vertical=payload.vertical)
    job.refresh_from_db()
    return Status(202, _export_out(request, job))


@router.get(
    "/compilations/{int:compilation_id}/exports/{uuid:job_id}",
    response={200: ExportOut, **ERROR_RESPONSES},
    summary="导出任务的状态 / an export's status",
)
def get_export(request: HttpRequest, compilation_id: int, job_id: UUID) -> Any:
    require_capability(request, EDIT)
    job = ExportJob.objects.filter(uuid=job_id, compilation_id=compilation_id).first()
    if job is None:
        raise Http404
    return _export_out(request, job)
