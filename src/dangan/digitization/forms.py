"""Workspace forms of digitization batches."""

from __future__ import annotations

from django import forms
from django.conf import settings
from django.utils.translation import gettext_lazy as _

from dangan.catalog.models import Fonds

from .choices import ColourMode, MasterFormat, Verdict


class BatchForm(forms.Form):
    name = forms.CharField(label=_("批次名称"), max_length=200)
    fonds = forms.ModelChoiceField(Fonds.objects.order_by("code"), label=_("全宗"), to_field_name="code")
    dpi = forms.IntegerField(label=_("分辨率（dpi）"), min_value=50, max_value=4800, initial=300)
    colour_mode = forms.ChoiceField(
        label=_("色彩模式"),
        choices=ColourMode.choices,
        initial=ColourMode.COLOUR,
        help_text=_("红头、印章等须彩色扫描"),
    )
    master_format = forms.ChoiceField(label=_("存储格式"), choices=MasterFormat.choices, initial=MasterFormat.TIFF)
    max_skew_degrees = forms.FloatField(label=_("最大倾斜角（度）"), min_value=0, max_value=45, initial=3.0)
    operator = forms.CharField(label=_("扫描人员"), max_length=150, required=False)
    organisation = forms.CharField(
        label=_("扫描单位"), max_length=300, required=False, help_text=_("外包时填写服务单位")
    )
    planned_start = forms.DateField(
        label=_("计划开始日期"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
    planned_end = forms.DateField(
        label=_("计划完成日期"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
    sample_percent = forms.FloatField(label=_("抽检比例（%）"), min_value=0.1, max_value=100)
    accept_percent = forms.FloatField(label=_("验收合格率（%）"), min_value=0.1, max_value=100)
    codes = forms.CharField(
        label=_("档号"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 5}),
        help_text=_("每行一个档号；也可以上传含“档号”列的表格，或先不填、按扫描文件夹导入时自动加入"),
    )
    sheet = forms.FileField(label=_("档号表（.xlsx 或 .csv）"), required=False)
    notes = forms.CharField(label=_("备注"), required=False, widget=forms.Textarea(attrs={"rows": 2}))

    def __init__(self, *args: object, **kwargs: object) -> None:
        super().__init__(*args, **kwargs)  # type: ignore[arg-type]
        self.fields["sample_percent"].initial = settings.DIGITIZATION_SAMPLE_PERCENT
        self.fields["accept_percent"].initial = settings.DIGITIZATION_ACCEPT_PERCENT


class UnitCodesForm(forms.Form):
    codes = forms.CharField(label=_("档号"), widget=forms.Textarea(attrs={"rows": 4}), help_text=_("每行一个档号"))
    version = forms.IntegerField(widget=forms.HiddenInput, required=False)


class UploadForm(forms.Form):
    upload = forms.UUIDField(widget=forms.HiddenInput)


class VerdictForm(forms.Form):
    verdict = forms.ChoiceField(label=_("判定"), choices=[c for c in Verdict.choices if c[0]], widget=forms.RadioSelect)
    note = forms.CharField(label=_("说明"), required=False, max_length=2000)


class AcceptForm(forms.Form):
    version = forms.IntegerField(widget=forms.HiddenInput, required=False)


class ReplaceForm(forms.Form):
    image = forms.FileField(label=_("替换图像"))
