"""The audit log's filter form: the fields the page shows (time range, user, action, object). The filtering itself is
``core.filters.AuditEntryFilter``, the list's one filter class, for the page and the export alike.

Filtering never searches the entries' content (object names, before/after): a reader could otherwise probe for the
title of a unit whose content is withheld from them by counting what a search finds.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django import forms
from django.apps import apps
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

_DATE_FORMATS = ["%Y-%m-%dT%H:%M", "%Y-%m-%dT%H:%M:%S", "%Y-%m-%d %H:%M", "%Y-%m-%d %H:%M:%S"]
PARAMETERS = ("user", "action", "object_type", "object_id", "date_from", "date_to")


class MomentField(forms.Field):
    """A date ("2024-05-01") or a date and time ("2024-05-01T08:30"); a date alone is the start of that day, or its
    end when ``end_of_day`` (so that "to 2024-05-01" includes the whole day)."""

    widget = forms.DateTimeInput(attrs={"type": "datetime-local", "step": 1})
    default_error_messages = {"invalid": _("请输入一个有效的日期或日期时间，例如 2024-05-01 或 2024-05-01T08:30。")}

    def __init__(self, *, end_of_day: bool = False, **kwargs: Any) -> None:
        self.end_of_day = end_of_day
        super().__init__(**kwargs)

    def to_python(self, value: Any) -> dt.datetime | None:
        text = str(value or "").strip()
        if not text:
            return None
        tz = timezone.get_current_timezone()
        for pattern in _DATE_FORMATS:
            try:
                return dt.datetime.strptime(text, pattern).replace(tzinfo=tz)
            except ValueError:
                continue
        try:
            day = dt.date.fromisoformat(text)
        except ValueError as exc:
            raise forms.ValidationError(self.error_messages["invalid"], code="invalid") from exc
        return dt.datetime.combine(day, dt.time.max if self.end_of_day else dt.time.min, tzinfo=tz)


def _object_types() -> list[tuple[str, str]]:
    found = [
        (model._meta.label_lower, str(model._meta.verbose_name))
        for model in apps.get_models()
        if model.__module__.startswith("dangan.")
    ]
    return sorted(found, key=lambda item: item[0])


class AuditFilterForm(forms.Form):
    """Filters of the audit log; every field is optional and a bad value is shown, never a 500."""

    user = forms.CharField(label=_("用户"), required=False, max_length=150)
    action = forms.ChoiceField(label=_("操作"), required=False)
    object_type = forms.ChoiceField(label=_("对象类型"), required=False)
    object_id = forms.CharField(label=_("对象标识"), required=False, max_length=64)
    date_from = MomentField(label=_("起始时间"), required=False)
    date_to = MomentField(label=_("截止时间"), required=False, end_of_day=True)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        from dangan.core.audit import audit_actions

        super().__init__(*args, **kwargs)
        actions = sorted(((key, str(label)) for key, label in audit_actions.items()), key=lambda kv: kv[0])
        action_field, type_field = self.fields["action"], self.fields["object_type"]
        assert isinstance(action_field, forms.ChoiceField) and isinstance(type_field, forms.ChoiceField)
        action_field.choices = [("", _("全部操作")), *actions]
        type_field.choices = [("", _("全部对象")), *_object_types()]

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        start, end = data.get("date_from"), data.get("date_to")
        if start and end and start > end:
            self.add_error("date_to", _("截止时间早于起始时间。"))
        return data
