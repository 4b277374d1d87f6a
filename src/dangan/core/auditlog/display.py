"""How audit entries are shown to a reader (the audit log page and its export).

Every entry says who did what, when, to which object (its type and id): that is the auditor's work. What the entry
holds beyond that — the object's name, the values before and after, the details — is shown only as far as the reader
may see the object. core cannot ask the catalog's policy (it sits below it), so each app registers an
``AuditDescriber`` for its actions (in its hooks.py) that says, for a page of entries at once, which of them the
reader may read in full. An entry that no describer claims is shown without its content: a new app that forgets to
register leaks nothing.

The labels are Chinese: the action's registered label, the model's verbose name, each field's verbose name (or the
describer's label for keys that are not fields), and choice labels for values (密级, 开放状态, roles …).
"""

from __future__ import annotations

from collections.abc import Callable, Collection, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from django.apps import apps
from django.core.exceptions import FieldDoesNotExist
from django.db import models
from django.utils import timezone
from django.utils.functional import Promise
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from dangan.core.models import AuditEntry
from dangan.core.roles import has_capability
from dangan.utilities.registry import Registry, StrOrPromise

from .useragent import describe_user_agent

Readable = Callable[[Any, Sequence[AuditEntry]], Collection[int]]
# The labels of a key's values: a choices class (TextChoices, IntegerChoices) or a mapping value -> label.
ValueLabels = Any


@dataclass(frozen=True)
class AuditDescriber:
    """How the entries of some actions are shown.

    ``prefix`` is an action key ("catalog.export") or a prefix ending in a dot ("catalog.unit."); the most specific
    one describes an entry. ``readable(reader, entries)`` returns the ids of the entries whose content ``reader`` may
    read (it is called once per page, so it should look things up in bulk). ``labels`` names the keys of an entry's
    data that are not fields of its model; ``values`` gives the labels of values (a choices class or a mapping).
    """

    prefix: str
    readable: Readable
    labels: Mapping[str, StrOrPromise] = field(default_factory=dict)
    values: Mapping[str, ValueLabels] = field(default_factory=dict)


audit_describers = Registry[AuditDescriber]("audit describers")


def register_describer(describer: AuditDescriber) -> AuditDescriber:
    return audit_describers.register(describer.prefix, describer)


def describer_for(action: str) -> AuditDescriber | None:
    if action in audit_describers:
        return audit_describers.get(action)
    parts = action.split(".")
    for size in range(len(parts) - 1, 0, -1):
        prefix = ".".join(parts[:size]) + "."
        if prefix in audit_describers:
            return audit_describers.get(prefix)
    return None


def readable_by_all(reader: Any, entries: Sequence[AuditEntry]) -> Collection[int]:
    """For entries whose content anyone who may read the audit log may read (accounts, sign-ins, the log itself)."""
    return {entry.pk for entry in entries}


def readable_with(capability: str) -> Readable:
    """For entries whose content is as open as the pages of ``capability`` (e.g. fonds for catalog readers)."""

    def readable(reader: Any, entries: Sequence[AuditEntry]) -> Collection[int]:
        return {entry.pk for entry in entries} if has_capability(reader, capability) else set()

    return readable


# Keys recorded by many apps; an app's describer may name them otherwise.
COMMON_LABELS: dict[str, StrOrPromise] = {
    "ip": gettext_lazy("IP 地址"),
    "user_agent": gettext_lazy("客户端"),
    "username": gettext_lazy("用户名"),
    "name": gettext_lazy("名称"),
    "note": gettext_lazy("说明"),
    "reason": gettext_lazy("理由"),
    "message": gettext_lazy("说明"),
    "file": gettext_lazy("文件"),
    "format": gettext_lazy("格式"),
    "rows": gettext_lazy("行数"),
    "count": gettext_lazy("条数"),
    "status": gettext_lazy("状态"),
    "kind": gettext_lazy("类型"),
    "uuid": gettext_lazy("标识符"),
    "object_id": gettext_lazy("对象标识"),
    "version": gettext_lazy("版本"),
    "files": gettext_lazy("文件"),
    "bytes": gettext_lazy("字节数"),
    "path": gettext_lazy("路径"),
    "size": gettext_lazy("大小"),
}
_CHANGE_KEYS = ("before", "after")


@dataclass
class ChangeRow:
    key: str
    label: str
    before: str
    after: str


@dataclass
class EntryView:
    """One entry as ``reader`` may see it."""

    entry: AuditEntry
    action_label: str
    object_type_label: str
    withheld: bool
    object_text: str = ""
    changes: list[ChangeRow] = field(default_factory=list)
    changed_fields: list[str] = field(default_factory=list)  # labels only: shown even when the content is withheld
    details: list[tuple[str, str]] = field(default_factory=list)
    client: str = ""
    ip: str = ""

    @property
    def local_time(self) -> str:
        return timezone.localtime(self.entry.timestamp).strftime("%Y-%m-%d %H:%M:%S")

    def changes_text(self) -> str:
        """The changes as one line of text (the export)."""
        if self.withheld:
            fields = "、".join(self.changed_fields)
            return _("（内容不予显示）") + (_("涉及：%(fields)s") % {"fields": fields} if fields else "")
        return "；".join(f"{row.label}：{row.before or '—'} → {row.after or '—'}" for row in self.changes)

    def details_text(self) -> str:
        return "；".join(f"{label}：{value}" for label, value in self.details)


