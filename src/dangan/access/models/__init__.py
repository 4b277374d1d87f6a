"""The access app's models, one module per part (docs/development/access.md)."""

from .reading_room import Booking, ReadingRoom, Retrieval, Seat, TimeSlot
from .register import UseRecord
from .visits import Visit

__all__ = ["Booking", "ReadingRoom", "Retrieval", "Seat", "TimeSlot", "UseRecord", "Visit"]
