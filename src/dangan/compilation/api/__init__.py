"""The compilation app's REST API (under /api/compilations…): one router, each part adds its operations in a module
of its own (``api/<part>.py``, imported at the end of this file)."""

from ninja import Router

router = Router(tags=["compilation"])

# Each part's operations, registered on ``router`` when imported: add yours to this line.
# (one line: "from . import <part>, <part>" with noqa E402 and F401, as conservation.api does)
from . import volumes  # noqa: E402, F401  (part volumes)
