"""The staff's list of readers (utilities.filters), shared by its page and its API endpoint."""

from __future__ import annotations

from typing import Any

from django.db.models import QuerySet
from django.utils.translation import gettext_lazy as _

from dangan.access.identity import normalize_document_number
from dangan.access.models import ReaderProfile, ReaderStatus
from dangan.utilities.filters import Choice, FilterSet, Param, Text


class DocumentNumber(Param):
    """The whole document number (never a part of one: no search of personal data by fragments)."""

    def parse(self, raw: str) -> Any:
        if len(raw) > 32:
            raise ValueError(_("证件号码最多 32 个字符"))
        return normalize_document_number("", raw)

    def narrow(self, queryset: QuerySet[Any], value: Any) -> QuerySet[Any]:
        return queryset.filter(document_number=value)


class ReaderFilter(FilterSet):
    """Readers' profiles, newest first, for holders of READERS (the view checks the capability)."""

    q = Text(_("姓名或用户名"), ("real_name", "user__username"), max_length=100)
    status = Choice(_("状态"), ReaderStatus)
    document = DocumentNumber(_("证件号码"), description=_("证件号码，须完全一致"))
    orderings = {
        "-registered": ("-registered_at", "-id"),
        "registered": ("registered_at", "id"),
        "name": ("real_name", "id"),
    }

    def rows(self, user: Any, queryset: QuerySet[Any] | None = None) -> QuerySet[Any]:
        rows = queryset if queryset is not None else ReaderProfile.objects.all()
        return rows.select_related("user", "verified_by", "registered_by")
