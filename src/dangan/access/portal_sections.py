"""Sections that other apps add to the portal's home page (the thematic collections, 专题数据库, of the outreach app
to come) without the portal importing them: each registers a function that renders its section for a request, or
returns "" to show nothing. With none registered (or all empty) the home page shows no place for them at all.

A section shows units only through ``catalog.policy``, like every public page: the portal does not check what a
section renders."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from django.http import HttpRequest

__all__ = ["HomeSection", "clear_home_sections", "home_sections", "register_home_section", "render_home_sections"]


@dataclass(frozen=True)
class HomeSection:
    name: str
    render: Callable[[HttpRequest], str]  # request → HTML, already escaped ("" shows nothing)
    order: int = 50


_sections: dict[str, HomeSection] = {}


def register_home_section(name: str, render: Callable[[HttpRequest], str], order: int = 50) -> HomeSection:
    """Add (or replace, by ``name``) a section of the home page, placed by ``order`` among the others."""
    section = HomeSection(name, render, order)
    _sections[name] = section
    return section


def clear_home_sections(name: str | None = None) -> None:
    """Remove the section ``name`` (every section when None): for tests and for an app switched off."""
    if name is None:
        _sections.clear()
    else:
        _sections.pop(name, None)


def home_sections() -> list[HomeSection]:
    return sorted(_sections.values(), key=lambda s: (s.order, s.name))


def render_home_sections(request: HttpRequest) -> list[str]:
    """The sections' HTML in order, the empty ones left out."""
    rendered = (section.render(request) for section in home_sections())
    return [html for html in rendered if html]
