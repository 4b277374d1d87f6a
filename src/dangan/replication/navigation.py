"""The replication workspace's start page (/manage/replication/): each part registers its link here (hooks.py), so
that no part's template names another's routes and a part left out of a deployment leaves no dead link."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.urls import NoReverseMatch, reverse

from dangan.core.roles import Capability, has_capability
from dangan.utilities.registry import StrOrPromise

__all__ = ["Link", "home_links", "register_link"]


@dataclass(frozen=True)
class Link:
    url_name: str
    label: StrOrPromise
    order: int = 50
    capability: str = Capability.REPLICATION_VIEW
    description: StrOrPromise = ""

    @property
    def url(self) -> str:
        return reverse(self.url_name)


_links: list[Link] = []


def register_link(link: Link) -> None:
    """A link on the start page of 异地备份, shown to holders of ``link.capability``."""
    if link not in _links:
        _links.append(link)


def home_links(user: Any) -> list[Link]:
    """The registered links ``user`` may follow, in order; those whose route is not installed are left out."""
    out = []
    for link in sorted(_links, key=lambda x: (x.order, str(x.label))):
        try:
            reverse(link.url_name)
        except NoReverseMatch:
            continue
        if has_capability(user, link.capability):
            out.append(link)
    return out
