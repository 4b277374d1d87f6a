"""The core lists' filters (utilities.filters): the audit log.

``AuditEntryFilter`` takes the parameters of the audit-log page (user, action, object_type, object_id, date_from,
date_to) for the page, its export and an API alike. It never searches the entries' content (object names, before
and after values): a reader could otherwise probe for what a hidden unit says by counting what a search finds.
"""

from __future__ import annotations

from typing import Any

from django.db.models import QuerySet
from django.utils.translation import gettext_lazy as _

from dangan.utilities.filters import Choice, Exact, FilterSet, Moment, Text

from .models import AuditEntry


def _actions() -> list[str]:
    from .audit import audit_actions

    return [key for key, _label in audit_actions.items()]


class AuditEntryFilter(FilterSet):
    """Audit entries, newest first, for the security auditor (the view checks the capability)."""

    user = Text(_("用户"), ("username",), description=_("用户名中含有"))
    action = Choice(_("操作"), _actions)
    object_type = Exact(_("对象类型"), ignore_case=False, description=_("如 catalog.archivalunit"))
    object_id = Exact(_("对象标识"), ignore_case=False)
    date_from = Moment(_("起始时间"), field="timestamp", lookup="gte")
    date_to = Moment(_("截止时间"), field="timestamp", lookup="lte")
    orderings = {"-id": ("-id",), "id": ("id",)}

    def rows(self, user: Any, queryset: QuerySet[Any] | None = None) -> QuerySet[Any]:
        return queryset if queryset is not None else AuditEntry.objects.all()
