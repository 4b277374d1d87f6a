"""The conservation app's REST API (operations under /api/conservation/): one router, each part adds its
operations in a module of its own (``api/<part>.py``, imported at the end of this file)."""

from ninja import Router

router = Router(tags=["conservation"])

from . import (
    stacks,  # noqa: F401  (part stacks)
    surveys,  # noqa: F401  part surveys
)
