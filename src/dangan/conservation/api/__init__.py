"""The conservation app's REST API (operations under /api/conservation/): one router, each part adds its
operations in a module of its own (``api/<part>.py``, imported at the end of this file)."""

from ninja import Router

router = Router(tags=["conservation"])

# The parts' operations (each an ActionRouter of its own module).
from . import environment  # noqa: E402

router.add_router("/", environment.router)
