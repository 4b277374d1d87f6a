"""Forms of the catalog pages. They only parse and label input; the actions validate and write."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any, cast

from django import forms
from django.conf import settings
from django.forms.models import fields_for_model
from django.utils.translation import gettext_lazy as _

from dangan.utilities.registry import StrOrPromise

from .actions.units import EDITABLE_FIELDS
from .choices import AuthorityKind, AuthorityRole, Openness, RetentionPeriod, SecurityClassification, UnitLevel
from .dates import PartialDate, parse_partial_date
from .models import ArchivalUnit, Authority, Fonds, RecordCategory
from .models.fonds import fonds_code_validator
from .tabular_limits import megabytes, too_large_message

IMPORT_SUFFIXES = (".xlsx", ".csv")
_SEPARATORS = re.compile(r"[、,，;；\s]+")


def dash_blank_choices(form: forms.Form) -> None:
    """Show an empty choice as "—" rather than Django's "---------"."""
    for field in form.fields.values():
        if isinstance(field, forms.ModelChoiceField):
            if field.empty_label is not None:
                field.empty_label = "—"
        elif isinstance(field, forms.ChoiceField):
            choices: list[tuple[Any, Any]] = list(field.choices)  # type: ignore[arg-type]
            field.choices = [("", "—") if value == "" else (value, label) for value, label in choices]


def split_terms(value: str) -> list[str]:
    """主题词 typed as one line, separated by 、 , ； or spaces."""
    return [t for t in _SEPARATORS.split(value or "") if t]


class PartialDateField(forms.Field):
    """A date typed as archivists write it, at the precision known (1935年1月, 1935, 民国二十四年): a PartialDate."""

    widget = forms.TextInput

    def __init__(self, **kwargs: Any) -> None:
        kwargs.setdefault("help_text", _("可只写年或年月，例如 1935-01-15、1935年1月、1935、民国二十四年。"))
        super().__init__(**kwargs)
        self.widget.attrs.update({"placeholder": "1935-01-15", "autocomplete": "off", "maxlength": "40"})

    def prepare_value(self, value: Any) -> Any:
        return value.input_text if isinstance(value, PartialDate) else value

    def to_python(self, value: Any) -> PartialDate | None:
        text = str(value or "").strip()[:40]
        return parse_partial_date(text) if text else None


class FondsForm(forms.ModelForm):
    class Meta:
        model = Fonds
        fields = ["code", "name", "creator", "start_year", "end_year", "arrangement", "history"]
        widgets = {"history": forms.Textarea(attrs={"rows": 3})}

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["code"].validators.append(fonds_code_validator)  # the model's own rule, checked early

    def _post_clean(self) -> None:
        # Model validation (uniqueness, code format) is the action's job: its messages are shown instead.
        pass


