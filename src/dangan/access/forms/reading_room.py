"""Forms of the reading room part: a reader's booking, the desk's walk-in check-in and retrieval list, and the
configuration of rooms, seats and time slots."""

from __future__ import annotations

import datetime
from typing import Any

from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from dangan.access.actions.reading_room import check_weekdays
from dangan.access.choices import Purpose
from dangan.access.models import ReadingRoom, Seat, TimeSlot
from dangan.access.models.reading_room import SeatKind


class BookingForm(forms.Form):
    date = forms.TypedChoiceField(label=_("日期"), coerce=datetime.date.fromisoformat)
    slot = forms.ModelChoiceField(label=_("时段"), queryset=TimeSlot.objects.filter(active=True), empty_label=None)
    kind = forms.ChoiceField(label=_("座位类型"), choices=[("", _("不限")), *SeatKind.choices], required=False)
    purpose = forms.ChoiceField(label=_("利用目的"), choices=Purpose.choices)
    note = forms.CharField(label=_("备注"), max_length=300, required=False)
    # The access request (查档申请) the visit serves, when the reader came from it (``?request=<uuid>``).
    request_uuid = forms.UUIDField(required=False, widget=forms.HiddenInput)

    def __init__(self, *args: Any, dates: list[datetime.date], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        date_field = self.fields["date"]
        assert isinstance(date_field, forms.TypedChoiceField)
        date_field.choices = [(d.isoformat(), f"{d:%Y-%m-%d}") for d in dates]


class WalkInForm(forms.Form):
    reader = forms.CharField(
        label=_("查档人"), max_length=150, help_text=_("查档人的账号名，或其真实姓名（仅当姓名唯一时）。")
    )
    purpose = forms.ChoiceField(label=_("利用目的"), choices=[("", "—"), *Purpose.choices], required=False)
    note = forms.CharField(label=_("备注"), max_length=300, required=False)


class RetrievalAddForm(forms.Form):
    reader = forms.CharField(label=_("查档人"), max_length=150, help_text=_("查档人的账号名，或其真实姓名。"))
    codes = forms.CharField(
        label=_("档号"), widget=forms.Textarea(attrs={"rows": 3}), help_text=_("每行一个档号。"), max_length=20000
    )
    date = forms.DateField(label=_("调卷日期"), widget=forms.DateInput(attrs={"type": "date"}))
    note = forms.CharField(label=_("备注"), max_length=300, required=False)


class RoomForm(forms.ModelForm[ReadingRoom]):
    class Meta:
        model = ReadingRoom
        fields = ["name", "location", "hours", "active"]


class SeatForm(forms.ModelForm[Seat]):
    class Meta:
        model = Seat
        fields = ["room", "label", "kind", "active"]


class SeatsForm(forms.Form):
    """Several seats at once: A01, A02 …"""

    room = forms.ModelChoiceField(label=_("阅览室"), queryset=ReadingRoom.objects.all(), empty_label=None)
    seat_prefix = forms.CharField(label=_("座位号前缀"), max_length=10, required=False)
    count = forms.IntegerField(label=_("数量"), min_value=1, max_value=200, initial=10)
    kind = forms.ChoiceField(label=_("座位类型"), choices=SeatKind.choices)


class SlotForm(forms.ModelForm[TimeSlot]):
    weekdays = forms.CharField(
        label=_("适用星期"), max_length=20, help_text=_("1–7 表示星期一至星期日，如 12345 为工作日。")
    )

    def clean_weekdays(self) -> str:
        try:
            return check_weekdays(self.cleaned_data["weekdays"])
        except ValidationError as exc:
            raise ValidationError(exc.message_dict["weekdays"]) from None

    class Meta:
        model = TimeSlot
        fields = ["name", "start", "end", "weekdays", "active"]
        widgets = {
            "start": forms.TimeInput(attrs={"type": "time"}, format="%H:%M"),
            "end": forms.TimeInput(attrs={"type": "time"}, format="%H:%M"),
        }
