"""The hierarchy browser's nodes, rendered in Python: this fragment is the hot path of browsing a large fonds
(50 nodes a request), and the template engine spent most of the request resolving the same few fields.
Every value is escaped with ``html.escape`` before it is joined. A node offers to expand only when it has children
the reader may see (``ChildrenPage.child_counts``, from catalog.policy): the stored count would betray hidden ones."""

from __future__ import annotations

from html import escape
from typing import Any

from django import template
from django.urls import reverse
from django.utils.safestring import SafeString, mark_safe
from django.utils.text import Truncator
from django.utils.translation import gettext as _

from dangan.catalog.choices import SecurityClassification, UnitLevel

register = template.Library()

_PLACEHOLDER = "00000000-0000-0000-0000-000000000000"


def _badge(kind: str, value: str, label: str) -> str:
    return f'<span class="badge badge--{escape(kind)}-{escape(value or "none")}">{escape(label)}</span>'


@register.simple_tag
def tree_nodes(tree: Any, fonds: Any) -> SafeString:
    """The ``<li>`` of each unit on one page of ``tree`` (a catalog.actions.units.ChildrenPage)."""
    tree_url = escape(reverse("catalog:tree_children", args=[fonds.code]))
    unit_url = reverse("catalog:unit_detail", args=[_PLACEHOLDER])
    levels = {value: _badge("level", value, str(label)) for value, label in UnitLevel.choices}
    secrets = {
        value: _badge("classification", value, str(label))
        for value, label in SecurityClassification.choices
        if value != SecurityClassification.PUBLIC
    }
    expand = _("展开或收起“%(title)s”的下级")
    loading = escape(_("正在加载……"))
    spacer = '<span class="tree-spacer" aria-hidden="true"></span>'
    out = []
    for index, node in enumerate(tree.units):
        uuid = str(node.uuid)
        title = escape(node.title)
        focus = " data-focus-after-swap" if index == 0 and tree.page > 1 else ""
        toggle, children = spacer, ""
        if tree.child_counts.get(node.pk, 0):
            label = escape(expand % {"title": Truncator(node.title).chars(20)})
            toggle = (
                f'<button type="button" class="tree-toggle" aria-expanded="false" aria-controls="children-{uuid}" '
                f'hx-get="{tree_url}?parent={uuid}" hx-target="#children-{uuid}" hx-trigger="click once" '
                f'hx-swap="innerHTML"><span class="visually-hidden">{label}</span></button>'
            )
            children = f'<ul id="children-{uuid}" hidden><li class="tree-loading">{loading}</li></ul>'
        code = f'<span class="tree-code">{escape(node.reference_code)}</span>' if node.reference_code else ""
        date = f'<span class="tree-meta">{escape(node.date_label)}</span>' if node.date else ""
        out.append(
            f'<li class="tree-node"{focus}>\n  <div class="tree-row">{toggle} {levels.get(node.level, "")} {code} '
            f'<a class="tree-title" href="{escape(unit_url.replace(_PLACEHOLDER, uuid))}" title="{title}">{title}</a>'
            f" {date} {secrets.get(node.classification, '')}</div>{children}\n</li>"
        )
    return mark_safe("\n".join(out))
