"""REST endpoints of the catalog (filled in below)."""

from ninja import Router

router = Router(tags=["目录 catalog"])
