"""The search app's list filters (utilities.filters): the words of the users' dictionary."""

from __future__ import annotations

from typing import Any

from django.db.models import QuerySet
from django.utils.translation import gettext_lazy as _

from dangan.utilities.filters import Choice, FilterSet, Text

from .models import DictionaryTerm


class DictionaryTermFilter(FilterSet):
    """Dictionary words (检索词典): everyone who reads the catalog sees them."""

    kind = Choice(_("类别"), DictionaryTerm.Kind)
    q = Text(_("词语"), ("term",), description=_("在词语中查找"))
    orderings = {"term": ("term", "id"), "-created": ("-created", "-id")}

    def rows(self, user: Any, queryset: QuerySet[Any] | None = None) -> QuerySet[Any]:
        rows = queryset if queryset is not None else DictionaryTerm.objects.all()
        return rows.select_related("created_by")
