"""The forms of the preservation pages: starting a fixity audit, and the note that goes with files uploaded to a
unit (the files themselves are received by ``preservation.uploads``)."""

from __future__ import annotations

from typing import Any

from django import forms
from django.conf import settings
from django.utils.translation import gettext_lazy as _

from dangan.preservation.choices import AuditKind


class AuditStartForm(forms.Form):
    kind = forms.ChoiceField(label=_("检查范围"), choices=AuditKind.choices, initial=AuditKind.SAMPLE)
    sample_percent = forms.FloatField(
        label=_("抽样比例（%）"), min_value=0.01, max_value=100, required=False, help_text=_("抽样检查时必填。")
    )
    all_digests = forms.BooleanField(
        label=_("同时核验 SHA-256 与 SM3"), required=False, help_text=_("较慢；默认只核验清单的 SHA-512。")
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["sample_percent"].initial = settings.AUDIT_SAMPLE_PERCENT

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if data.get("kind") == AuditKind.SAMPLE and not data.get("sample_percent"):
            self.add_error("sample_percent", _("抽样检查须填写抽样比例。"))
        return data

    @property
    def percent(self) -> float | None:
        return self.cleaned_data["sample_percent"] if self.cleaned_data["kind"] == AuditKind.SAMPLE else None


class UploadNoteForm(forms.Form):
    """The fields sent with the files of an upload to a unit's package; the files are ``request.FILES["files"]``."""

    message = forms.CharField(
        label=_("说明"),
        required=False,
        max_length=500,
        help_text=_("写入版本记录，例如：补充扫描件、更换清晰版本。"),
        widget=forms.TextInput(attrs={"placeholder": _("例如：补充扫描件")}),
    )
