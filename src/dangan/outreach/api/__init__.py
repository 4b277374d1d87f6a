"""The outreach app's REST API: one router, each part adds its operations in a module of its own
(``api/<part>.py``, imported at the end of this file). Staff operations live under /api/outreach/…; the mini
program's read-only public API under /api/mini/… (no authentication; the portal's visibility rules)."""

from ninja import Router

router = Router(tags=["outreach"])

# Each part's operations, registered on ``router`` when imported: add yours to this line.
# (one line: "from . import <part>, <part>" with noqa E402 and F401, as conservation.api does)

from . import exhibitions, stories, themes  # noqa: E402, F401
