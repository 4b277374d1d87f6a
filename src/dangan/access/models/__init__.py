"""The access app's models, one module per part (docs/development/access.md)."""

from .copies import CopyRequest
from .register import UseRecord
from .visits import Visit

__all__ = ["CopyRequest", "UseRecord", "Visit"]
