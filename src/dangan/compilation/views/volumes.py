"""Part volumes' pages (under /manage/compilation/volumes/, COMPILATION_EDIT): the list of compilations, a
compilation (metadata, preface, editorial notes, sections and entries ordered with up/down buttons, the exports with
their live status), the entry editor (the transcription with the OCR text beside it, notes, images), the index
preview and the download of an export. Thin: every change is an action of ``actions.volumes``."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import FileResponse, Http404, HttpRequest, HttpResponse, HttpResponseBase
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import URLPattern, path, reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST, require_safe

from dangan.compilation.actions import volumes as A
from dangan.compilation.models import (
    Compilation,
    CompilationStatus,
    EntryImage,
    ExportFormat,
    ExportJob,
    Note,
    Section,
    TextSource,
)
from dangan.core.roles import Capability
from dangan.utilities.concurrency import EditConflict, parse_version
from dangan.utilities.views import capability_required

EDIT = Capability.COMPILATION_EDIT


def _errors(exc: ValidationError) -> dict[str, list[str]]:
    if hasattr(exc, "error_dict"):
        return {k: [str(m) for e in v for m in e.messages] for k, v in exc.error_dict.items()}
    return {"form": [str(m) for m in exc.messages]}


def _flash(request: HttpRequest, exc: ValidationError) -> None:
    for texts in _errors(exc).values():
        for text in texts:
            messages.error(request, text)


def _compilation(pk: int) -> Compilation:
    return get_object_or_404(Compilation, pk=pk)


# ---------------------------------------------------------------- list and create


@require_http_methods(["GET", "HEAD", "POST"])
@capability_required(EDIT)
def volumes(request: HttpRequest) -> HttpResponse:
    errors: dict[str, list[str]] = {}
    values: dict[str, str] = {}
    if request.method == "POST":
        values = {k: request.POST.get(k, "") for k in ("title", "subtitle", "editor")}
        try:
            compilation = A.do_create_compilation(request.user, values)
        except ValidationError as exc:
            errors = _errors(exc)
        else:
            messages.success(request, _("已创建编研成果。"))
            return redirect("compilation:volume", pk=compilation.pk)
    rows = Compilation.objects.all().order_by("-updated")
    return render(
        request,
        "compilation/volumes/list.html",
        {"compilations": rows, "errors": errors, "values": values},
        status=422 if errors else 200,
    )


# ---------------------------------------------------------------- one compilation


def _volume_context(request: HttpRequest, compilation: Compilation) -> dict[str, Any]:
    view = A.compilation_view(request.user, compilation)
    return {
        "compilation": compilation,
        "view": view,
        "sections": compilation.sections.all(),
        "statuses": CompilationStatus.choices,
        "formats": ExportFormat.choices,
        **_exports_context(request, compilation),
    }


@require_http_methods(["GET", "HEAD", "POST"])
@capability_required(EDIT)
def volume(request: HttpRequest, pk: int) -> HttpResponse:
    compilation = _compilation(pk)
    status = 200
    context: dict[str, Any] = {}
    if request.method == "POST":
        data = {k: request.POST.get(k, "") for k in A.COMPILATION_FIELDS}
        try:
            A.do_update_compilation(request.user, compilation, data, version=parse_version(request.POST.get("version")))
        except ValidationError as exc:
            context, status = {"errors": _errors(exc), "values": data}, 422
        except EditConflict as exc:
            context, status = {"errors": {"form": [exc.message]}, "values": data}, 409
        else:
            messages.success(request, _("已保存。"))
            return redirect("compilation:volume", pk=pk)
        compilation.refresh_from_db()
    return render(
        request, "compilation/volumes/volume.html", {**_volume_context(request, compilation), **context}, status=status
    )


@require_POST
@capability_required(EDIT)
def volume_delete(request: HttpRequest, pk: int) -> HttpResponse:
    A.do_delete_compilation(request.user, _compilation(pk))
    messages.success(request, _("已删除编研成果。"))
    return redirect("compilation:volumes")


@require_POST
@capability_required(EDIT)
def section_add(request: HttpRequest, pk: int) -> HttpResponse:
    try:
        A.do_add_section(request.user, _compilation(pk), request.POST.get("title", ""))
    except ValidationError as exc:
        _flash(request, exc)
    return redirect(reverse("compilation:volume", args=[pk]) + "#entries")


@require_POST
@capability_required(EDIT)
def section_action(request: HttpRequest, pk: int, section_id: int, action: str) -> HttpResponse:
    section = get_object_or_404(Section, pk=section_id, compilation_id=pk)
    try:
        if action == "rename":
            A.do_update_section(request.user, section, request.POST.get("title", ""))
        elif action in ("up", "down"):
            A.do_move_section(request.user, section, action)
        elif action == "remove":
            A.do_remove_section(request.user, section)
        else:
            raise Http404
    except ValidationError as exc:
        _flash(request, exc)
    return redirect(reverse("compilation:volume", args=[pk]) + "#entries")


@require_POST
@capability_required(EDIT)
def entry_add(request: HttpRequest, pk: int) -> HttpResponse:
    compilation = _compilation(pk)
    section_id = request.POST.get("section") or ""
    section = compilation.sections.filter(pk=int(section_id)).first() if section_id.isdigit() else None
    try:
        entry = A.do_add_entry(request.user, compilation, request.POST.get("unit", ""), section=section)
    except ValidationError as exc:
        _flash(request, exc)
        return redirect(reverse("compilation:volume", args=[pk]) + "#entries")
    messages.success(request, _("已加入选文。"))
    return redirect("compilation:entry", pk=pk, entry_id=entry.pk)


@require_POST
@capability_required(EDIT)
def entry_action(request: HttpRequest, pk: int, entry_id: int, action: str) -> HttpResponse:
    entry = A.visible_entry(request.user, entry_id, _compilation(pk))
    if action in ("up", "down"):
        A.do_move_entry(request.user, entry, action)
    elif action == "remove":
        A.do_remove_entry(request.user, entry)
        messages.success(request, _("已移除选文。"))
    else:
        raise Http404
    return redirect(reverse("compilation:volume", args=[pk]) + "#entries")


# ---------------------------------------------------------------- the entry editor


def _entry_context(request: HttpRequest, entry: Any) -> dict[str, Any]:
    from dangan.preservation.iiif import image_base_url, image_id

    notes = list(entry.notes.all())
    _paragraphs, _anchored, orphans = A.split_notes(entry.text, notes)
    marked = {int(m.group(1)) for m in A.NOTE_MARKER.finditer(entry.text)}
    masters = A.unit_masters(entry.unit)
    pages = [
        {"number": n, "thumb": f"{image_base_url(image_id(f))}/full/!160,160/0/default.jpg"}
        for n, f in enumerate(masters, start=1)
    ]
    return {
        "compilation": entry.compilation,
        "entry": entry,
        "ocr": A.ocr_text(entry.unit),
        "notes": [{"note": n, "placed": n.number in marked} for n in notes],
        "orphans": orphans,
        # The first marker typed without its note, else the next number.
        "next_note": min(orphans) if orphans else max([n.number for n in notes] + list(marked) + [0]) + 1,
        "images": list(entry.images.all()),
        "pages": pages,
        "sections": entry.compilation.sections.all(),
        "sources": TextSource.choices,
    }


@require_http_methods(["GET", "HEAD", "POST"])
@capability_required(EDIT)
def entry(request: HttpRequest, pk: int, entry_id: int) -> HttpResponse:
    current = A.visible_entry(request.user, entry_id, _compilation(pk))
    status = 200
    extra: dict[str, Any] = {}
    if request.method == "POST":
        data = {k: request.POST.get(k, "") for k in A.ENTRY_FIELDS}
        section_id = request.POST.get("section", "")
        section = current.compilation.sections.filter(pk=int(section_id)).first() if section_id.isdigit() else None
        try:
            A.do_update_entry(
                request.user, current, data, version=parse_version(request.POST.get("version")), section=section
            )
        except ValidationError as exc:
            extra, status = {"errors": _errors(exc), "values": data}, 422
        except EditConflict as exc:
            extra, status = {"errors": {"form": [exc.message]}, "values": data}, 409
        else:
            messages.success(request, _("已保存选文。"))
            return redirect("compilation:entry", pk=pk, entry_id=entry_id)
        current.refresh_from_db()
    return render(
        request, "compilation/volumes/entry.html", {**_entry_context(request, current), **extra}, status=status
    )


@require_POST
@capability_required(EDIT)
def note_action(request: HttpRequest, pk: int, entry_id: int, action: str) -> HttpResponse:
    current = A.visible_entry(request.user, entry_id, _compilation(pk))
    try:
        if action == "set":
            number = request.POST.get("number", "")
            if not number.isdigit():
                raise ValidationError({"number": _("注释号应为数字。")})
            A.do_set_note(request.user, current, int(number), request.POST.get("text", ""))
        elif action == "remove":
            note = get_object_or_404(Note, pk=request.POST.get("note") or 0, entry=current)
            A.do_remove_note(request.user, note)
        else:
            raise Http404
    except ValidationError as exc:
        _flash(request, exc)
    return redirect(reverse("compilation:entry", args=[pk, entry_id]) + "#notes")


@require_POST
@capability_required(EDIT)
def image_action(request: HttpRequest, pk: int, entry_id: int, action: str) -> HttpResponse:
    current = A.visible_entry(request.user, entry_id, _compilation(pk))
    try:
        if action == "add":
            page = request.POST.get("page", "")
            if not page.isdigit():
                raise ValidationError({"page": _("请选择页码。")})
            A.do_add_image(request.user, current, int(page), request.POST.get("caption", ""))
        elif action == "remove":
            image = get_object_or_404(EntryImage, pk=request.POST.get("image") or 0, entry=current)
            A.do_remove_image(request.user, image)
        else:
            raise Http404
    except ValidationError as exc:
        _flash(request, exc)
    return redirect(reverse("compilation:entry", args=[pk, entry_id]) + "#images")


# ---------------------------------------------------------------- index and exports


@require_safe
@capability_required(EDIT)
def index(request: HttpRequest, pk: int) -> HttpResponse:
    compilation = _compilation(pk)
    view = A.compilation_view(request.user, compilation)
    numbers = {e.unit_id: n for n, e in enumerate(view.entries, start=1)}
    return render(
        request,
        "compilation/volumes/index.html",
        {"compilation": compilation, "index": A.build_index(numbers), "hidden": view.hidden},
    )


def _exports_context(request: HttpRequest, compilation: Compilation) -> dict[str, Any]:
    jobs = list(A.visible_jobs(compilation)[:20])
    return {
        "jobs": [{"job": j, "download": A.can_download(request.user, j)} for j in jobs],
        "active": any(j.is_active for j in jobs),
    }


@require_safe
@capability_required(EDIT)
def exports(request: HttpRequest, pk: int) -> HttpResponse:
    compilation = _compilation(pk)
    return render(
        request,
        "compilation/volumes/_exports.html",
        {"compilation": compilation, **_exports_context(request, compilation)},
    )


@require_POST
@capability_required(EDIT)
def export_start(request: HttpRequest, pk: int) -> HttpResponse:
    compilation = _compilation(pk)
    try:
        A.do_request_export(
            request.user, compilation, request.POST.get("format", ""), vertical=request.POST.get("vertical") == "on"
        )
    except ValidationError as exc:
        _flash(request, exc)
    else:
        messages.success(request, _("已开始导出，完成后可在下方下载。"))
    return redirect(reverse("compilation:volume", args=[pk]) + "#exports")


CONTENT_TYPES = {
    "pdf": "application/pdf",
    "epub": "application/epub+zip",
    "docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
}


@require_safe
@capability_required(EDIT)
def export_download(request: HttpRequest, uuid: str) -> HttpResponseBase:
    job = ExportJob.objects.select_related("compilation").filter(uuid=uuid).first()
    if job is None or not A.can_download(request.user, job):
        raise Http404(_("找不到该导出文件。"))
    target = A.export_path(job.file)
    if not target.is_file():
        raise Http404(_("找不到该导出文件。"))
    name = f"{job.compilation.title[:80]}.{job.format}"
    return FileResponse(
        target.open("rb"), as_attachment=True, filename=name, content_type=CONTENT_TYPES.get(job.format)
    )


manage_urls: list[URLPattern] = [
    path("volumes/", volumes, name="volumes"),
    path("volumes/<int:pk>/", volume, name="volume"),
    path("volumes/<int:pk>/delete", volume_delete, name="volume_delete"),
    path("volumes/<int:pk>/sections/add", section_add, name="section_add"),
    path("volumes/<int:pk>/sections/<int:section_id>/<str:action>", section_action, name="section_action"),
    path("volumes/<int:pk>/entries/add", entry_add, name="entry_add"),
    path("volumes/<int:pk>/entries/<int:entry_id>/", entry, name="entry"),
    path("volumes/<int:pk>/entries/<int:entry_id>/notes/<str:action>", note_action, name="note_action"),
    path("volumes/<int:pk>/entries/<int:entry_id>/images/<str:action>", image_action, name="image_action"),
    path("volumes/<int:pk>/entries/<int:entry_id>/<str:action>", entry_action, name="entry_action"),
    path("volumes/<int:pk>/index", index, name="index"),
    path("volumes/<int:pk>/exports", exports, name="exports"),
    path("volumes/<int:pk>/exports/start", export_start, name="export_start"),
    path("exports/<uuid:uuid>/download", export_download, name="export_download"),
]
