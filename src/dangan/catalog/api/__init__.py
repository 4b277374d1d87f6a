"""The catalog's REST endpoints (django-ninja), mounted under /api/ by dangan.api.

Thin by design: each endpoint checks the caller's capability (core.roles), reads units only through
catalog.policy, and calls one action; the actions' errors become JSON (see core.api.ActionRouter).
"""

from dangan.core.api import ActionRouter

from . import authorities, disposals, fonds, imports, units

router = ActionRouter()
router.add_router("/", fonds.router)
router.add_router("/", units.router)
router.add_router("/", disposals.router)
router.add_router("/", authorities.router)
router.add_router("/", imports.router)

__all__ = ["router"]
