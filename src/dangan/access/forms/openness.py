"""Forms of the openness review's pages: a new round, a decision (初审), a send-back (复审 退回) and a watched word."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from dangan.access.models.openness import ControlReason, Verdict
from dangan.catalog.models import Fonds, RecordCategory


class ReviewForm(forms.Form):
    year = forms.IntegerField(
        label=_("审核年度"),
        min_value=1950,
        max_value=3000,
        help_text=_("列出形成满 25 年（年度 ≤ 审核年度 − 25）且尚未开放的档案"),
    )
    fonds = forms.ModelChoiceField(label=_("全宗"), queryset=Fonds.objects.order_by("code"), to_field_name="code")
    category = forms.ModelChoiceField(
        label=_("门类"),
        queryset=RecordCategory.objects.order_by("code"),
        to_field_name="code",
        required=False,
        empty_label=_("全部门类"),
    )
    year_from = forms.IntegerField(label=_("起始年度"), required=False, min_value=1000, max_value=3000)
    year_to = forms.IntegerField(label=_("截止年度"), required=False, min_value=1000, max_value=3000)
    title = forms.CharField(label=_("名称"), required=False, max_length=200, help_text=_("不填则自动生成"))

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["year"].initial = timezone.localdate().year


class DecisionForm(forms.Form):
    """A first-review decision for the units picked (``unit`` checkboxes) or every unit of the filter. It shares its
    page's form with the second review's buttons: no ``required`` attribute, or the browser would stop those."""

    use_required_attribute = False

    verdict = forms.ChoiceField(label=_("审核意见"), choices=Verdict.choices, widget=forms.RadioSelect)
    reason = forms.ChoiceField(
        label=_("控制理由"), choices=[("", _("（控制时必选）")), *ControlReason.choices], required=False
    )
    note = forms.CharField(label=_("说明"), required=False, max_length=1000, widget=forms.Textarea(attrs={"rows": 2}))
    next_review_year = forms.IntegerField(
        label=_("下次审核年度"), required=False, min_value=1950, max_value=3100, help_text=_("延期时必填")
    )


class ReturnForm(forms.Form):
    use_required_attribute = False  # shares its form with the first review's and the confirmation's buttons
    note = forms.CharField(label=_("退回意见"), max_length=1000, widget=forms.Textarea(attrs={"rows": 2}))


class TermForm(forms.Form):
    term = forms.CharField(label=_("词语"), max_length=50)
    note = forms.CharField(label=_("说明"), max_length=200, required=False)
