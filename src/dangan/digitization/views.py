"""Workspace pages of digitization batches (/manage/digitization/): the batch list, a new batch, a batch with its
units, pages (thumbnails) and QC results (progress live while the worker runs), the upload of a batch .zip
(resumable, through the API's upload endpoints), the sample inspection (image beside its metadata and its
neighbours), acceptance, rework of one page and preservation.

Each page is a shell over the actions: a button shows when the action's own check passes; a page of a unit the
person may not see is a 404, its image too."""

from __future__ import annotations

import tempfile
from pathlib import Path
from typing import Any

from django.conf import settings
from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from dangan.catalog.policy import can_view_unit
from dangan.core.actors import signed_in
from dangan.core.roles import Capability
from dangan.utilities.views import capability_required, form_errors_from, is_htmx, paginate

from .actions.batches import do_add_units_by_codes, do_create_batch, find_units, units_from_sheet, visible_batch_units
from .actions.common import allowed
from .actions.importing import problems_of
from .actions.inspection import (
    check_accept,
    check_start_inspection,
    current_inspection,
    do_accept,
    do_record_verdict,
    do_replace_page,
    do_start_inspection,
)
from .actions.jobs import active_task, do_queue_preserve
from .actions.preserving import check_preserve_batch
from .actions.uploads import do_import_upload
from .choices import BatchStatus, PageStatus
from .filters import BatchFilter
from .forms import AcceptForm, BatchForm, ReplaceForm, UnitCodesForm, UploadForm, VerdictForm
from .models import Batch, BatchUpload, InspectionItem, PageScan
from .previews import preview_jpeg

DIGITIZE = Capability.DIGITIZE
STEPS = [
    BatchStatus.PLANNED,
    BatchStatus.SCANNING,
    BatchStatus.CHECKING,
    BatchStatus.INSPECTING,
    BatchStatus.ACCEPTED,
    BatchStatus.PRESERVED,
]
UPLOAD_CHUNK = 8 * 1024 * 1024
PICKER_LIMIT = 50
THUMB = 240
VIEW = 1600


def _errors(request: HttpRequest, exc: Exception) -> None:
    for message in getattr(exc, "messages", None) or [str(exc)]:
        messages.error(request, message)


@capability_required(DIGITIZE)
def batch_list(request: HttpRequest) -> HttpResponse:
    filters = BatchFilter.from_params(request.GET)
    context = {
        "page": paginate(request, filters.apply(request.user), 30),
        "filters": filters,
        "status": filters.status,
        "statuses": BatchStatus.choices,
    }
    return render(request, "digitization/batch_list.html", context)


@capability_required(DIGITIZE)
def batch_new(request: HttpRequest) -> HttpResponse:
    form = BatchForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        data = dict(form.cleaned_data)
        person = signed_in(request)
        codes = [c.strip() for c in data.pop("codes").splitlines() if c.strip()]
        sheet = data.pop("sheet")
        name, fonds = data.pop("name"), data.pop("fonds")
        try:
            units = []
            if sheet is not None:
                suffix = Path(sheet.name).suffix.lower()
                with tempfile.NamedTemporaryFile(suffix=suffix) as handle:
                    for chunk in sheet.chunks():
                        handle.write(chunk)
                    handle.flush()
                    units = units_from_sheet(person, fonds, Path(handle.name))
            if codes:
                found, missing = find_units(person, fonds, codes)
                if missing:
                    raise ValidationError(
                        {
                            "codes": _("全宗 %(fonds)s 中没有这些档号（或您无权查看）：%(codes)s")
                            % {"fonds": fonds.code, "codes": "、".join(missing[:50])}
                        }
                    )
                units += [u for u in found if u not in units]
            batch = do_create_batch(person, name, fonds, units=units, **data)
        except ValidationError as exc:
            form_errors_from(form, exc)
        else:
            messages.success(request, _("已登记批次。"))
            return redirect("digitization:batch_detail", uuid=batch.uuid)
    return render(request, "digitization/batch_new.html", {"form": form}, status=400 if form.errors else 200)


def _detail_context(request: HttpRequest, batch: Batch) -> dict[str, Any]:
    person = signed_in(request)
    units = visible_batch_units(person, batch)
    pages = list(
        PageScan.objects.filter(batch_unit__in=units)
        .select_related("batch_unit")
        .order_by("batch_unit__position", "batch_unit_id", "number")
    )
    problems = problems_of(batch, units)
    task = active_task(batch)
    inspection = current_inspection(batch)
    return {
        "batch": batch,
        "units": units,
        "hidden_units": batch.units.count() - len(units),
        "pages": pages,
        "problems": problems,
        "unknown": batch.problems,
        "task": task,
        "running": bool(task),
        "path": [(s, s.label, _reached(batch, s)) for s in STEPS],
        "inspection": inspection,
        "inspections": batch.inspections.all(),
        "can_inspect": allowed(check_start_inspection, person, batch),
        "can_accept": inspection is not None and allowed(check_accept, person, batch),
        "can_preserve": not task and allowed(check_preserve_batch, person, batch),
        "can_upload": batch.status not in (BatchStatus.ACCEPTED, BatchStatus.PRESERVED) and not task,
        "units_form": UnitCodesForm(initial={"version": batch.version}),
        "accept_form": AcceptForm(initial={"version": batch.version}),
        "failed_pages": [p for p in pages if p.status in (PageStatus.FAILED, PageStatus.REWORK)],
    }


