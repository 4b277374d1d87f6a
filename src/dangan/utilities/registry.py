"""Small registries through which lower apps learn about higher ones (menus, audit action types, indexes)."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Generic, TypeVar

from django.utils.functional import Promise

T = TypeVar("T")


class Registry(Generic[T]):
    """A named collection of items, registered once each by key."""

    def __init__(self, name: str) -> None:
        self.name = name
        self._items: dict[str, T] = {}

    def register(self, key: str, item: T) -> T:
        if key in self._items and self._items[key] is not item:
            raise KeyError(f"{self.name}: {key!r} is already registered")
        self._items[key] = item
        return item

    def get(self, key: str) -> T:
        return self._items[key]

    def __contains__(self, key: object) -> bool:
        return key in self._items

    def __iter__(self) -> Iterator[T]:
        return iter(self._items.values())

    def items(self) -> list[tuple[str, T]]:
        return list(self._items.items())


StrOrPromise = str | Promise  # a label: a plain string or gettext_lazy's


@dataclass(frozen=True)
class MenuItem:
    """One entry of the staff workspace navigation."""

    key: str
    label: StrOrPromise
    url_name: str
    capability: str | tuple[str, ...] | None = None  # a tuple: shown to holders of any of them
    order: int = 100
    active_prefixes: tuple[str, ...] = field(default_factory=tuple)


menu = Registry[MenuItem]("menu")


def register_menu_item(item: MenuItem) -> MenuItem:
    return menu.register(item.key, item)


def visible_menu(has_capability: Callable[[str], bool]) -> list[MenuItem]:
    def shown(item: MenuItem) -> bool:
        if item.capability is None:
            return True
        wanted = (item.capability,) if isinstance(item.capability, str) else item.capability
        return any(has_capability(c) for c in wanted)

    return sorted((m for m in menu if shown(m)), key=lambda m: m.order)
