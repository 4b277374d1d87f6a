"""The staff forms of part exhibitions: the exhibition, its schedule, a title, and one form per block kind. Forms
only parse what was typed into the ``data`` the actions check (``actions/exhibitions.py``); the actions decide."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from dangan.outreach.models import Exhibition

LINES_HELP = _("每行一项，各栏之间用竖线 | 分隔。")


class ExhibitionForm(forms.Form):
    """The exhibition's fields as typed: every one optional text here, the action checks them (one set of rules, one
    set of Chinese messages)."""

    title = forms.CharField(label=_("标题"), required=False)
    subtitle = forms.CharField(label=_("副标题"), required=False)
    slug = forms.CharField(
        label=_("网址名"),
        required=False,
        help_text=_("公众网址 /exhibitions/网址名/ 中的部分：小写字母、数字和连字符。"),
    )
    introduction = forms.CharField(label=_("展览介绍"), required=False, widget=forms.Textarea(attrs={"rows": 6}))
    cover_image = forms.CharField(
        label=_("封面图"),
        required=False,
        help_text=_("IIIF 图像标识符（档案图像页上可复制），可留空；只在公众可看该档案图像时显示。"),
    )
    kiosk_idle_seconds = forms.CharField(
        label=_("展厅模式无操作复位（秒）"),
        required=False,
        initial=120,
        help_text=_("展厅大屏无人操作这么多秒后回到首页（默认 120）。"),
    )
    kiosk_advance_seconds = forms.CharField(
        label=_("展厅模式自动翻页（秒）"),
        required=False,
        initial=20,
        help_text=_("展厅大屏自动翻到下一页的间隔（默认 20）。"),
    )
    version = forms.IntegerField(widget=forms.HiddenInput, required=False)

    FIELDS = ("title", "subtitle", "slug", "introduction", "cover_image", "kiosk_idle_seconds", "kiosk_advance_seconds")

    def __init__(self, data: Any = None, *, instance: Exhibition | None = None) -> None:
        initial = {f: getattr(instance, f) for f in self.FIELDS} if instance is not None else None
        if instance is not None and initial is not None:
            initial["version"] = instance.version
        super().__init__(data, initial=initial)

    def data_for_action(self) -> dict[str, Any]:
        return {f: self.cleaned_data.get(f) for f in self.FIELDS}


class ScheduleForm(forms.Form):
    publish_at = forms.DateTimeField(
        label=_("上线时间"),
        required=False,
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M"),
        help_text=_("留空：立即上线。"),
    )
    unpublish_at = forms.DateTimeField(
        label=_("下线时间"),
        required=False,
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M"),
        help_text=_("留空：一直展出，直到撤下。"),
    )
    version = forms.IntegerField(widget=forms.HiddenInput, required=False)


class TitleForm(forms.Form):
    title = forms.CharField(label=_("标题"), max_length=200, required=False)


class BlockForm(forms.Form):
    """Base of the per-kind forms: ``to_data`` turns the fields into the block's ``data``; ``initial_from``
    the other way."""

    def to_data(self) -> dict[str, Any]:
        return dict(self.cleaned_data)

    @classmethod
    def initial_from(cls, data: dict[str, Any]) -> dict[str, Any]:
        return dict(data)


class TextBlockForm(BlockForm):
    html = forms.CharField(
        label=_("正文"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 12}),
        help_text=_(
            "可用的格式：段落 p、小标题 h2/h3、加粗 strong、强调 em、引用 blockquote、列表 ul/ol/li、链接 a。"
            "其他标签、样式和脚本保存时会被去掉。"
        ),
    )


class ImageBlockForm(BlockForm):
    image = forms.CharField(label=_("图像标识符"), required=False, max_length=120)
    region = forms.CharField(
        label=_("局部区域"),
        required=False,
        max_length=80,
        help_text=_("只显示图像的一部分：x,y,宽,高（像素，如 100,200,800,600）或 pct:x,y,宽,高；留空显示整幅。"),
    )
    caption = forms.CharField(label=_("图注"), required=False, max_length=300)


class UnitBlockForm(BlockForm):
    unit = forms.CharField(label=_("档案标识符"), required=False, max_length=64, help_text=_("档案页面上的 UUID。"))


class GalleryBlockForm(BlockForm):
    images = forms.CharField(
        label=_("图像"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 8}),
        help_text=_("每行一幅：图像标识符 | 局部区域（可空） | 图注。"),
    )

    def to_data(self) -> dict[str, Any]:
        items = []
        for line in (self.cleaned_data.get("images") or "").splitlines():
            if not line.strip():
                continue
            parts = [p.strip() for p in line.split("|", 2)] + ["", ""]
            items.append({"image": parts[0], "region": parts[1], "caption": parts[2]})
        return {"images": items}

    @classmethod
    def initial_from(cls, data: dict[str, Any]) -> dict[str, Any]:
        lines = [f"{i['image']} | {i.get('region', '')} | {i.get('caption', '')}" for i in data.get("images", [])]
        return {"images": "\n".join(lines)}


class TimelineBlockForm(BlockForm):
    entries = forms.CharField(
        label=_("条目"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 10}),
        help_text=_("每行一条：日期（1935、1935-01 或 1935-01-07） | 标题 | 说明（可空）。"),
    )

    def to_data(self) -> dict[str, Any]:
        entries = []
        for line in (self.cleaned_data.get("entries") or "").splitlines():
            if not line.strip():
                continue
            parts = [p.strip() for p in line.split("|", 2)] + ["", ""]
            entries.append({"date": parts[0], "title": parts[1], "text": parts[2]})
        return {"entries": entries}

    @classmethod
    def initial_from(cls, data: dict[str, Any]) -> dict[str, Any]:
        lines = [f"{e['date']} | {e['title']} | {e.get('text', '')}" for e in data.get("entries", [])]
        return {"entries": "\n".join(lines)}


class QuoteBlockForm(BlockForm):
    unit = forms.CharField(label=_("档案标识符"), required=False, max_length=64)
    page = forms.IntegerField(label=_("页码"), required=False, min_value=1)
    text = forms.CharField(
        label=_("摘录的文字"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 5}),
        help_text=_("从该页的识别文本（全文）中复制。"),
    )
    note = forms.CharField(label=_("说明"), required=False, max_length=300)


BLOCK_FORMS: dict[str, type[BlockForm]] = {
    "text": TextBlockForm,
    "image": ImageBlockForm,
    "unit": UnitBlockForm,
    "gallery": GalleryBlockForm,
    "timeline": TimelineBlockForm,
    "quote": QuoteBlockForm,
}