def _reached(batch: Batch, step: str) -> bool:
    order = [s.value for s in STEPS]
    current = BatchStatus.CHECKING if batch.status == BatchStatus.REWORK else batch.status
    return order.index(step) <= order.index(current)


def _batch(uuid: Any) -> Batch:
    return get_object_or_404(Batch.objects.select_related("fonds"), uuid=uuid)


@capability_required(DIGITIZE)
def batch_detail(request: HttpRequest, uuid: Any) -> HttpResponse:
    return render(request, "digitization/batch_detail.html", _detail_context(request, _batch(uuid)))


@capability_required(DIGITIZE)
def batch_progress(request: HttpRequest, uuid: Any) -> HttpResponse:
    """The progress panel, polled by htmx while a job runs; when it ends the answer reloads the page."""
    batch = _batch(uuid)
    if not is_htmx(request):
        return redirect("digitization:batch_detail", uuid=batch.uuid)
    running = bool(active_task(batch))
    response = render(request, "digitization/_batch_progress.html", {"batch": batch, "running": running})
    if not running:
        response["HX-Refresh"] = "true"
    return response


@require_POST
@capability_required(DIGITIZE)
def batch_action(request: HttpRequest, uuid: Any, action: str) -> HttpResponse:
    batch = _batch(uuid)
    person = signed_in(request)
    try:
        if action == "units":
            form = UnitCodesForm(request.POST)
            picked = [c for c in request.POST.getlist("unit") if c.strip()]
            if picked:
                added = do_add_units_by_codes(person, batch, picked)
                messages.success(request, _("已添加 %(n)d 件档案。") % {"n": len(added)})
            elif form.is_valid():
                codes = form.cleaned_data["codes"].splitlines()
                added = do_add_units_by_codes(person, batch, codes, expected_version=form.cleaned_data["version"])
                messages.success(request, _("已添加 %(n)d 件档案。") % {"n": len(added)})
            else:
                messages.error(request, _("请填写档号。"))
        elif action == "inspect":
            inspection = do_start_inspection(person, batch)
            return redirect("digitization:inspection", uuid=inspection.uuid)
        elif action == "accept":
            accept = AcceptForm(request.POST)
            accept.is_valid()
            batch = do_accept(person, batch, expected_version=accept.cleaned_data.get("version"))
            if batch.status == BatchStatus.ACCEPTED:
                messages.success(request, _("抽检合格，批次已验收。"))
            else:
                messages.warning(request, _("抽检合格率未达到要求，批次退回返工。"))
        elif action == "preserve":
            do_queue_preserve(person, batch)
            messages.success(request, _("已开始入库。"))
        else:
            raise Http404
    except ValidationError as exc:
        _errors(request, exc)
        if getattr(exc, "code", None) == "conflict":
            response = render(
                request, "digitization/batch_detail.html", _detail_context(request, _batch(uuid)), status=409
            )
            return response
    except PermissionDenied as exc:
        _errors(request, exc)
    return redirect("digitization:batch_detail", uuid=batch.uuid)


@capability_required(DIGITIZE)
def unit_picker(request: HttpRequest, uuid: Any) -> HttpResponse:
    """Units of the batch's fonds matching ``q`` (catalog.filters.UnitFilter: only those the person may see), with a
    checkbox each, for the batch page's 从目录选择 (htmx fragment; a plain request gets the batch page)."""
    from dangan.catalog.filters import UnitFilter

    batch = _batch(uuid)
    if not is_htmx(request):
        return redirect("digitization:batch_detail", uuid=batch.uuid)
    query = request.GET.get("q", "").strip()
    units: list[Any] = []
    if query:
        filters = UnitFilter.from_params({"q": query, "fonds": batch.fonds.code})
        present = set(batch.units.values_list("unit_id", flat=True))
        units = [
            u
            for u in filters.apply(signed_in(request)).exclude(reference_code=None)[:PICKER_LIMIT]
            if u.pk not in present
        ]
    return render(request, "digitization/_unit_picker.html", {"batch": batch, "units": units, "query": query})


@capability_required(DIGITIZE)
def batch_upload(request: HttpRequest, uuid: Any) -> HttpResponse:
    """The upload page: the .zip goes in chunks to /api/digitization/…/uploads; the form then imports it."""
    batch = _batch(uuid)
    form = UploadForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        upload = BatchUpload.objects.filter(uuid=form.cleaned_data["upload"], batch=batch).first()
        if upload is None:
            form.add_error(None, _("找不到上传的文件，请重新上传。"))
        else:
            try:
                do_import_upload(signed_in(request), upload)
            except (ValidationError, PermissionDenied) as exc:
                form_errors_from(form, exc) if isinstance(exc, ValidationError) else form.add_error(None, str(exc))
            else:
                messages.success(request, _("上传完成，正在导入并质检。"))
                return redirect("digitization:batch_detail", uuid=batch.uuid)
    context = {
        "batch": batch,
        "form": form,
        "chunk_size": getattr(settings, "DIGITIZATION_UPLOAD_CHUNK", UPLOAD_CHUNK),
    }
    return render(request, "digitization/batch_upload.html", context, status=400 if form.errors else 200)


