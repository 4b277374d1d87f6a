"""The search page's form (it only labels and renders the fields; ``service.SearchRequest`` parses and checks them), and
the form of the users' dictionary words."""

from __future__ import annotations

from typing import Any, cast

from django import forms
from django.utils.translation import gettext_lazy as _

from dangan.catalog.choices import Openness, RetentionPeriod, SecurityClassification, UnitLevel
from dangan.catalog.models import Fonds, RecordCategory
from dangan.catalog.policy import visible_classifications

from .models import DictionaryTerm

SORTS = [
    ("relevance", _("相关度")),
    ("date", _("日期（早→晚）")),
    ("-date", _("日期（晚→早）")),
    ("reference_code", _("档号")),
]


def _all(choices: Any) -> list[tuple[str, Any]]:
    return [("", _("全部")), *choices]


class SearchForm(forms.Form):
    q = forms.CharField(label=_("检索词"), required=False, max_length=500)
    fonds = forms.ChoiceField(label=_("全宗"), required=False)
    category = forms.ChoiceField(label=_("门类"), required=False)
    retention = forms.ChoiceField(label=_("保管期限"), required=False, choices=_all(RetentionPeriod.choices))
    classification = forms.ChoiceField(label=_("密级"), required=False)
    openness = forms.ChoiceField(label=_("开放状态"), required=False, choices=_all(Openness.choices))
    level = forms.ChoiceField(label=_("层级"), required=False, choices=_all(UnitLevel.choices))
    year_from = forms.IntegerField(label=_("年度自"), required=False)
    year_to = forms.IntegerField(label=_("年度至"), required=False)
    sort = forms.ChoiceField(label=_("排序"), required=False, choices=SORTS)

    FILTERS = ("fonds", "category", "retention", "classification", "openness", "level", "year_from", "year_to")

    def __init__(self, *args: Any, user: Any = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["q"].widget = forms.TextInput(
            attrs={
                "type": "search",
                "autocomplete": "off",
                "placeholder": _("例如：易地扶贫搬迁 题名:遵义 日期:1934-1936"),
            }
        )
        cast(forms.ChoiceField, self.fields["fonds"]).choices = _all(
            (f.code, f"{f.code} {f.name}") for f in Fonds.objects.order_by("code")
        )
        cast(forms.ChoiceField, self.fields["category"]).choices = _all(
            (c.code, str(c)) for c in RecordCategory.objects.order_by("order", "code")
        )
        # Only the 密级 levels the user may see are offered (catalog.policy decides).
        levels = set(visible_classifications(user))
        cast(forms.ChoiceField, self.fields["classification"]).choices = _all(
            (value, label) for value, label in SecurityClassification.choices if value in levels
        )
        for name in ("year_from", "year_to"):
            self.fields[name].widget.attrs.update({"inputmode": "numeric", "placeholder": "1935"})

    def filter_fields(self) -> list[forms.BoundField]:
        return [self[name] for name in self.FILTERS]


class DictionaryTermsForm(forms.Form):
    """Words to add to the users' archival dictionary: several at once, separated by spaces, commas or new lines."""

    terms = forms.CharField(
        label=_("词语"),
        widget=forms.Textarea(attrs={"rows": 3, "placeholder": _("例如：苟坝会议 猴场会议 红三军团")}),
        help_text=_("每个词语 2–50 个汉字，可用空格、逗号、顿号或换行分隔；繁体与全角会自动规范。"),
        max_length=5000,
    )
    kind = forms.ChoiceField(label=_("类别"), choices=DictionaryTerm.Kind.choices, initial=DictionaryTerm.Kind.OTHER)
