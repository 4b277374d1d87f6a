"""Forms of access requests: the reader's request, answer and withdrawal; the reviewer's decisions."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from dangan.access.choices import Purpose

TEXT_LIMIT = 2000


class RequestForm(forms.Form):
    """A reader's request. The units come from the page (``unit`` checkboxes, one per unit named in the address)
    and from ``codes`` (档号, one per line)."""

    purpose = forms.ChoiceField(label=_("利用目的"), choices=[("", "—"), *Purpose.choices])
    purpose_detail = forms.CharField(
        label=_("利用目的说明"),
        max_length=500,
        required=False,
        help_text=_("例如：编写县志第三卷；办理工龄认定。"),
    )
    codes = forms.CharField(
        label=_("其他档号"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("每行一个档号（检索结果中可见的档案）。"),
    )
    description = forms.CharField(
        label=_("所需档案描述"),
        max_length=TEXT_LIMIT,
        required=False,
        widget=forms.Textarea(attrs={"rows": 5}),
        help_text=_("查不到所需档案时，请写明人名、单位、事由、年代等，工作人员审核时为您查找。"),
    )


class VersionForm(forms.Form):
    version = forms.IntegerField(widget=forms.HiddenInput, required=False)


class AnswerForm(VersionForm):
    text = forms.CharField(label=_("补充说明"), max_length=TEXT_LIMIT, widget=forms.Textarea(attrs={"rows": 4}))


class AddUnitsForm(VersionForm):
    codes = forms.CharField(
        label=_("档号"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("每行一个档号：只能添加公开级档案。"),
    )


class ApproveForm(VersionForm):
    """Approve the units ticked on the page (``unit`` checkboxes), with conditions or without."""

    reading_room_only = forms.BooleanField(label=_("仅限在阅览室查阅"), required=False)
    no_copies = forms.BooleanField(label=_("不得复制"), required=False)
    expires_on = forms.DateField(
        label=_("授权到期日期"),
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}),
        help_text=_("不填则按默认期限。"),
    )
    conditions = forms.CharField(
        label=_("批准条件或说明"), max_length=TEXT_LIMIT, required=False, widget=forms.Textarea(attrs={"rows": 2})
    )


class RefuseForm(VersionForm):
    reason = forms.CharField(label=_("不予批准的理由"), max_length=TEXT_LIMIT, widget=forms.Textarea(attrs={"rows": 3}))


class AskForm(VersionForm):
    question = forms.CharField(
        label=_("需要查档人补充的内容"), max_length=TEXT_LIMIT, widget=forms.Textarea(attrs={"rows": 3})
    )


class RevokeForm(forms.Form):
    reason = forms.CharField(label=_("撤销原因"), max_length=500)