def _page(request: HttpRequest, pk: int) -> PageScan:
    page = get_object_or_404(PageScan.objects.select_related("batch", "batch_unit", "batch_unit__unit"), pk=pk)
    if not can_view_unit(signed_in(request), page.batch_unit.unit):
        raise Http404
    return page


@capability_required(DIGITIZE)
def page_image(request: HttpRequest, pk: int, size: str) -> HttpResponse:
    """A staged page as JPEG: ``thumb`` (240 px) for the lists, ``view`` (1600 px) for the inspection."""
    page = _page(request, pk)
    if size not in ("thumb", "view"):
        raise Http404
    data = preview_jpeg(page.file, THUMB if size == "thumb" else VIEW)
    if data is None:
        raise Http404
    response = HttpResponse(data, content_type="image/jpeg")
    response["Cache-Control"] = "private, max-age=300"
    return response


@capability_required(DIGITIZE)
def page_detail(request: HttpRequest, pk: int) -> HttpResponse:
    page = _page(request, pk)
    neighbours = PageScan.objects.filter(batch_unit=page.batch_unit, number__in=(page.number - 1, page.number + 1))
    context = {
        "page": page,
        "batch": page.batch,
        "results": page.qc_results.all(),
        "neighbours": neighbours,
        "replace_form": ReplaceForm(),
        "can_replace": page.status in (PageStatus.FAILED, PageStatus.REWORK),
    }
    return render(request, "digitization/page_detail.html", context)


@require_POST
@capability_required(DIGITIZE)
def page_replace(request: HttpRequest, pk: int) -> HttpResponse:
    page = _page(request, pk)
    form = ReplaceForm(request.POST, request.FILES)
    if not form.is_valid():
        messages.error(request, _("请选择替换图像。"))
        return redirect("digitization:page_detail", pk=page.pk)
    upload = form.cleaned_data["image"]
    suffix = Path(upload.name).suffix.lower()[:10]
    with tempfile.TemporaryDirectory() as folder:
        source = Path(folder) / f"replacement{suffix}"
        with open(source, "wb") as out:
            for chunk in upload.chunks():
                out.write(chunk)
        try:
            page = do_replace_page(signed_in(request), page, source, original_name=upload.name)
        except (ValidationError, PermissionDenied) as exc:
            _errors(request, exc)
            return redirect("digitization:page_detail", pk=page.pk)
    if page.status == PageStatus.PASSED:
        messages.success(request, _("已替换第 %(n)d 页，质检合格。") % {"n": page.number})
    else:
        messages.warning(request, _("已替换第 %(n)d 页，但质检仍不合格。") % {"n": page.number})
    return redirect("digitization:page_detail", pk=page.pk)


@capability_required(DIGITIZE)
def inspection(request: HttpRequest, uuid: Any) -> HttpResponse:
    """The sample: each sampled page's image beside its metadata, QC values and neighbours, with its verdict."""
    from .models import Inspection

    found = get_object_or_404(Inspection.objects.select_related("batch", "batch__fonds"), uuid=uuid)
    person = signed_in(request)
    items = [
        item
        for item in found.items.select_related("page", "page__batch_unit", "page__batch_unit__unit")
        if can_view_unit(person, item.page.batch_unit.unit)
    ]
    context = {
        "inspection": found,
        "batch": found.batch,
        "items": items,
        "decided": sum(1 for i in items if i.verdict),
        "verdict_form": VerdictForm(),
        "accept_form": AcceptForm(initial={"version": found.batch.version}),
        "can_accept": found.finished is None and allowed(check_accept, person, found.batch),
    }
    return render(request, "digitization/inspection.html", context)


@require_POST
@capability_required(DIGITIZE)
def inspection_verdict(request: HttpRequest, pk: int) -> HttpResponse:
    item = get_object_or_404(
        InspectionItem.objects.select_related("inspection", "page", "page__batch_unit__unit"), pk=pk
    )
    if not can_view_unit(signed_in(request), item.page.batch_unit.unit):
        raise Http404
    form = VerdictForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("请判定合格或不合格。"))
    else:
        try:
            do_record_verdict(signed_in(request), item, form.cleaned_data["verdict"], form.cleaned_data["note"])
        except (ValidationError, PermissionDenied) as exc:
            _errors(request, exc)
    return redirect(f"{_inspection_url(item)}#item-{item.pk}")


def _inspection_url(item: InspectionItem) -> str:
    from django.urls import reverse

    return reverse("digitization:inspection", args=[item.inspection.uuid])
