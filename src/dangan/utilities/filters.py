"""List filters: one class per list, declared once and shared by its workspace page and its API endpoint.

A ``FilterSet`` names its query parameters (``Text``, ``Exact``, ``Choice``, ``Integer``, ``Moment``, ``Flag``), its
orderings and ``rows(user)``, the rows the user may see; ``from_params(request.GET or a dict)`` reads them, collecting a Chinese message per bad value in
``errors`` (the page shows them, the API answers 422 with them) instead of raising; ``apply(user)`` gives the rows
this user may see that match; ``as_params()`` gives back the active filters for paging links. Parsed values are
attributes (``f.q``, ``f.status``); a parameter not given reads as its empty value ("" or None).

Why not django-filter: the API is django-ninja, whose parameters are typed schemas, and every list must also ask
its app's visibility rule (``catalog.policy`` for units and what hangs off them) before filtering; a small class
that does both, with Chinese messages and no form machinery, is shorter than adapting a form-based library to it.
core.api.filter_query(FilterSet) turns a class into the ninja query schema its endpoint takes, so the API documents
the same parameters the page reads.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterable
from typing import Any, ClassVar, Self

from django.db.models import Q, QuerySet
from django.utils.translation import gettext as _

from .registry import StrOrPromise

MAX_TEXT = 200  # a search box's text; longer is refused, not cut


class Param:
    """One query parameter of a filter: how it is read, how it narrows a queryset, how it is written back."""

    empty: Any = ""

    def __init__(self, label: StrOrPromise, *, field: str = "", description: StrOrPromise = "") -> None:
        self.label = label
        self.field = field
        self.description = description
        self.name = ""

    def __set_name__(self, owner: type, name: str) -> None:
        self.name = name
        self.field = self.field or name

    def __get__(self, instance: Any, owner: type | None = None) -> Any:
        # On the class, the parameter; on a filter, its value (the empty value when not given).
        if instance is None:
            return self
        return instance.values.get(self.name, self.empty)

    def parse(self, raw: str) -> Any:
        """The value of ``raw`` (stripped, not empty); ValueError with a message for people when it is wrong."""
        return raw

    def narrow(self, queryset: QuerySet[Any], value: Any) -> QuerySet[Any]:
        return queryset.filter(**{self.field: value})

    def write(self, value: Any) -> str:
        return str(value)

    def describe(self) -> str:
        """For the API's documentation of the parameter."""
        return str(self.description or self.label)


class Text(Param):
    """Free text: rows where any of ``lookups`` contains it (case-insensitively)."""

    def __init__(
        self, label: StrOrPromise, lookups: Iterable[str], *, max_length: int = MAX_TEXT, description: StrOrPromise = ""
    ) -> None:
        super().__init__(label, description=description)
        self.lookups = tuple(lookups)
        self.max_length = max_length

    def parse(self, raw: str) -> Any:
        if len(raw) > self.max_length:
            raise ValueError(_("%(label)s最多 %(count)d 个字符") % {"label": self.label, "count": self.max_length})
        return raw

    def narrow(self, queryset: QuerySet[Any], value: Any) -> QuerySet[Any]:
        condition = Q()
        for lookup in self.lookups:
            condition |= Q(**{f"{lookup}__icontains": value})
        return queryset.filter(condition)


class Exact(Param):
    """A code or name matched whole (case-insensitively with ``ignore_case``)."""

    def __init__(
        self, label: StrOrPromise, *, field: str = "", ignore_case: bool = True, description: StrOrPromise = ""
    ) -> None:
        super().__init__(label, field=field, description=description)
        self.ignore_case = ignore_case

    def parse(self, raw: str) -> Any:
        if len(raw) > MAX_TEXT:
            raise ValueError(_("%(label)s最多 %(count)d 个字符") % {"label": self.label, "count": MAX_TEXT})
        return raw

    def narrow(self, queryset: QuerySet[Any], value: Any) -> QuerySet[Any]:
        return queryset.filter(**{f"{self.field}__iexact" if self.ignore_case else self.field: value})


class Choice(Param):
    """One of a set of values: a TextChoices' values, a list, or a function giving them (a registry's keys)."""

    def __init__(self, label: StrOrPromise, choices: Any, *, field: str = "", description: StrOrPromise = "") -> None:
        super().__init__(label, field=field, description=description)
        self.choices = choices

    @property
    def values(self) -> list[str]:
        if hasattr(self.choices, "values"):
            return list(self.choices.values)
        return list(self.choices() if callable(self.choices) else self.choices)

    def parse(self, raw: str) -> Any:
        if raw not in self.values:
            raise ValueError(_("无效的取值：%(value)s") % {"value": raw})
        return raw

    def describe(self) -> str:
        return f"{super().describe()}：{'、'.join(self.values)}"


class Integer(Param):
    """A whole number, compared with ``lookup`` (exact, gte, lte …) and kept within ``low``…``high``."""

    empty = None

    def __init__(
        self,
        label: StrOrPromise,
        *,
        field: str = "",
        lookup: str = "exact",
        low: int = -(2**31),
        high: int = 2**31 - 1,
        message: StrOrPromise = "",  # instead of the default messages; may name %(value)s
        description: StrOrPromise = "",
    ) -> None:
        super().__init__(label, field=field, description=description)
        self.lookup, self.low, self.high, self.message = lookup, low, high, message

    def parse(self, raw: str) -> Any:
        try:
            value = int(raw)
            if not self.low <= value <= self.high:
                raise OverflowError
        except ValueError:
            raise ValueError((self.message or _("应为整数：%(value)s")) % {"value": raw}) from None
        except OverflowError:
            text = self.message or _("应在 %(low)d 与 %(high)d 之间：%(value)s")
            raise ValueError(text % {"value": raw, "low": self.low, "high": self.high}) from None
        return value

    def narrow(self, queryset: QuerySet[Any], value: Any) -> QuerySet[Any]:
        return queryset.filter(**{f"{self.field}__{self.lookup}": value})


