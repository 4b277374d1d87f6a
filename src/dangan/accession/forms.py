"""Workspace forms of accession."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from dangan.accession.choices import CheckResult, TransferKind
from dangan.accession.models import Acquisition
from dangan.catalog.models import Fonds


class TransferForm(forms.Form):
    upload = forms.UUIDField(widget=forms.HiddenInput, required=True)
    fonds = forms.ModelChoiceField(
        Fonds.objects.order_by("code"),
        label=_("全宗"),
        required=False,
        to_field_name="code",
        help_text=_("不选则取信息包 bag-info 的 Fonds-Code 或目录中的全宗号"),
    )
    kind = forms.ChoiceField(choices=TransferKind.choices, label=_("类型"), initial=TransferKind.TRANSFER)
    acquisition = forms.ModelChoiceField(Acquisition.objects.order_by("-created"), label=_("征集登记"), required=False)
    transferring_unit = forms.CharField(label=_("移交单位"), max_length=300, required=False)
    batch = forms.CharField(label=_("移交批次"), max_length=100, required=False)
    declared_items = forms.IntegerField(label=_("声明件数"), min_value=0, required=False)
    declared_bytes = forms.IntegerField(
        label=_("声明字节数"),
        min_value=0,
        required=False,
        help_text=_("选择文件后自动填写：压缩包中内容文件的总字节数；移交清单另有数字时可改为清单上的数字"),
    )


class ReasonForm(forms.Form):
    reason = forms.CharField(label=_("理由"), widget=forms.Textarea(attrs={"rows": 3}), max_length=5000)


class AcceptForm(forms.Form):
    override_reason = forms.CharField(
        label=_("未查毒接收理由"),
        widget=forms.Textarea(attrs={"rows": 2}),
        required=False,
        help_text=_("病毒扫描未进行时必填，记入审计日志"),
    )


class SignForm(forms.Form):
    result = forms.ChoiceField(
        label=_("结果"),
        choices=[(CheckResult.PASS, _("通过")), (CheckResult.FAIL, _("不通过"))],
        widget=forms.RadioSelect,
    )
    note = forms.CharField(label=_("说明"), required=False, widget=forms.Textarea(attrs={"rows": 2}), max_length=2000)


class AcquisitionForm(forms.ModelForm):
    class Meta:
        model = Acquisition
        fields = [
            "fonds",
            "source",
            "source_kind",
            "contact",
            "agreement",
            "agreement_date",
            "received_date",
            "description",
            "quantity",
            "condition",
            "notes",
        ]
        widgets = {
            "agreement_date": forms.DateInput(attrs={"type": "date"}),
            "received_date": forms.DateInput(attrs={"type": "date"}),
            "description": forms.Textarea(attrs={"rows": 3}),
            "condition": forms.Textarea(attrs={"rows": 2}),
            "notes": forms.Textarea(attrs={"rows": 2}),
        }
