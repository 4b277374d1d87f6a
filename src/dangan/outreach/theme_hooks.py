"""Part themes' registrations (called from hooks.py): the OAI-PMH set family ``theme`` (specs ``theme:<slug>`` of
the published themes, members as the viewer may see them), and the automatic county of a place authority when it
is saved (matched by name; a county set by a person is kept)."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from django.db.models import QuerySet
from django.db.models.signals import post_save
from django.utils.translation import gettext_lazy

from dangan.catalog.choices import AuthorityKind
from dangan.catalog.models import Authority
from dangan.outreach.interchange.registry import SetFamily, register_set_family

PREFIX = "theme"


def list_sets(viewer: Any) -> Iterable[tuple[str, str, str]]:
    from dangan.outreach.theme_content import published_themes

    return [(f"{PREFIX}:{t.slug}", t.title, t.summary) for t in published_themes()]


def set_units(viewer: Any, spec: str) -> QuerySet[Any] | None:
    """The visible members of the published theme ``spec`` names (None: no such published theme)."""
    from dangan.outreach.theme_content import members, published_themes

    prefix, _sep, slug = spec.partition(":")
    if prefix != PREFIX or not slug:
        return None
    theme = published_themes().filter(slug=slug).first()
    if theme is None:
        return None
    return members(viewer, theme)


def _place_saved(sender: Any, instance: Authority, raw: bool = False, **kwargs: Any) -> None:
    if raw or instance.kind != AuthorityKind.PLACE:
        return
    from dangan.outreach.actions.themes import match_county

    match_county(instance)


def register_themes() -> None:
    register_set_family(SetFamily(PREFIX, str(gettext_lazy("专题数据库")), list_sets, set_units))
    post_save.connect(_place_saved, sender=Authority, dispatch_uid="outreach.themes.place_county")
    from dangan.catalog.demo import register_demo_step
    from dangan.outreach.theme_demo import load_demo_themes

    register_demo_step(load_demo_themes)
