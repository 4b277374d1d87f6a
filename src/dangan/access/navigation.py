"""Links between the access app's parts: each part registers its entry in the readers' account menu and on the
staff's start page (hooks.py), so that no part's template names another's routes."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.urls import NoReverseMatch, reverse

from dangan.core.roles import Capability, has_capability
from dangan.utilities.registry import StrOrPromise


@dataclass(frozen=True)
class Link:
    url_name: str
    label: StrOrPromise
    order: int = 50
    capability: str | None = None  # staff links: the capability that shows it
    description: StrOrPromise = ""

    @property
    def url(self) -> str:
        return reverse(self.url_name)


# The capabilities of 利用: holding any of them opens the staff's start page (/manage/access/) and its menu entry.
STAFF_CAPABILITIES = (
    Capability.READERS,
    Capability.ACCESS_REVIEW,
    Capability.READING_ROOM,
    Capability.OPENNESS_REVIEW,
)

_account: list[Link] = []
_staff: list[Link] = []


def register_account_link(link: Link) -> None:
    """An entry of the readers' account menu (/account/)."""
    if link not in _account:
        _account.append(link)


def register_staff_link(link: Link) -> None:
    """A card on the staff's start page of 利用 (/manage/access/), shown to holders of ``link.capability``."""
    if link not in _staff:
        _staff.append(link)


def _resolvable(links: list[Link]) -> list[Link]:
    out = []
    for link in sorted(links, key=lambda x: (x.order, str(x.label))):
        try:
            reverse(link.url_name)
        except NoReverseMatch:
            continue
        out.append(link)
    return out


def account_links() -> list[Link]:
    return _resolvable(_account)


def staff_links(user: Any) -> list[Link]:
    return [link for link in _resolvable(_staff) if link.capability is None or has_capability(user, link.capability)]


def optional_url(name: str, *args: Any) -> str:
    """The URL of another part's route, or "" when there is no such route (a part left out of a deployment)."""
    try:
        return reverse(name, args=args)
    except NoReverseMatch:
        return ""
