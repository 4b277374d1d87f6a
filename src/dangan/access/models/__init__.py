"""The access app's models, one module per part (docs/development/access.md)."""

from .register import UseRecord
from .visits import Visit

__all__ = ["UseRecord", "Visit"]
