"""Digitization endpoints (django-ninja), mounted under /api/ by dangan.api."""

from __future__ import annotations

from dangan.core.api import ActionRouter

router = ActionRouter(tags=["数字化 digitization"], by_alias=True)
