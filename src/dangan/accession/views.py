"""Workspace pages of accession: the transfer register, a transfer with its status steps and actions, the upload of
a package (resumable, through the API's upload endpoints), the check report (page, PDF, JSON) with the manual items
to sign, and the register of collected material.

Each page is a shell over the actions: a button shows when the action's own check passes (``can_*``), and what a
report shows of the catalog's rows is what actions.access lets the reader see."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from dangan.core.actors import signed_in
from dangan.core.roles import Capability
from dangan.utilities.views import capability_required, form_errors_from, is_htmx, paginate

from .actions.accepting import can_close, do_reject, do_return, second_acceptor_required
from .actions.access import may_act
from .actions.checking import can_sign, do_sign_item
from .actions.events import VIRUS_ITEM
from .actions.jobs import active_task, can_queue_accept, can_start_check, do_queue_accept, do_queue_check
from .actions.receiving import do_register_acquisition
from .actions.reports import item_views, report_to_dict
from .actions.uploads import do_receive_upload
from .choices import CheckResult, Property, TransferStatus, TransferTask
from .filters import AcquisitionFilter, TransferFilter
from .forms import AcceptForm, AcquisitionForm, ReasonForm, SignForm, TransferForm
from .models import CheckItem, CheckReport, Transfer, Upload
from .report_pdf import FontMissing, render_report_pdf

ACCESSION = Capability.ACCESSION
STEPS = [TransferStatus.RECEIVED, TransferStatus.CHECKING, TransferStatus.ACCEPTING, TransferStatus.ACCEPTED]
UPLOAD_CHUNK = 8 * 1024 * 1024  # bytes per PUT from the upload page; settings.ACCESSION_UPLOAD_CHUNK overrides it


@capability_required(ACCESSION)
def transfer_list(request: HttpRequest) -> HttpResponse:
    filters = TransferFilter.from_params(request.GET)
    context = {
        "page": paginate(request, filters.apply(request.user), 30),
        "filters": filters,
        "status": filters.status,
        "statuses": TransferStatus.choices,
    }
    return render(request, "accession/transfer_list.html", context)


@capability_required(ACCESSION)
def transfer_new(request: HttpRequest) -> HttpResponse:
    """The upload page: the file goes in chunks to /api/accession/uploads; the form then registers it."""
    form = TransferForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        upload = Upload.objects.filter(uuid=data["upload"], user=signed_in(request)).first()
        if upload is None:
            form.add_error(None, _("找不到上传的文件，请重新上传。"))
        else:
            try:
                transfer = do_receive_upload(
                    signed_in(request),
                    upload,
                    fonds=data["fonds"],
                    kind=data["kind"],
                    acquisition=data["acquisition"],
                    transferring_unit=data["transferring_unit"],
                    batch=data["batch"],
                    declared_items=data["declared_items"],
                    declared_bytes=data["declared_bytes"],
                )
            except ValidationError as exc:
                form_errors_from(form, exc)
            else:
                do_queue_check(signed_in(request), transfer)
                messages.success(request, _("已登记，正在进行四性检测。"))
                return redirect("accession:transfer_detail", uuid=transfer.uuid)
    context = {"form": form, "chunk_size": getattr(settings, "ACCESSION_UPLOAD_CHUNK", UPLOAD_CHUNK)}
    return render(request, "accession/transfer_new.html", context, status=400 if form.errors else 200)


def _detail_context(request: HttpRequest, transfer: Transfer) -> dict[str, Any]:
    user = signed_in(request)
    report = transfer.latest_report()
    items = list(report.items.all()) if report else []
    virus = next((i for i in items if i.code == VIRUS_ITEM), None)
    unsigned = [i for i in items if i.result == CheckResult.MANUAL and not i.signed_result]
    reached = {step.status for step in transfer.steps.all()}
    task = active_task(transfer)
    return {
        "transfer": transfer,
        "report": report,
        "items": items,
        "steps": transfer.steps.select_related("user").all(),
        "path": [(s, s.label, s in reached or s == transfer.status) for s in STEPS],
        "task": task,
        "running": bool(task),
        "accepting": task == TransferTask.ACCEPT or transfer.status == TransferStatus.ACCEPTING,
        "closed": transfer.status in (TransferStatus.REJECTED, TransferStatus.RETURNED),
        "accept_form": AcceptForm(),
        "reason_form": ReasonForm(),
        "needs_override": virus is not None and virus.result == CheckResult.NOT_PERFORMED,
        "unsigned": unsigned,
        "may_act": may_act(user, transfer),
        "can_accept": can_queue_accept(user, transfer),
        "writing": transfer.status == TransferStatus.ACCEPTING,
        "can_check": can_start_check(user, transfer),
        "can_close": can_close(user, transfer),
        "second_acceptor": second_acceptor_required(),
    }


@capability_required(ACCESSION)
def transfer_detail(request: HttpRequest, uuid: Any) -> HttpResponse:
    transfer = get_object_or_404(Transfer.objects.select_related("fonds", "acquisition", "import_batch"), uuid=uuid)
    return render(request, "accession/transfer_detail.html", _detail_context(request, transfer))


@capability_required(ACCESSION)
def transfer_progress(request: HttpRequest, uuid: Any) -> HttpResponse:
    """The progress panel, polled by htmx while a job of the transfer is queued or running; when it ends, the
    answer reloads the page (which then shows the report or the accepted transfer)."""
    transfer = get_object_or_404(Transfer, uuid=uuid)
    if not is_htmx(request):
        return redirect("accession:transfer_detail", uuid=transfer.uuid)
    context = _detail_context(request, transfer)
    response = render(request, "accession/_transfer_progress.html", context)
    if not context["running"]:
        response["HX-Refresh"] = "true"
    return response


@require_POST
@capability_required(ACCESSION)
def transfer_action(request: HttpRequest, uuid: Any, action: str) -> HttpResponse:
    transfer = get_object_or_404(Transfer, uuid=uuid)
    try:
        if action == "check":
            do_queue_check(signed_in(request), transfer)
            messages.success(request, _("已开始重新检测。"))
        elif action == "accept":
            form = AcceptForm(request.POST)
            form.is_valid()
            do_queue_accept(signed_in(request), transfer, form.cleaned_data.get("override_reason", ""))
            messages.success(request, _("已开始接收入库。"))
        elif action in ("reject", "return"):
            reason = ReasonForm(request.POST).data.get("reason", "")
            (do_reject if action == "reject" else do_return)(signed_in(request), transfer, reason)
            messages.success(request, _("已拒收。") if action == "reject" else _("已退回整改。"))
        else:
            return HttpResponse(status=404)
    except ValidationError as exc:
        for message in exc.messages:
            messages.error(request, message)
    except PermissionDenied as exc:
        messages.error(request, str(exc))
    return redirect("accession:transfer_detail", uuid=transfer.uuid)


@capability_required(ACCESSION)
def report_detail(request: HttpRequest, uuid: Any) -> HttpResponse:
    report = get_object_or_404(CheckReport.objects.select_related("transfer"), uuid=uuid)
    person = signed_in(request)
    views = item_views(person, report)
    signable = {
        view.item.code for view in views if view.item.result == CheckResult.MANUAL and can_sign(person, view.item)
    }
    context = {
        "report": report,
        "transfer": report.transfer,
        "groups": [(label, [v for v in views if v.item.property == value]) for value, label in Property.choices],
        "withheld": sum(view.hidden for view in views),
        "sign_form": SignForm(),
        "signable": signable,
    }
    return render(request, "accession/report_detail.html", context)


@capability_required(ACCESSION)
def report_pdf(request: HttpRequest, uuid: Any) -> HttpResponse:
    report = get_object_or_404(CheckReport.objects.select_related("transfer__fonds__institution"), uuid=uuid)
    try:
        data = render_report_pdf(report, signed_in(request))
    except FontMissing as exc:
        return HttpResponse(str(exc), status=503, content_type="text/plain; charset=utf-8")
    response = HttpResponse(data, content_type="application/pdf")
    response["Content-Disposition"] = f'attachment; filename="report-{report.uuid}.pdf"'
    return response


@capability_required(ACCESSION)
def report_json(request: HttpRequest, uuid: Any) -> HttpResponse:
    report = get_object_or_404(CheckReport, uuid=uuid)
    data = report_to_dict(report, signed_in(request))
    response = JsonResponse(data, json_dumps_params={"ensure_ascii": False, "indent": 2})
    response["Content-Disposition"] = f'attachment; filename="report-{report.uuid}.json"'
    return response


@require_POST
@capability_required(ACCESSION)
def item_sign(request: HttpRequest, uuid: Any, code: str) -> HttpResponse:
    item = get_object_or_404(
        CheckItem.objects.select_related("report", "report__transfer"), report__uuid=uuid, code=code
    )
    form = SignForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("请选择签署结果。"))
    else:
        try:
            do_sign_item(signed_in(request), item, form.cleaned_data["result"], form.cleaned_data["note"])
            messages.success(request, _("已签署 %(code)s。") % {"code": item.code})
        except ValidationError as exc:
            for message in exc.messages:
                messages.error(request, message)
        except PermissionDenied as exc:
            messages.error(request, str(exc))
    return redirect("accession:report_detail", uuid=item.report.uuid)


@capability_required(ACCESSION)
def acquisition_list(request: HttpRequest) -> HttpResponse:
    filters = AcquisitionFilter.from_params(request.GET)
    page = paginate(request, filters.apply(request.user), 30)
    return render(request, "accession/acquisition_list.html", {"page": page, "filters": filters})


@capability_required(ACCESSION)
def acquisition_new(request: HttpRequest) -> HttpResponse:
    form = AcquisitionForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            do_register_acquisition(signed_in(request), form.cleaned_data)
        except ValidationError as exc:
            form_errors_from(form, exc)
        else:
            messages.success(request, _("已登记征集。"))
            return redirect("accession:acquisition_list")
    return render(request, "accession/acquisition_form.html", {"form": form}, status=400 if form.errors else 200)
