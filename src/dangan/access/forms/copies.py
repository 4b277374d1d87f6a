"""Forms of the copies part: a reader's request, the desk's request for a reader at the counter, and the staff's
decisions (deliver, refuse) with the version they were made from."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from dangan.access.choices import Purpose
from dangan.access.models.copies import CopyFormat, Delivery


class CopyRequestForm(forms.Form):
    pages = forms.CharField(
        label=_("页码"),
        max_length=200,
        required=False,
        help_text=_("例如 1-3,5；留空表示全部页面。"),
    )
    format = forms.ChoiceField(label=_("格式"), choices=CopyFormat.choices, initial=CopyFormat.PDF)
    purpose = forms.ChoiceField(label=_("利用目的"), choices=[("", "—"), *Purpose.choices])
    note = forms.CharField(label=_("说明"), max_length=500, required=False, widget=forms.Textarea(attrs={"rows": 3}))

    def __init__(self, *args: Any, page_total: int = 0, limit: int = 0, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if page_total:
            self.fields["pages"].help_text = _(
                "本件共 %(total)d 页。例如 1-3,5；留空表示全部页面；每次最多 %(limit)d 页。"
            ) % {
                "total": page_total,
                "limit": limit,
            }


class DeskCopyForm(CopyRequestForm):
    """The desk asks for copies for a reader at the counter (walk-in): the reader's account name and the 档号."""

    reader = forms.CharField(label=_("查档人账号"), max_length=150, help_text=_("查档人的登录账号名。"))
    unit = forms.CharField(label=_("档号"), max_length=80)

    field_order = ["reader", "unit", "pages", "format", "purpose", "note"]


class VersionForm(forms.Form):
    version = forms.IntegerField(required=False, widget=forms.HiddenInput, min_value=1)


class DeliverForm(VersionForm):
    delivery = forms.ChoiceField(label=_("交付方式"), choices=Delivery.choices, initial=Delivery.DOWNLOAD)


class RefuseForm(VersionForm):
    reason = forms.CharField(label=_("不予复制的理由"), max_length=500, widget=forms.Textarea(attrs={"rows": 3}))
