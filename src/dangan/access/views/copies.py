"""Views of the access app's copies part (docs/development/access.md)."""

from __future__ import annotations

from django.urls import URLPattern

public_urls: list[URLPattern] = []
account_urls: list[URLPattern] = []
manage_urls: list[URLPattern] = []
