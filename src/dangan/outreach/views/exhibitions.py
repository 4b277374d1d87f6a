"""Part exhibitions' pages: the public ones (``public_urls``, namespace ``outreach_public``: /exhibitions/, an
exhibition, a page of it, the hall screen's kiosk mode) and the staff's (``manage_urls``, namespace ``outreach``,
under /manage/outreach/exhibitions/: the list, the exhibition and its structure, block forms, preview, publish).

The public sees an exhibition only while it is published and now is within its schedule (asked at every request),
and only the blocks the anonymous public may see (``exhibits.blocks.shown_blocks``, ``catalog.policy``): a draft, a
scheduled or an ended exhibition answers 404 like a missing one. The staff preview shows what the signed-in person
may see."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.contrib import messages
from django.contrib.auth.models import AnonymousUser
from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import URLPattern, path, reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST, require_safe

from dangan.access.views.portal import revalidated
from dangan.core.actors import signed_in
from dangan.core.roles import Capability
from dangan.outreach.actions import exhibitions as actions
from dangan.outreach.exhibits.blocks import cover_url, sees_whole_block, shown_blocks
from dangan.outreach.exhibits.forms import BLOCK_FORMS, ExhibitionForm, ScheduleForm, TitleForm
from dangan.outreach.models import (
    BlockKind,
    Exhibition,
    ExhibitionBlock,
    ExhibitionPage,
    ExhibitionSection,
)
from dangan.outreach.models.exhibitions import public_exhibitions
from dangan.utilities.concurrency import EditConflict, parse_version
from dangan.utilities.views import capability_required, form_errors_from, user_can

# ---------------------------------------------------------------- what an exhibition holds, in order


@dataclass
class PageRef:
    section_number: int
    page_number: int
    section: ExhibitionSection
    page: ExhibitionPage
    url: str = ""


def page_refs(exhibition: Exhibition) -> list[PageRef]:
    """Every page of ``exhibition`` in reading order, numbered by position (section n, page m, from 1)."""
    refs: list[PageRef] = []
    sections = exhibition.sections.order_by("order", "id").prefetch_related("pages")
    for s_number, section in enumerate(sections, 1):
        pages = sorted(section.pages.all(), key=lambda p: (p.order, p.id))
        refs += [PageRef(s_number, p_number, section, page) for p_number, page in enumerate(pages, 1)]
    return refs


def _with_urls(refs: list[PageRef], url_name: str, key: Any) -> list[PageRef]:
    for ref in refs:
        ref.url = reverse(url_name, args=[key, ref.section_number, ref.page_number])
    return refs


def _sections(refs: list[PageRef]) -> list[dict[str, Any]]:
    grouped: dict[int, dict[str, Any]] = {}
    for ref in refs:
        grouped.setdefault(ref.section.pk, {"section": ref.section, "pages": []})["pages"].append(ref)
    return list(grouped.values())


def _public(slug: str) -> Exhibition:
    exhibition = public_exhibitions().filter(slug=slug).first()
    if exhibition is None:
        raise Http404
    return exhibition


PUBLIC = AnonymousUser()  # what goes out is the public's, whoever is signed in


def _exhibition_context(
    exhibition: Exhibition, viewer: Any, page_url: str, key: Any, *, preview: bool = False
) -> dict[str, Any]:
    refs = _with_urls(page_refs(exhibition), page_url, key)
    return {
        "exhibition": exhibition,
        "cover": cover_url(viewer, exhibition.cover_image),
        "sections": _sections(refs),
        "first": refs[0] if refs else None,
        "preview": preview,
        "paragraphs": [p.strip() for p in exhibition.introduction.split("\n\n") if p.strip()],
    }


def _page_context(
    exhibition: Exhibition, viewer: Any, page_url: str, key: Any, section: int, page: int, *, preview: bool = False
) -> dict[str, Any]:
    refs = _with_urls(page_refs(exhibition), page_url, key)
    index = next((i for i, r in enumerate(refs) if (r.section_number, r.page_number) == (section, page)), None)
    if index is None:
        raise Http404
    ref = refs[index]
    return {
        "exhibition": exhibition,
        "ref": ref,
        "blocks": shown_blocks(viewer, ref.page.blocks.order_by("order", "id")),
        "previous": refs[index - 1] if index > 0 else None,
        "next": refs[index + 1] if index + 1 < len(refs) else None,
        "sections": _sections(refs),
        "position": index + 1,
        "total": len(refs),
        "preview": preview,
    }


# ---------------------------------------------------------------- public pages


@require_safe
@revalidated
def exhibition_list(request: HttpRequest) -> HttpResponse:
    rows = [{"exhibition": e, "cover": cover_url(PUBLIC, e.cover_image)} for e in public_exhibitions()]
    return render(request, "outreach/exhibitions/public_list.html", {"rows": rows})


@require_safe
@revalidated
def exhibition_detail(request: HttpRequest, slug: str) -> HttpResponse:
    exhibition = _public(slug)
    context = _exhibition_context(exhibition, PUBLIC, "outreach_public:exhibition_page", exhibition.slug)
    context["kiosk_url"] = reverse("outreach_public:exhibition_kiosk", args=[exhibition.slug])
    return render(request, "outreach/exhibitions/public_detail.html", context)


@require_safe
@revalidated
def exhibition_page(request: HttpRequest, slug: str, section: int, page: int) -> HttpResponse:
    exhibition = _public(slug)
    context = _page_context(exhibition, PUBLIC, "outreach_public:exhibition_page", exhibition.slug, section, page)
    context["home_url"] = reverse("outreach_public:exhibition", args=[exhibition.slug])
    return render(request, "outreach/exhibitions/public_page.html", context)


def kiosk_context(exhibition: Exhibition, viewer: Any) -> dict[str, Any]:
    refs = page_refs(exhibition)
    slides = [
        {"ref": ref, "blocks": shown_blocks(viewer, ref.page.blocks.order_by("order", "id"), links=False)}
        for ref in refs
    ]
    return {
        "exhibition": exhibition,
        "cover": cover_url(viewer, exhibition.cover_image),
        "slides": slides,
        "paragraphs": [p.strip() for p in exhibition.introduction.split("\n\n") if p.strip()],
    }


@require_safe
@revalidated
def exhibition_kiosk(request: HttpRequest, slug: str) -> HttpResponse:
    """The hall screen: every page of the exhibition in one document, advanced by outreach/kiosk.js on a timer
    (looping) and back to the cover after the exhibition's idle time; no link leads out of it."""
    return render(request, "outreach/exhibitions/kiosk.html", kiosk_context(_public(slug), PUBLIC))


