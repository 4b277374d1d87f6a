"""The conservation app's REST API (operations under /api/conservation/): one router, each part adds its
operations in a module of its own (``api/<part>.py``, imported at the end of this file)."""

from ninja import Router

router = Router(tags=["conservation"])

# Each part's operations, registered on ``router`` when imported: add yours to this line (part environment
# has a router of its own, added below).
from . import environment, restoration, stacks, surveys  # noqa: E402, F401

router.add_router("/", environment.router)
