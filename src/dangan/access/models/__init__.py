"""The access app's models, one module per part (docs/development/access.md)."""

from .copies import CopyRequest
from .openness import OpennessDecision, OpennessReview, OpennessTerm
from .portal import ConsultingInfo
from .readers import ReaderProfile, ReaderStatus
from .reading_room import Booking, ReadingRoom, Retrieval, Seat, TimeSlot
from .register import UseRecord
from .requests import AccessGrant, AccessRequest, RequestedUnit
from .visits import Visit

__all__ = [
    "AccessGrant",
    "AccessRequest",
    "Booking",
    "ConsultingInfo",
    "CopyRequest",
    "OpennessDecision",
    "OpennessReview",
    "OpennessTerm",
    "ReaderProfile",
    "ReaderStatus",
    "ReadingRoom",
    "RequestedUnit",
    "Retrieval",
    "Seat",
    "TimeSlot",
    "UseRecord",
    "Visit",
]
