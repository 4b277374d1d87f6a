"""The access app's models, one module per part (docs/development/access.md)."""

from .readers import ReaderProfile, ReaderStatus
from .register import UseRecord
from .visits import Visit

__all__ = ["ReaderProfile", "ReaderStatus", "UseRecord", "Visit"]
