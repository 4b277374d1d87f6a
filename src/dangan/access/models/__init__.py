"""The access app's models, one module per part (docs/development/access.md)."""

from .portal import ConsultingInfo
from .register import UseRecord
from .visits import Visit

__all__ = ["ConsultingInfo", "UseRecord", "Visit"]