def present(entries: Iterable[AuditEntry], reader: Any) -> list[EntryView]:
    """``entries`` as ``reader`` may see them, labels in Chinese, content withheld where the reader may not see it."""
    from dangan.core.audit import action_label

    entries = list(entries)
    groups: dict[str, list[AuditEntry]] = {}
    for entry in entries:
        describer = describer_for(entry.action)
        if describer is not None:
            groups.setdefault(describer.prefix, []).append(entry)
    readable: set[int] = set()
    for prefix, members in groups.items():
        readable.update(audit_describers.get(prefix).readable(reader, members))
    return [_view(entry, entry.pk in readable, action_label(entry.action)) for entry in entries]


def _model(object_type: str) -> type[models.Model] | None:
    if not object_type:
        return None
    try:
        return apps.get_model(object_type)
    except (LookupError, ValueError):
        return None


def _view(entry: AuditEntry, readable: bool, action: str) -> EntryView:
    model = _model(entry.object_type)
    describer = describer_for(entry.action)
    labeller = _Labeller(model, describer)
    view = EntryView(
        entry=entry,
        action_label=action,
        object_type_label=str(model._meta.verbose_name) if model is not None else (entry.object_type or ""),
        withheld=not readable,
    )
    data = entry.data if isinstance(entry.data, dict) else {"": entry.data}
    before, after = data.get("before"), data.get("after")
    shaped = isinstance(before, dict | None) and isinstance(after, dict | None) and (before or after) is not None
    if shaped:
        keys = list(dict.fromkeys([*(before or {}).keys(), *(after or {}).keys()]))
        view.changed_fields = [labeller.label(key) for key in keys]
    elif "before" in data or "after" in data:
        view.changed_fields = [_("取值")]
    if not readable:
        return view
    view.object_text = entry.object_repr
    if shaped:
        b, a = before or {}, after or {}
        view.changes = [
            ChangeRow(
                key,
                labeller.label(key),
                labeller.text(key, b[key]) if key in b else "",
                labeller.text(key, a[key]) if key in a else "",
            )
            for key in dict.fromkeys([*b.keys(), *a.keys()])
        ]
    elif "before" in data or "after" in data:
        view.changes = [
            ChangeRow("", _("取值"), labeller.text("", data.get("before")), labeller.text("", data.get("after")))
        ]
    for key, value in data.items():
        if key in _CHANGE_KEYS:
            continue
        if key == "user_agent":
            view.client = describe_user_agent(str(value or ""))
        elif key == "ip":
            view.ip = str(value or "")
        else:
            view.details.append((labeller.label(key), labeller.text(key, value)))
    return view


class _Labeller:
    """Labels of an entry's keys and values: the describer's, then the model's fields, then the common ones."""

    def __init__(self, model: type[models.Model] | None, describer: AuditDescriber | None) -> None:
        self.model = model
        self.labels = describer.labels if describer else {}
        self.values = describer.values if describer else {}

    def _field(self, key: str) -> Any:
        if self.model is None or not key:
            return None
        try:
            return self.model._meta.get_field(key)
        except FieldDoesNotExist:
            return None

    def label(self, key: str) -> str:
        if key in self.labels:
            return str(self.labels[key])
        model_field = self._field(key)
        if model_field is not None and getattr(model_field, "verbose_name", None):
            return str(model_field.verbose_name)
        if key in COMMON_LABELS:
            return str(COMMON_LABELS[key])
        return key

    def _choice(self, key: str, value: Any) -> str | None:
        labels = self.values.get(key)
        if labels is not None:
            choices = getattr(labels, "choices", None)  # a choices class; else a mapping
            mapping = dict(choices) if choices is not None else labels
            if value in mapping:
                return str(mapping[value])
        model_field = self._field(key)
        if model_field is not None and getattr(model_field, "flatchoices", None):
            found = dict(model_field.flatchoices).get(value)
            if found is not None:
                return str(found)
        return None

    def text(self, key: str, value: Any) -> str:
        if value is None:
            return "—"
        if isinstance(value, bool):
            return _("是") if value else _("否")
        if isinstance(value, str | int | float):
            choice = self._choice(key, value)
            if choice is not None:
                return choice
            if isinstance(value, str):
                return value if value else _("（空）")
            return str(value)
        if isinstance(value, list | tuple):
            return "、".join(self.text(key, item) for item in value) or _("（无）")
        if isinstance(value, dict):
            return "；".join(f"{self.label(k)}：{self.text(k, v)}" for k, v in value.items()) or _("（无）")
        if isinstance(value, Promise):
            return str(value)
        return str(value)
