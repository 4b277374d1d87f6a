"""An app's start page made of links its parts register (hooks.py), so that no part's template names another's
routes and a part left out of a deployment leaves no dead link. Used by 异地备份 (replication) and 保管保护
(conservation)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django.urls import NoReverseMatch, reverse

from dangan.utilities.registry import StrOrPromise

__all__ = ["Link", "StartPage"]


@dataclass(frozen=True)
class Link:
    url_name: str
    label: StrOrPromise
    order: int = 50
    capability: str = ""  # blank: the start page's own capability
    description: StrOrPromise = ""

    @property
    def url(self) -> str:
        return reverse(self.url_name)


class StartPage:
    """The links of one app's start page; ``capability`` is what a link asks for when it names none, ``allowed``
    answers whether a user holds a capability (core.roles.has_capability: utilities does not import core)."""

    def __init__(self, capability: str, allowed: Callable[[Any, str], bool]) -> None:
        self.capability = capability
        self.allowed = allowed
        self._links: list[Link] = []

    def register(self, link: Link) -> None:
        if link not in self._links:
            self._links.append(link)

    def links(self, user: Any) -> list[Link]:
        """The registered links ``user`` may follow, in order; those whose route is not installed are left out."""
        out = []
        for link in sorted(self._links, key=lambda x: (x.order, str(x.label))):
            try:
                reverse(link.url_name)
            except NoReverseMatch:
                continue
            if self.allowed(user, link.capability or self.capability):
                out.append(link)
        return out
