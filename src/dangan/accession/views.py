"""Workspace pages of accession: the transfer register, a transfer with its status steps and actions, the upload of
a package (resumable, through the API's upload endpoints), the check report (page, PDF, JSON) with the manual items
to sign, and the register of collected material."""

from __future__ import annotations

import json
from typing import Any

from django.conf import settings
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.db import transaction
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from dangan.core.roles import Capability
from dangan.utilities.views import capability_required, form_errors_from, is_htmx, paginate

from .actions.accepting import do_reject, do_return
from .actions.checking import do_sign_item, report_to_dict
from .actions.receiving import do_register_acquisition
from .actions.uploads import do_receive_upload
from .choices import CheckResult, TransferStatus
from .forms import AcceptForm, AcquisitionForm, ReasonForm, SignForm, TransferForm
from .models import Acquisition, CheckItem, CheckReport, Transfer, Upload
from .report_pdf import FontMissing, render_report_pdf

ACCESSION = Capability.ACCESSION
STEPS = [TransferStatus.RECEIVED, TransferStatus.CHECKING, TransferStatus.ACCEPTING, TransferStatus.ACCEPTED]
UPLOAD_CHUNK = 8 * 1024 * 1024  # bytes per PUT from the upload page; settings.ACCESSION_UPLOAD_CHUNK overrides it


@capability_required(ACCESSION)
def transfer_list(request: HttpRequest) -> HttpResponse:
    status = request.GET.get("status", "")
    transfers = Transfer.objects.select_related("fonds").order_by("-created")
    if status in TransferStatus.values:
        transfers = transfers.filter(status=status)
    context = {"page": paginate(request, transfers, 30), "status": status, "statuses": TransferStatus.choices}
    return render(request, "accession/transfer_list.html", context)


