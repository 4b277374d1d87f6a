"""Staff forms of the utilization register."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from dangan.access.actions.register import MAX_PAGES, NOTE_LENGTH
from dangan.access.choices import Channel, Purpose, UseKind


class UseRecordForm(forms.Form):
    """An entry added by hand: a telephone inquiry, a letter answered, a consultation not recorded otherwise."""

    kind = forms.ChoiceField(label=_("利用方式"), choices=UseKind.choices, initial=UseKind.VIEW)
    channel = forms.ChoiceField(
        label=_("渠道"),
        choices=Channel.choices,
        initial=Channel.ONLINE,
        help_text=_("到馆利用选“阅览室”；电话、信函、网上的咨询选“网上”"),
    )
    purpose = forms.ChoiceField(label=_("利用目的"), choices=[("", "—"), *Purpose.choices], required=False)
    at = forms.DateTimeField(
        label=_("利用时间"),
        required=False,
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M"),
        input_formats=["%Y-%m-%dT%H:%M", "%Y-%m-%d %H:%M", "%Y-%m-%d"],
        help_text=_("不填为现在"),
    )
    unit = forms.CharField(label=_("档号"), max_length=80, required=False, help_text=_("查阅、复制须填写；咨询可不填"))
    reader = forms.CharField(
        label=_("查档人账号"), max_length=150, required=False, help_text=_("查档人的登录名；不知道可不填")
    )
    pages = forms.IntegerField(label=_("复制页数"), min_value=0, max_value=MAX_PAGES, initial=0, required=False)
    note = forms.CharField(
        label=_("备注"),
        max_length=NOTE_LENGTH,
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("如：电话咨询，答复查询结果"),
    )

    def values(self) -> dict[str, Any]:
        """The cleaned values as do_add_use_record takes them."""
        data = self.cleaned_data
        return {
            "kind": data["kind"],
            "channel": data["channel"],
            "purpose": data.get("purpose") or "",
            "at": data.get("at") or timezone.now(),
            "unit": data.get("unit") or "",
            "reader": data.get("reader") or "",
            "pages": data.get("pages") or 0,
            "note": data.get("note") or "",
        }