public_urls: list[URLPattern] = [
    path("exhibitions/", exhibition_list, name="exhibitions"),
    path("exhibitions/<slug:slug>/", exhibition_detail, name="exhibition"),
    path("exhibitions/<slug:slug>/kiosk/", exhibition_kiosk, name="exhibition_kiosk"),
    path("exhibitions/<slug:slug>/<int:section>/<int:page>/", exhibition_page, name="exhibition_page"),
]


# ---------------------------------------------------------------- staff pages

STATE_LABELS = {
    "draft": gettext_lazy("草稿"),
    "scheduled": gettext_lazy("已发布，待上线"),
    "online": gettext_lazy("展出中"),
    "ended": gettext_lazy("已过下线时间"),
}


def state_label(exhibition: Exhibition) -> str:
    return str(STATE_LABELS[exhibition.state()])


def _version(request: HttpRequest) -> int | None:
    try:
        return parse_version(request.POST.get("version") or None)
    except ValueError:
        return -1


def _to_structure(exhibition: Exhibition) -> HttpResponse:
    return redirect("outreach:exhibition", exhibition.pk)


@require_safe
@capability_required(Capability.OUTREACH_EDIT)
def manage_list(request: HttpRequest) -> HttpResponse:
    rows = [{"exhibition": e, "state": state_label(e)} for e in Exhibition.objects.order_by("-updated")]
    return render(request, "outreach/exhibitions/manage_list.html", {"rows": rows})


