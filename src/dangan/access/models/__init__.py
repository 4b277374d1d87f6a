"""The access app's models, one module per part (docs/development/access.md)."""

from .readers import ReaderProfile, ReaderStatus
from .register import UseRecord
from .requests import AccessGrant, AccessRequest, RequestedUnit
from .visits import Visit

__all__ = ["AccessGrant", "AccessRequest", "ReaderProfile", "ReaderStatus", "RequestedUnit", "UseRecord", "Visit"]