class FondsEditForm(FondsForm):
    """Edits a fonds' description; the 全宗号 is locked (shown, not editable) once the fonds holds units."""

    class Meta(FondsForm.Meta):
        fields = ["code", "name", "creator", "start_year", "end_year", "arrangement", "history", "scheme_notes"]
        widgets = {"history": forms.Textarea(attrs={"rows": 4}), "scheme_notes": forms.Textarea(attrs={"rows": 3})}

    def __init__(self, *args: Any, code_locked: bool = False, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        for name in ("start_year", "end_year"):
            self.fields[name].widget.attrs.update({"min": 1000, "max": 2100})
        if code_locked:
            self.fields["code"].disabled = True
            self.fields["code"].help_text = _("本全宗已有档案，全宗号是每件档案档号的一部分，不能修改。")
        else:
            self.fields["code"].help_text = _("尚无档案时可以更正全宗号；著录或导入档案后不能再改。")

    def changes(self) -> dict[str, Any]:
        """The submitted values as do_update_fonds takes them (a locked code is left out)."""
        data = {name: self.cleaned_data.get(name) for name in self.Meta.fields}
        if self.fields["code"].disabled:
            data.pop("code")
        for name in ("creator", "history", "scheme_notes"):
            data[name] = data[name] or ""
        return data


class UnitForm(forms.Form):
    """All the editable DA/T 22 fields of a unit, labelled from the model, in two groups."""

    FIELDSETS = (
        (_("分类与档号"), ("level", "category", "year", "retention", "organization", "item_number", "reference_code")),
        (
            _("著录"),
            (
                "title",
                "document_number",
                "responsible",
                "date",
                "page_count",
                "classification",
                "openness",
                "subjects",
                "extent",
                "physical_location",
                "remarks",
                "notes",
            ),
        ),
    )

    subjects = forms.CharField(
        label=_("主题词"), required=False, help_text=_("多个主题词用顿号、逗号或空格分隔。"), max_length=2000
    )
    # The unit's version when the form was filled in: a save from an older one is refused, not merged blindly.
    version = forms.IntegerField(required=False, min_value=1, widget=forms.HiddenInput)

    def __init__(self, *args: Any, classifications: list[str] | None = None, **kwargs: Any) -> None:
        """``classifications``: the 密级 levels to offer (those the user may see, from catalog.policy)."""
        super().__init__(*args, **kwargs)
        model_fields = fields_for_model(
            ArchivalUnit,
            fields=EDITABLE_FIELDS,
            widgets={
                "title": forms.Textarea(attrs={"rows": 2}),
                "remarks": forms.Textarea(attrs={"rows": 2}),
                "notes": forms.Textarea(attrs={"rows": 2}),
            },
        )
        subjects = self.fields.pop("subjects")
        version = self.fields.pop("version")
        # The date is typed at the precision it is known (1935年1月), which gives date_precision: no day invented.
        del model_fields["date_precision"]
        model_fields["date"] = PartialDateField(label=model_fields["date"].label, required=False)
        self.fields.update(model_fields)
        self.fields["subjects"] = subjects
        self.fields["version"] = version
        cast(forms.ModelChoiceField, self.fields["category"]).queryset = RecordCategory.objects.order_by(
            "order", "code"
        )
        self.fields["reference_code"].help_text = _("留空时，分类齐全的“件”按档号规则自动编号。")
        self.fields["item_number"].help_text = _("留空则取本分类下一个件号。")
        self.fields["organization"].help_text = _("机构或问题代码，例如 BGS。")
        self.fields["year"].widget.attrs.update({"min": 1000, "max": 2100})
        if classifications is not None:
            field = cast(forms.ChoiceField, self.fields["classification"])
            offered: list[tuple[Any, Any]] = list(field.choices)  # type: ignore[arg-type]
            field.choices = [(value, label) for value, label in offered if value in classifications]
        dash_blank_choices(self)

    def fieldsets(self) -> list[tuple[StrOrPromise, list[forms.BoundField]]]:
        return [(legend, [self[name] for name in names]) for legend, names in self.FIELDSETS]

    def unit_data(self) -> dict[str, Any]:
        """The cleaned values as the unit actions take them."""
        data = {name: self.cleaned_data[name] for name in EDITABLE_FIELDS if name != "date_precision"}
        partial = data.pop("date")
        data["date"], data["date_precision"] = (partial.date, partial.precision) if partial else (None, "")
        before = self.initial.get("date")
        if partial and isinstance(before, PartialDate) and not before.precision and before.date == partial.date:
            data["date_precision"] = ""  # an older unit's full date with no precision recorded: unchanged
        return data

    def subject_terms(self) -> list[str]:
        return split_terms(self.cleaned_data.get("subjects", ""))

    @classmethod
    def initial_for(cls, unit: ArchivalUnit) -> dict[str, Any]:
        initial = {name: getattr(unit, name) for name in EDITABLE_FIELDS if name != "date_precision"}
        initial["date"] = PartialDate(unit.date, unit.date_precision) if unit.date else None
        initial["category"] = unit.category_id
        initial["subjects"] = "、".join(unit.subjects.values_list("term", flat=True))
        initial["version"] = unit.version
        return initial

    def differences(self, unit: ArchivalUnit) -> list[tuple[str, str]]:
        """(label, value now saved) of each field where ``unit`` as saved differs from what was typed: shown when
        a save is refused because someone else saved first, so the person sees what to reconcile."""
        saved = self.initial_for(unit)
        out: list[tuple[str, str]] = []
        for name in (*EDITABLE_FIELDS, "subjects"):
            typed = self.cleaned_data.get(name)
            now = saved.get(name)
            if name == "category":
                typed = typed.pk if typed is not None else None
            if name == "subjects":
                typed = "、".join(split_terms(typed or ""))
            if (typed if typed not in ("", None) else None) == (now if now not in ("", None) else None):
                continue
            shown: Any = now
            if name == "category":
                shown = unit.category
            elif name in ("level", "retention", "classification", "openness", "date_precision") and now:
                shown = getattr(unit, f"get_{name}_display")()
            out.append((str(self.fields[name].label), "—" if shown in ("", None) else str(shown)))
        return out


class MoveForm(forms.Form):
    target = forms.CharField(
        label=_("新的上级档案"),
        required=False,
        max_length=80,
        help_text=_("填写上级档案的档号或标识符（UUID）；留空表示移到全宗的顶层。"),
    )
    version = forms.IntegerField(required=False, min_value=1, widget=forms.HiddenInput)


class DisposalRequestForm(forms.Form):
    reason = forms.CharField(
        label=_("处置理由（鉴定意见）"),
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text=_("例如：保管期限已满，经鉴定小组鉴定无继续保存价值。须由另一人审批后才会处置。"),
        error_messages={"required": _("请填写处置理由（鉴定意见）。")},
    )
    version = forms.IntegerField(required=False, min_value=1, widget=forms.HiddenInput)


class DisposalDecisionForm(forms.Form):
    note = forms.CharField(
        label=_("审批意见"),
        required=False,
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("驳回时必填。"),
    )


class RenumberForm(forms.Form):
    category = forms.ModelChoiceField(
        label=_("门类"), queryset=RecordCategory.objects.order_by("order", "code"), required=False
    )
    year = forms.IntegerField(label=_("年度"), required=False, min_value=1000, max_value=2100)
    retention = forms.ChoiceField(label=_("保管期限"), choices=[("", "—"), *RetentionPeriod.choices], required=False)
    organization = forms.CharField(label=_("机构(问题)"), required=False, max_length=32)
    first = forms.IntegerField(label=_("起始件号"), min_value=1)
    last = forms.IntegerField(label=_("终止件号"), min_value=1)
    start = forms.IntegerField(label=_("新起始件号"), min_value=1)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        dash_blank_choices(self)


def _with_blank(choices: Any, label: Any) -> list[tuple[str, Any]]:
    return [("", label), *choices]


class UnitFilterForm(forms.Form):
    """Renders the filter bar; parsing and checking the values is ``catalog.filters.UnitFilter``'s job."""

    q = forms.CharField(label=_("关键词"), required=False, help_text=_("题名、档号、责任者或文号"))
    level = forms.ChoiceField(label=_("层级"), required=False, choices=_with_blank(UnitLevel.choices, _("全部")))
    category = forms.ChoiceField(label=_("门类"), required=False)
    year_from = forms.IntegerField(label=_("年度自"), required=False)
    year_to = forms.IntegerField(label=_("年度至"), required=False)
    retention = forms.ChoiceField(
        label=_("保管期限"), required=False, choices=_with_blank(RetentionPeriod.choices, _("全部"))
    )
    classification = forms.ChoiceField(
        label=_("密级"), required=False, choices=_with_blank(SecurityClassification.choices, _("全部"))
    )
    openness = forms.ChoiceField(label=_("开放状态"), required=False, choices=_with_blank(Openness.choices, _("全部")))
    ordering = forms.ChoiceField(
        label=_("排序"),
        required=False,
        choices=[
            ("reference_code", _("档号")),
            ("position", _("排列顺序")),
            ("date", _("日期（早→晚）")),
            ("-date", _("日期（晚→早）")),
            ("title", _("题名")),
        ],
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        cast(forms.ChoiceField, self.fields["category"]).choices = [
            ("", _("全部")),
            *((c.code, str(c)) for c in RecordCategory.objects.order_by("order", "code")),
        ]
        for name in ("year_from", "year_to"):
            self.fields[name].widget.attrs.update({"inputmode": "numeric", "placeholder": "2011"})


class AuthorityForm(forms.Form):
    kind = forms.ChoiceField(label=_("类型"), choices=AuthorityKind.choices)
    name = forms.CharField(label=_("规范名称"), max_length=300)
    variant_names = forms.CharField(
        label=_("其他名称"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("曾用名、简称、别名等，每行一个。"),
    )
    dates = forms.CharField(label=_("生卒/存续/发生时间"), required=False, max_length=100)
    identifier = forms.CharField(label=_("外部标识"), required=False, max_length=200)
    description = forms.CharField(label=_("简介"), required=False, widget=forms.Textarea(attrs={"rows": 5}))

    def authority_data(self) -> dict[str, Any]:
        data = dict(self.cleaned_data)
        data["variant_names"] = [line.strip() for line in data["variant_names"].splitlines() if line.strip()]
        return data

    @classmethod
    def initial_for(cls, authority: Authority) -> dict[str, Any]:
        initial = {name: getattr(authority, name) for name in cls.base_fields}
        initial["variant_names"] = "\n".join(authority.variant_names or [])
        return initial


class AuthorityLinkForm(forms.Form):
    """Links a unit to an authority record named by any of its names. The picker fills ``authority`` (the chosen
    record's UUID); typed without the picker, the name must be one record's name or variant name."""

    name = forms.CharField(
        label=_("规范档案"),
        max_length=300,
        help_text=_("输入规范名称或其他名称（曾用名、简称、别名）的任意部分，用 ↑ ↓ 选择，回车确认。"),
    )
    authority = forms.UUIDField(required=False, widget=forms.HiddenInput)
    kind = forms.ChoiceField(label=_("类型"), choices=[("", _("全部类型")), *AuthorityKind.choices], required=False)
    role = forms.ChoiceField(label=_("关系"), choices=AuthorityRole.choices)

    def clean(self) -> dict[str, Any]:
        from .actions.authorities import authority_named

        data = super().clean() or {}
        if self.errors:
            return data
        chosen = data.get("authority")
        if chosen:
            data["authority"] = Authority.objects.filter(uuid=chosen).first()
            if data["authority"] is None:
                self.add_error("name", _("所选的规范档案已不存在，请重新选择。"))
        else:
            try:
                data["authority"] = authority_named(data["name"], data.get("kind") or None)
            except forms.ValidationError as exc:
                self.add_error("name", exc)
        return data

    def error_summary(self) -> str:
        """The form's problems as one message for the unit page."""
        if self.data.get("name", "").strip() and self.errors.get("name"):
            return " ".join(str(message) for message in self.errors["name"])
        return str(_("请填写规范档案的名称和关系。"))


class ImportForm(forms.Form):
    file = forms.FileField(
        label=_("目录文件"),
        help_text=_("Excel（.xlsx）或 CSV（UTF-8）文件，第一行为中文表头（档号、题名、日期、密级、保管期限等）。"),
        error_messages={"required": _("请选择要导入的文件（.xlsx 或 .csv）。"), "empty": _("上传的文件是空的。")},
        widget=forms.ClearableFileInput(attrs={"accept": ".xlsx,.csv"}),
    )
    fonds = forms.ModelChoiceField(
        label=_("导入到全宗"),
        queryset=Fonds.objects.order_by("code"),
        empty_label=_("（请选择全宗）"),
        error_messages={"required": _("请选择全宗。")},
    )
    dry_run = forms.BooleanField(
        label=_("仅校验（试导入）"),
        required=False,
        help_text=_("只检查文件并报告问题，不写入任何档案。"),
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        limit = megabytes(settings.IMPORT_MAX_BYTES)
        self.fields["file"].help_text = f"{self.fields['file'].help_text}{_('最大 %(limit)s。') % {'limit': limit}}"

    def clean_file(self) -> Any:
        upload = self.cleaned_data["file"]
        suffix = Path(upload.name or "").suffix.lower()
        if suffix not in IMPORT_SUFFIXES:
            raise forms.ValidationError(
                _("不支持的文件类型“%(suffix)s”：请上传 .xlsx 或 .csv 文件。") % {"suffix": suffix or _("无扩展名")}
            )
        if upload.size > settings.IMPORT_MAX_BYTES:  # the same limit as the API's (catalog.actions.importing)
            raise forms.ValidationError(too_large_message(upload.size, settings.IMPORT_MAX_BYTES))
        return upload
