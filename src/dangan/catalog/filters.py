"""The unit filter: one class that serves the workspace list and the REST API alike."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from django.db.models import Q, QuerySet
from django.utils.translation import gettext as _

from dangan.utilities.text import is_uuid

from .choices import Openness, RetentionPeriod, SecurityClassification, UnitLevel
from .models import ArchivalUnit
from .policy import visible_units

ORDERINGS = {
    "position": ("position", "id"),
    "reference_code": ("reference_code", "id"),
    "date": ("date", "id"),
    "-date": ("-date", "-id"),
    "title": ("title", "id"),
}


@dataclass
class UnitFilter:
    """Filters parsed from query parameters; unknown values become ``errors`` (shown to the user), not 500s."""

    fonds: str = ""
    parent: str = ""
    level: str = ""
    category: str = ""
    year_from: int | None = None
    year_to: int | None = None
    retention: str = ""
    classification: str = ""
    openness: str = ""
    q: str = ""
    ordering: str = "reference_code"
    errors: dict[str, str] = field(default_factory=dict)

    CHOICE_FIELDS = {
        "level": UnitLevel,
        "retention": RetentionPeriod,
        "classification": SecurityClassification,
        "openness": Openness,
    }

    @classmethod
    def from_params(cls, params: Any) -> UnitFilter:
        """Build from a QueryDict or a plain dict."""
        get = params.get
        f = cls(
            fonds=(get("fonds") or "").strip(),
            parent=(get("parent") or "").strip(),
            level=(get("level") or "").strip(),
            category=(get("category") or "").strip(),
            retention=(get("retention") or "").strip(),
            classification=(get("classification") or "").strip(),
            openness=(get("openness") or "").strip(),
            q=(get("q") or "").strip(),
            ordering=(get("ordering") or "reference_code").strip(),
        )
        for name in ("year_from", "year_to"):
            raw = get(name)
            if raw in (None, ""):
                continue
            try:
                setattr(f, name, int(raw))
            except (TypeError, ValueError):
                f.errors[name] = _("年度应为四位数字：%(value)s") % {"value": raw}
        for name, choices in cls.CHOICE_FIELDS.items():
            value = getattr(f, name)
            if value and value not in choices.values:
                f.errors[name] = _("无效的取值：%(value)s") % {"value": value}
                setattr(f, name, "")
        if f.ordering not in ORDERINGS:
            f.errors["ordering"] = _("无效的排序：%(value)s") % {"value": f.ordering}
            f.ordering = "reference_code"
        return f

    def apply(self, user: Any, queryset: QuerySet[ArchivalUnit] | None = None) -> QuerySet[ArchivalUnit]:
        """The units ``user`` may see that match these filters."""
        qs = visible_units(user, queryset)
        if self.fonds:
            qs = qs.filter(fonds__code__iexact=self.fonds)
        if self.parent:
            # Only under a parent the user may see: children of a hidden one would confirm that it exists.
            parents = visible_units(user).filter(uuid=self.parent) if is_uuid(self.parent) else None
            qs = qs.filter(parent__in=parents) if parents is not None else qs.none()
        if self.category:
            qs = qs.filter(category__code__iexact=self.category)
        for name in ("level", "retention", "classification", "openness"):
            if value := getattr(self, name):
                qs = qs.filter(**{name: value})
        if self.year_from is not None:
            qs = qs.filter(year__gte=self.year_from)
        if self.year_to is not None:
            qs = qs.filter(year__lte=self.year_to)
        if self.q:
            qs = qs.filter(
                Q(title__icontains=self.q)
                | Q(reference_code__icontains=self.q)
                | Q(responsible__icontains=self.q)
                | Q(document_number__icontains=self.q)
            )
        return qs.select_related("fonds", "category").order_by(*ORDERINGS[self.ordering])

    def as_params(self) -> dict[str, str]:
        """The active filters as query parameters (for paging links)."""
        out = {}
        for name in ("fonds", "parent", "level", "category", "retention", "classification", "openness", "q"):
            if value := getattr(self, name):
                out[name] = value
        for name in ("year_from", "year_to"):
            if (value := getattr(self, name)) is not None:
                out[name] = str(value)
        if self.ordering != "reference_code":
            out["ordering"] = self.ordering
        return out