@capability_required(ACCESSION)
def transfer_new(request: HttpRequest) -> HttpResponse:
    """The upload page: the file goes in chunks to /api/accession/uploads; the form then registers it."""
    form = TransferForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        upload = Upload.objects.filter(uuid=data["upload"], user=request.user).first()
        if upload is None:
            form.add_error(None, _("找不到上传的文件，请重新上传。"))
        else:
            try:
                transfer = do_receive_upload(
                    request.user,
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
                queue_check(request.user, transfer)
                messages.success(request, _("已登记，正在进行四性检测。"))
                return redirect("accession:transfer_detail", uuid=transfer.uuid)
    context = {"form": form, "chunk_size": getattr(settings, "ACCESSION_UPLOAD_CHUNK", UPLOAD_CHUNK)}
    return render(request, "accession/transfer_new.html", context, status=400 if form.errors else 200)


def queue_check(user: Any, transfer: Transfer) -> None:
    from .tasks import check_transfer_task

    transfer_id, user_id = transfer.pk, getattr(user, "pk", None)
    transaction.on_commit(lambda: check_transfer_task.enqueue(transfer_id, user_id))


def _detail_context(request: HttpRequest, transfer: Transfer) -> dict[str, Any]:
    report = transfer.latest_report()
    items = list(report.items.all()) if report else []
    virus = next((i for i in items if i.code == "YJ-4-2"), None)
    unsigned = [i for i in items if i.result == CheckResult.MANUAL and not i.signed_result]
    reached = {step.status for step in transfer.steps.all()}
    return {
        "transfer": transfer,
        "report": report,
        "items": items,
        "steps": transfer.steps.select_related("user").all(),
        "path": [(s, s.label, s in reached or s == transfer.status) for s in STEPS],
        "running": _running(transfer, report),
        "accept_form": AcceptForm(),
        "reason_form": ReasonForm(),
        "needs_override": virus is not None and virus.result == CheckResult.NOT_PERFORMED,
        "unsigned": unsigned,
        "can_accept": transfer.status == TransferStatus.CHECKING
        and report is not None
        and report.verdict == "pass"
        and not unsigned,
        "can_close": transfer.is_open,
    }


def _running(transfer: Transfer, report: CheckReport | None) -> bool:
    if transfer.status == TransferStatus.ACCEPTING:
        return True
    if transfer.status not in (TransferStatus.RECEIVED, TransferStatus.CHECKING):
        return False
    return report is None or (transfer.progress_total and transfer.progress_done < transfer.progress_total)


@capability_required(ACCESSION)
def transfer_detail(request: HttpRequest, uuid: Any) -> HttpResponse:
    transfer = get_object_or_404(Transfer.objects.select_related("fonds", "acquisition", "import_batch"), uuid=uuid)
    return render(request, "accession/transfer_detail.html", _detail_context(request, transfer))


@capability_required(ACCESSION)
def transfer_progress(request: HttpRequest, uuid: Any) -> HttpResponse:
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
    from .tasks import accept_transfer_task

    transfer = get_object_or_404(Transfer, uuid=uuid)
    try:
        if action == "check":
            if not transfer.is_open:
                raise ValidationError(_("该移交已结束，不能再检测。"))
            # conventions: allow state-change — progress reset before queueing; moves into accession's actions with
            # the queueing rework (issue #13 §4)
            Transfer.objects.filter(pk=transfer.pk).update(progress_done=0, progress_total=1)
            queue_check(request.user, transfer)
            messages.success(request, _("已开始重新检测。"))
        elif action == "accept":
            form = AcceptForm(request.POST)
            form.is_valid()
            from .actions.accepting import check_accept

            reason = form.cleaned_data.get("override_reason", "")
            check_accept(request.user, transfer, reason)
            transfer_id, user_id = transfer.pk, request.user.pk
            transaction.on_commit(lambda: accept_transfer_task.enqueue(transfer_id, user_id, reason))
            messages.success(request, _("已开始接收入库。"))
        elif action in ("reject", "return"):
            form = ReasonForm(request.POST)
            reason = form.data.get("reason", "")
            (do_reject if action == "reject" else do_return)(request.user, transfer, reason)
            messages.success(request, _("已拒收。") if action == "reject" else _("已退回整改。"))
        else:
            return HttpResponse(status=404)
    except ValidationError as exc:
        for message in exc.messages:
            messages.error(request, message)
    return redirect("accession:transfer_detail", uuid=transfer.uuid)


@capability_required(ACCESSION)
def report_detail(request: HttpRequest, uuid: Any) -> HttpResponse:
    report = get_object_or_404(CheckReport.objects.select_related("transfer"), uuid=uuid)
    items = list(report.items.select_related("signed_by"))
    context = {
        "report": report,
        "transfer": report.transfer,
        "items": items,
        "groups": [(label, [i for i in items if i.property == value]) for value, label in _properties()],
        "sign_form": SignForm(),
        "can_sign": report.transfer is not None and report.transfer.is_open,
    }
    return render(request, "accession/report_detail.html", context)


def _properties() -> list[tuple[str, str]]:
    from .choices import Property

    return list(Property.choices)


@capability_required(ACCESSION)
def report_pdf(request: HttpRequest, uuid: Any) -> HttpResponse:
    report = get_object_or_404(CheckReport, uuid=uuid)
    try:
        data = render_report_pdf(report)
    except FontMissing as exc:
        return HttpResponse(str(exc), status=503, content_type="text/plain; charset=utf-8")
    response = HttpResponse(data, content_type="application/pdf")
    response["Content-Disposition"] = f'attachment; filename="report-{report.uuid}.pdf"'
    return response


@capability_required(ACCESSION)
def report_json(request: HttpRequest, uuid: Any) -> HttpResponse:
    report = get_object_or_404(CheckReport, uuid=uuid)
    response = JsonResponse(report_to_dict(report), json_dumps_params={"ensure_ascii": False, "indent": 2})
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
            do_sign_item(request.user, item, form.cleaned_data["result"], form.cleaned_data["note"])
            messages.success(request, _("已签署 %(code)s。") % {"code": item.code})
        except ValidationError as exc:
            for message in exc.messages:
                messages.error(request, message)
    return redirect("accession:report_detail", uuid=item.report.uuid)


@capability_required(ACCESSION)
def acquisition_list(request: HttpRequest) -> HttpResponse:
    page = paginate(request, Acquisition.objects.select_related("fonds").order_by("-created"), 30)
    return render(request, "accession/acquisition_list.html", {"page": page})


@capability_required(ACCESSION)
def acquisition_new(request: HttpRequest) -> HttpResponse:
    form = AcquisitionForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            do_register_acquisition(request.user, form.cleaned_data)
        except ValidationError as exc:
            form_errors_from(form, exc)
        else:
            messages.success(request, _("已登记征集。"))
            return redirect("accession:acquisition_list")
    return render(request, "accession/acquisition_form.html", {"form": form}, status=400 if form.errors else 200)


def evidence_json(item: CheckItem) -> str:
    return json.dumps(item.evidence, ensure_ascii=False)