class Moment(Param):
    """A date (YYYY-MM-DD) or a date and time (YYYY-MM-DDTHH:MM[:SS], a space for the T) compared with ``lookup``
    against a date-time field; a date alone stands for the start of its day for gte, its end for lte."""

    empty = None
    _FORMATS = ("%Y-%m-%dT%H:%M", "%Y-%m-%dT%H:%M:%S", "%Y-%m-%d %H:%M", "%Y-%m-%d %H:%M:%S")

    def __init__(
        self, label: StrOrPromise, *, field: str = "", lookup: str = "gte", description: StrOrPromise = ""
    ) -> None:
        super().__init__(label, field=field, description=description)
        self.lookup = lookup

    def parse(self, raw: str) -> Any:
        from django.utils import timezone

        zone = timezone.get_current_timezone()
        for pattern in self._FORMATS:
            try:
                return dt.datetime.strptime(raw, pattern).replace(tzinfo=zone)
            except ValueError:
                continue
        try:
            day = dt.date.fromisoformat(raw)
        except ValueError:
            raise ValueError(
                _("请输入一个有效的日期或日期时间，例如 2024-05-01 或 2024-05-01T08:30：%(value)s") % {"value": raw}
            ) from None
        edge = dt.time.max if self.lookup in ("lte", "lt") else dt.time.min
        return dt.datetime.combine(day, edge, tzinfo=zone)

    def narrow(self, queryset: QuerySet[Any], value: Any) -> QuerySet[Any]:
        return queryset.filter(**{f"{self.field}__{self.lookup}": value})

    def write(self, value: Any) -> str:
        return str(value.isoformat())


class Flag(Param):
    """Yes or no (true/false, 1/0, 是/否)."""

    empty = None
    _TRUE = {"true", "1", "yes", "on", "是"}
    _FALSE = {"false", "0", "no", "off", "否"}

    def parse(self, raw: str) -> Any:
        key = raw.lower()
        if key in self._TRUE:
            return True
        if key in self._FALSE:
            return False
        raise ValueError(_("应为 true 或 false：%(value)s") % {"value": raw})

    def write(self, value: Any) -> str:
        return "true" if value else "false"


class FilterSet:
    """The filters of one list (subclass it: parameters as class attributes, ``orderings``, ``rows()``)."""

    params: ClassVar[dict[str, Param]] = {}
    # name → the order_by() fields; the first ordering is the default unless ``default_ordering`` says otherwise.
    orderings: ClassVar[dict[str, tuple[str, ...]]] = {}
    default_ordering: ClassVar[str] = ""
    ordering_label: ClassVar[str] = "排序"

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        found: dict[str, Param] = {}
        for klass in reversed(cls.__mro__):
            found.update({k: v for k, v in vars(klass).items() if isinstance(v, Param)})  # vars(): no __get__
        cls.params = found
        if cls.orderings and not cls.default_ordering:
            cls.default_ordering = next(iter(cls.orderings))

    def __init__(
        self, values: dict[str, Any] | None = None, ordering: str = "", errors: dict[str, str] | None = None
    ) -> None:
        self.values = dict(values or {})
        self.ordering = ordering or self.default_ordering
        self.errors = dict(errors or {})

    @classmethod
    def from_params(cls, params: Any) -> Self:
        """Read from a QueryDict or a dict; a bad value goes to ``errors`` (name → message) and filters nothing."""
        values: dict[str, Any] = {}
        errors: dict[str, str] = {}
        for name, param in cls.params.items():
            raw = params.get(name)
            if raw is None:
                continue
            raw = str(raw).strip()
            if not raw:
                continue
            try:
                values[name] = param.parse(raw)
            except ValueError as exc:
                errors[name] = str(exc)
        ordering = str(params.get("ordering") or "").strip()
        if ordering and ordering not in cls.orderings:
            errors["ordering"] = _("无效的排序：%(value)s") % {"value": ordering}
            ordering = ""
        return cls(values, ordering, errors)

    def rows(self, user: Any, queryset: QuerySet[Any] | None = None) -> QuerySet[Any]:
        """Every row of the list (of ``queryset`` when given) that ``user`` may see: the app's visibility rule,
        before filtering."""
        raise NotImplementedError

    def narrow(self, queryset: QuerySet[Any]) -> QuerySet[Any]:
        """``queryset`` narrowed by every value given (a parameter may override how it narrows)."""
        for name, value in self.values.items():
            custom: Callable[[QuerySet[Any], Any], QuerySet[Any]] | None = getattr(self, f"narrow_{name}", None)
            queryset = custom(queryset, value) if custom else self.params[name].narrow(queryset, value)
        return queryset

    def apply(self, user: Any, queryset: QuerySet[Any] | None = None) -> QuerySet[Any]:
        """The rows ``user`` may see (of ``queryset`` if given) that match, in the chosen order."""
        rows = self.narrow(self.rows(user, queryset))
        if self.ordering in self.orderings:
            rows = rows.order_by(*self.orderings[self.ordering])
        return rows

    def as_params(self) -> dict[str, str]:
        """The active filters as query parameters (for paging links and the API)."""
        out = {name: self.params[name].write(value) for name, value in self.values.items()}
        if self.ordering != self.default_ordering:
            out["ordering"] = self.ordering
        return out

    @property
    def active(self) -> bool:
        """Whether any filter (not only an ordering) is in force."""
        return bool(self.values)
