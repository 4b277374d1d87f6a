"""The access app's models, one module per part (docs/development/access.md)."""

from .openness import OpennessDecision, OpennessReview, OpennessTerm
from .register import UseRecord
from .visits import Visit

__all__ = ["OpennessDecision", "OpennessReview", "OpennessTerm", "UseRecord", "Visit"]