@capability_required(Capability.OUTREACH_EDIT)
def manage_add(request: HttpRequest) -> HttpResponse:
    form = ExhibitionForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            exhibition = actions.do_create_exhibition(signed_in(request), form.data_for_action())
        except ValidationError as exc:
            form_errors_from(form, exc)
        else:
            messages.success(request, _("已创建展览（草稿）。"))
            return _to_structure(exhibition)
    return render(request, "outreach/exhibitions/form.html", {"form": form, "heading": _("新建展览")})


@capability_required(Capability.OUTREACH_EDIT)
def manage_edit(request: HttpRequest, pk: int) -> HttpResponse:
    exhibition = get_object_or_404(Exhibition, pk=pk)
    form = ExhibitionForm(request.POST or None, instance=exhibition)
    status = 200
    if request.method == "POST" and form.is_valid():
        try:
            actions.do_update_exhibition(
                signed_in(request), exhibition, form.data_for_action(), version=_version(request)
            )
        except ValidationError as exc:
            form_errors_from(form, exc)
        except EditConflict as exc:
            form.add_error(None, exc.message)
            status = 409
        else:
            messages.success(request, _("已保存。"))
            return _to_structure(exhibition)
    context = {"form": form, "heading": _("修改展览"), "exhibition": exhibition}
    return render(request, "outreach/exhibitions/form.html", context, status=status)


@require_safe
@capability_required(Capability.OUTREACH_EDIT)
def manage_detail(request: HttpRequest, pk: int) -> HttpResponse:
    exhibition = get_object_or_404(Exhibition, pk=pk)
    sections = []
    for section in exhibition.sections.order_by("order", "id"):
        pages = [
            {"page": page, "blocks": list(page.blocks.order_by("order", "id"))}
            for page in section.pages.order_by("order", "id")
        ]
        sections.append({"section": section, "pages": pages})
    context = {
        "exhibition": exhibition,
        "state": state_label(exhibition),
        "is_public": exhibition.is_public(),
        "sections": sections,
        "kinds": BlockKind.choices,
        "may_publish": user_can(request.user, Capability.OUTREACH_PUBLISH),
        "schedule": ScheduleForm(
            initial={
                "publish_at": timezone.localtime(exhibition.publish_at) if exhibition.publish_at else None,
                "unpublish_at": timezone.localtime(exhibition.unpublish_at) if exhibition.unpublish_at else None,
                "version": exhibition.version,
            }
        ),
        "title_form": TitleForm(),
    }
    return render(request, "outreach/exhibitions/manage_detail.html", context)


def _done(request: HttpRequest, exhibition: Exhibition, call: Any, success: str) -> HttpResponse:
    try:
        call()
    except ValidationError as exc:
        for message in exc.messages:
            messages.error(request, message)
    except EditConflict as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, success)
    return _to_structure(exhibition)


@require_POST
@capability_required(Capability.OUTREACH_PUBLISH)
def manage_publish(request: HttpRequest, pk: int) -> HttpResponse:
    exhibition = get_object_or_404(Exhibition, pk=pk)
    form = ScheduleForm(request.POST)
    if not form.is_valid():
        for field, errors in form.errors.items():
            for message in errors:
                messages.error(request, f"{form.fields[field].label if field in form.fields else ''}：{message}")
        return _to_structure(exhibition)
    return _done(
        request,
        exhibition,
        lambda: actions.do_publish(
            signed_in(request),
            exhibition,
            publish_at=form.cleaned_data.get("publish_at"),
            unpublish_at=form.cleaned_data.get("unpublish_at"),
            version=_version(request),
        ),
        _("已发布。公众在上线时间到下线时间之间可以看到本展览。"),
    )


