"""The conservation app's REST API (operations under /api/conservation/): one router, each part adds its
operations in a module of its own (``api/<part>.py``, imported at the end of this file)."""

from ninja import Router

router = Router(tags=["conservation"])

from . import restoration  # noqa: E402,F401  part restoration
