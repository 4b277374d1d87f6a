"""Pages and routes of the OCR text of a unit's pages: the correction page in the workspace
(/manage/digitization/units/<uuid>/text/<page>/) and the text itself beside the IIIF images
(/iiif/3/text/<uuid>/<page>.alto.xml and .txt). Every one asks ``catalog.policy``: a unit the person may not see, or
a page without text, is a 404."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from dangan.catalog.models import ArchivalUnit
from dangan.catalog.policy import can_view_unit
from dangan.preservation.permissions import PRESERVE, VIEW, may
from dangan.utilities.concurrency import EditConflict, parse_version
from dangan.utilities.views import is_htmx

from .actions.ocr import do_correct_lines
from .actions.ocr_runs import do_queue_ocr_run, do_start_ocr_run
from .models import OcrRun, PageText
from .ocr_text import master_pages, page_image_url, page_text, page_texts

LINE_FIELD = "line-"


def _visible_unit(request: HttpRequest, uuid: Any) -> ArchivalUnit:
    unit = ArchivalUnit.objects.select_related("fonds").filter(uuid=uuid).first()
    if unit is None or not can_view_unit(request.user, unit):
        raise Http404
    return unit


def _visible_text(request: HttpRequest, uuid: Any, page: int) -> PageText:
    text = page_text(_visible_unit(request, uuid), page)
    if text is None:
        raise Http404
    return text


@require_http_methods(["GET", "HEAD"])
def page_alto(request: HttpRequest, uuid: Any, page: int) -> HttpResponse:
    """The ALTO XML of a page (policy → 404)."""
    text = _visible_text(request, uuid, page)
    return HttpResponse(text.alto.encode("utf-8"), content_type="application/xml; charset=utf-8")


@require_http_methods(["GET", "HEAD"])
def page_plain_text(request: HttpRequest, uuid: Any, page: int) -> HttpResponse:
    """The plain text of a page in reading order, one line per text line (policy → 404)."""
    text = _visible_text(request, uuid, page)
    body = text.text + "\n" if text.text else ""
    return HttpResponse(body.encode("utf-8"), content_type="text/plain; charset=utf-8")


def text_panel(request: HttpRequest, unit: ArchivalUnit) -> str:
    """The 识别文本 section of the unit detail page (which has asked the policy): the pages with text, with links to
    correct them, the latest OCR job and a button to start one for those who may; nothing when the unit has no
    preserved pages and no text."""
    texts = page_texts(unit)
    page_count = len(master_pages(unit))
    if not texts and not page_count:
        return ""
    rows = [
        {
            "page": t.page,
            "first_line": next(iter(t.text.splitlines()), ""),
            "revision": t.revision,
            "updated": t.updated,
        }
        for t in texts
    ]
    context = {
        "unit": unit,
        "texts": rows,
        "page_count": page_count,
        "run": OcrRun.objects.filter(unit=unit).order_by("-pk").first(),
        "can_correct": may(request.user, PRESERVE),
    }
    return render_to_string("digitization/_text_panel.html", context, request=request)


@require_http_methods(["GET"])
def text_progress(request: HttpRequest, uuid: Any) -> HttpResponse:
    """The 识别文本 panel again, polled by htmx while the unit's OCR job is queued or running (it stops polling once
    the job has ended); a plain request goes to the unit's page."""
    if not request.user.is_authenticated:
        return redirect_to_login(request.get_full_path())
    if not may(request.user, VIEW):
        raise PermissionDenied
    unit = _visible_unit(request, uuid)
    if not is_htmx(request):
        return redirect(reverse("catalog:unit_detail", args=[unit.uuid]) + "#ocr-text")
    return HttpResponse(text_panel(request, unit))


@require_POST
def unit_ocr(request: HttpRequest, uuid: Any) -> HttpResponse:
    """Start (or resume) the OCR of a unit's preserved pages as a background job; back to the unit's page."""
    if not request.user.is_authenticated:
        return redirect_to_login(request.get_full_path())
    if not may(request.user, VIEW):
        raise PermissionDenied
    unit = _visible_unit(request, uuid)
    if not may(request.user, PRESERVE):
        raise PermissionDenied
    try:
        run = do_start_ocr_run(request.user, unit=unit)
        do_queue_ocr_run(request.user, run)
    except ValidationError as exc:
        messages.info(request, "；".join(exc.messages))
    else:
        messages.success(request, _("已提交文字识别任务，识别在后台进行。"))
    return redirect(reverse("catalog:unit_detail", args=[unit.uuid]) + "#ocr-text")


def _lines(row: PageText) -> tuple[Any, list[dict[str, Any]]]:
    from dangan.digitization.ocr import parse_alto

    result = parse_alto(row.alto.encode("utf-8"))
    lines = [
        {
            "number": number,
            "id": line.id,
            "field": LINE_FIELD + line.id,
            "text": line.text,
            "box": f"{line.box.x},{line.box.y},{line.box.width},{line.box.height}",
            "vertical": line.vertical,
            "original": line.text,
            "stored": line.text,
            "stored_differs": False,
        }
        for number, line in enumerate(result.lines, start=1)
    ]
    return result, lines


@require_http_methods(["GET", "HEAD", "POST"])
def page_text_edit(request: HttpRequest, uuid: Any, page: int) -> HttpResponse:
    """GET: a page's image beside its lines, each an input; POST: save the lines changed (409 on a stale version,
    with what was typed kept)."""
    if not request.user.is_authenticated:
        return redirect_to_login(request.get_full_path())
    if not may(request.user, VIEW):
        raise PermissionDenied
    unit = _visible_unit(request, uuid)
    if not may(request.user, PRESERVE):
        raise PermissionDenied
    row = page_text(unit, page)
    if row is None:
        raise Http404
    typed: dict[str, str] = {}
    error = ""
    status = 200
    if request.method == "POST":
        typed = {
            key.removeprefix(LINE_FIELD): request.POST.get(key, "")
            for key in request.POST
            if key.startswith(LINE_FIELD)
        }
        try:
            version = parse_version(request.POST.get("version"))
            result = do_correct_lines(request.user, row, typed, version)
        except EditConflict as exc:
            error, status = exc.message, 409
        except ValueError as exc:
            error, status = str(exc), 400
        except ValidationError as exc:
            error, status = "；".join(exc.messages), 400
        else:
            if result.changed:
                messages.success(
                    request,
                    _("已保存第 %(page)d 页的 %(count)d 行修改（修订 %(revision)d）。")
                    % {"page": page, "count": len(result.changed), "revision": result.page_text.revision},
                )
            else:
                messages.info(request, _("没有修改，未生成新的修订。"))
            return redirect(request.path)
        row = page_text(unit, page) or row
    result_page, lines = _lines(row)
    if status == 409:
        # Keep what the person typed beside the text now stored (the inputs show what they typed).
        for line in lines:
            line["text"] = typed.get(line["id"], line["text"])
            line["stored_differs"] = line["text"] != line["stored"]
    masters = {p.number: p for p in master_pages(unit)}
    master = masters.get(page)
    context = {
        "unit": unit,
        "fonds": unit.fonds,
        "row": row,
        "page": page,
        "page_count": len(masters),
        "previous_page": page - 1 if page - 1 in masters else None,
        "next_page": page + 1 if page + 1 in masters else None,
        "image_url": page_image_url(master.file) if master else "",
        "page_width": result_page.width,
        "page_height": result_page.height,
        "lines": lines,
        "error": error,
        "revisions": list(row.revisions.order_by("-revision")[:50]),
    }
    return render(request, "digitization/page_text.html", context, status=status)