@require_POST
@capability_required(Capability.OUTREACH_PUBLISH)
def manage_unpublish(request: HttpRequest, pk: int) -> HttpResponse:
    exhibition = get_object_or_404(Exhibition, pk=pk)
    return _done(
        request,
        exhibition,
        lambda: actions.do_unpublish(signed_in(request), exhibition, version=_version(request)),
        _("已撤下，公众不再能看到本展览。"),
    )


@require_POST
@capability_required(Capability.OUTREACH_PUBLISH)
def manage_remove(request: HttpRequest, pk: int) -> HttpResponse:
    exhibition = get_object_or_404(Exhibition, pk=pk)
    try:
        actions.do_remove_exhibition(signed_in(request), exhibition, version=_version(request))
    except ValidationError as exc:
        messages.error(request, exc.messages[0])
        return _to_structure(exhibition)
    except EditConflict as exc:
        messages.error(request, exc.message)
        return _to_structure(exhibition)
    messages.success(request, _("已删除展览。"))
    return redirect("outreach:exhibitions")


@require_POST
@capability_required(Capability.OUTREACH_EDIT)
def manage_section_add(request: HttpRequest, pk: int) -> HttpResponse:
    exhibition = get_object_or_404(Exhibition, pk=pk)
    title = request.POST.get("title", "")
    return _done(
        request,
        exhibition,
        lambda: actions.do_add_section(signed_in(request), exhibition, title),
        _("已添加展览单元。"),
    )


@require_POST
@capability_required(Capability.OUTREACH_EDIT)
def manage_page_add(request: HttpRequest, pk: int, section: int) -> HttpResponse:
    exhibition = get_object_or_404(Exhibition, pk=pk)
    target = get_object_or_404(ExhibitionSection, pk=section, exhibition=exhibition)
    title = request.POST.get("title", "")
    return _done(request, exhibition, lambda: actions.do_add_page(signed_in(request), target, title), _("已添加展页。"))


_PARTS: dict[str, Any] = {
    "section": (ExhibitionSection, "exhibition"),
    "page": (ExhibitionPage, "section__exhibition"),
    "block": (ExhibitionBlock, "page__section__exhibition"),
}


@require_POST
@capability_required(Capability.OUTREACH_EDIT)
def manage_structure(request: HttpRequest, pk: int) -> HttpResponse:
    """One form for the structure's small changes: ``part`` (section, page, block), ``id``, and ``op`` (up, down,
    remove, rename with ``title``)."""
    exhibition = get_object_or_404(Exhibition, pk=pk)
    known = _PARTS.get(request.POST.get("part", ""))
    op = request.POST.get("op", "")
    if known is None or op not in ("up", "down", "remove", "rename"):
        messages.error(request, _("无法识别的操作。"))
        return _to_structure(exhibition)
    model, owner = known
    try:
        target_id = int(request.POST.get("id", ""))
    except ValueError as exc:
        raise Http404 from exc
    target = get_object_or_404(model, pk=target_id, **{owner: exhibition})
    actor = signed_in(request)
    if op == "rename":
        if isinstance(target, ExhibitionBlock):
            raise Http404
        title = request.POST.get("title", "")
        return _done(request, exhibition, lambda: actions.do_rename(actor, target, title), _("已修改标题。"))
    if op == "remove":
        return _done(request, exhibition, lambda: actions.do_remove(actor, target), _("已删除。"))
    step = -1 if op == "up" else 1
    return _done(request, exhibition, lambda: actions.do_move(actor, target, step), _("已调整顺序。"))


def _block_page(request: HttpRequest, exhibition: Exhibition, kind: str, form: Any, **extra: Any) -> HttpResponse:
    context = {"exhibition": exhibition, "form": form, "kind_label": BlockKind(kind).label, **extra}
    return render(request, "outreach/exhibitions/block_form.html", context)


