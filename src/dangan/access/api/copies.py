"""API of the access app's copies part, under /api/access/ (docs/development/api.md)."""

from __future__ import annotations

from ninja import Router

router = Router(tags=["access"])
