"""Forms of the portal part: the public search box (query and order; the filters are the facets' links) and the
consulting information that the reading room staff edit."""

from __future__ import annotations

from typing import Any, cast

from django import forms
from django.db import models
from django.utils.translation import gettext_lazy as _

from dangan.access.models import ConsultingInfo
from dangan.access.models.portal import PUBLIC_FIELDS
from dangan.search.forms import SORTS


class PortalSearchForm(forms.Form):
    q = forms.CharField(label=_("检索词"), required=False, max_length=500)
    sort = forms.ChoiceField(label=_("排序"), required=False, choices=SORTS)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["q"].widget = forms.TextInput(
            attrs={"type": "search", "autocomplete": "off", "placeholder": _("题名、责任者、文号、档号、全文…")}
        )


class ConsultingInfoForm(forms.Form):
    """The consulting information, with the version it was filled in from (a stale form is refused, not saved)."""

    version = forms.IntegerField(widget=forms.HiddenInput, min_value=0)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        for name in PUBLIC_FIELDS:
            field = cast(models.Field[Any, Any], ConsultingInfo._meta.get_field(name))
            widget = forms.Textarea(attrs={"rows": 3}) if field.get_internal_type() == "TextField" else None
            self.fields[name] = forms.CharField(
                label=field.verbose_name,
                required=False,
                help_text=field.help_text,
                max_length=field.max_length,
                widget=widget,
            )

    @classmethod
    def for_info(cls, info: ConsultingInfo, data: Any = None) -> ConsultingInfoForm:
        initial = {name: getattr(info, name) for name in PUBLIC_FIELDS}
        initial["version"] = info.version
        return cls(data, initial=initial)

    def changes(self) -> dict[str, str]:
        return {name: self.cleaned_data.get(name) or "" for name in PUBLIC_FIELDS}