@capability_required(Capability.OUTREACH_EDIT)
def manage_block_add(request: HttpRequest, pk: int, page: int, kind: str) -> HttpResponse:
    exhibition = get_object_or_404(Exhibition, pk=pk)
    target = get_object_or_404(ExhibitionPage, pk=page, section__exhibition=exhibition)
    form_class = BLOCK_FORMS.get(kind)
    if form_class is None:
        raise Http404
    form = form_class(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            actions.do_add_block(signed_in(request), target, kind, form.to_data())
        except ValidationError as exc:
            form_errors_from(form, exc)
        else:
            messages.success(request, _("已添加内容块。"))
            return _to_structure(exhibition)
    return _block_page(request, exhibition, kind, form, page=target)


@capability_required(Capability.OUTREACH_EDIT)
def manage_block_edit(request: HttpRequest, pk: int, block: int) -> HttpResponse:
    exhibition = get_object_or_404(Exhibition, pk=pk)
    target = get_object_or_404(ExhibitionBlock, pk=block, page__section__exhibition=exhibition)
    if not sees_whole_block(request.user, target):
        raise Http404  # it names a unit or an image hidden from this editor: as if it were not there
    form_class = BLOCK_FORMS[target.kind]
    form = form_class(request.POST or None, initial=form_class.initial_from(target.data))
    if request.method == "POST" and form.is_valid():
        try:
            actions.do_update_block(signed_in(request), target, form.to_data())
        except ValidationError as exc:
            form_errors_from(form, exc)
        else:
            messages.success(request, _("已保存内容块。"))
            return _to_structure(exhibition)
    return _block_page(request, exhibition, target.kind, form, page=target.page, block=target)


@require_safe
@capability_required(Capability.OUTREACH_EDIT)
def manage_preview(request: HttpRequest, pk: int) -> HttpResponse:
    """The exhibition as it will look, with what the signed-in person may see (the public sees less)."""
    exhibition = get_object_or_404(Exhibition, pk=pk)
    context = _exhibition_context(exhibition, request.user, "outreach:exhibition_preview_page", pk, preview=True)
    return render(request, "outreach/exhibitions/public_detail.html", context)


@require_safe
@capability_required(Capability.OUTREACH_EDIT)
def manage_preview_page(request: HttpRequest, pk: int, section: int, page: int) -> HttpResponse:
    exhibition = get_object_or_404(Exhibition, pk=pk)
    context = _page_context(
        exhibition, request.user, "outreach:exhibition_preview_page", pk, section, page, preview=True
    )
    context["home_url"] = reverse("outreach:exhibition_preview", args=[pk])
    return render(request, "outreach/exhibitions/public_page.html", context)


manage_urls: list[URLPattern] = [
    path("exhibitions/", manage_list, name="exhibitions"),
    path("exhibitions/new/", manage_add, name="exhibition_add"),
    path("exhibitions/<int:pk>/", manage_detail, name="exhibition"),
    path("exhibitions/<int:pk>/edit/", manage_edit, name="exhibition_edit"),
    path("exhibitions/<int:pk>/publish/", manage_publish, name="exhibition_publish"),
    path("exhibitions/<int:pk>/unpublish/", manage_unpublish, name="exhibition_unpublish"),
    path("exhibitions/<int:pk>/remove/", manage_remove, name="exhibition_remove"),
    path("exhibitions/<int:pk>/sections/", manage_section_add, name="exhibition_section_add"),
    path("exhibitions/<int:pk>/sections/<int:section>/pages/", manage_page_add, name="exhibition_page_add"),
    path("exhibitions/<int:pk>/structure/", manage_structure, name="exhibition_structure"),
    path("exhibitions/<int:pk>/pages/<int:page>/blocks/<str:kind>/", manage_block_add, name="exhibition_block_add"),
    path("exhibitions/<int:pk>/blocks/<int:block>/", manage_block_edit, name="exhibition_block_edit"),
    path("exhibitions/<int:pk>/preview/", manage_preview, name="exhibition_preview"),
    path(
        "exhibitions/<int:pk>/preview/<int:section>/<int:page>/",
        manage_preview_page,
        name="exhibition_preview_page",
    ),
]
