"""Sweep declarations of the access app: one module per part (sweep_<part>.py, each with PAGES, ENDPOINTS and
EXCLUDED), gathered here. See tests/sweep/__init__.py."""

from tests.access import (
    sweep_copies,
    sweep_manage,
    sweep_openness,
    sweep_portal,
    sweep_readers,
    sweep_reading_room,
    sweep_register,
    sweep_requests,
)

_PARTS = (
    sweep_manage,
    sweep_portal,
    sweep_readers,
    sweep_requests,
    sweep_reading_room,
    sweep_copies,
    sweep_register,
    sweep_openness,
)
PAGES = [route for part in _PARTS for route in getattr(part, "PAGES", [])]
ENDPOINTS = [route for part in _PARTS for route in getattr(part, "ENDPOINTS", [])]
EXCLUDED = {key: reason for part in _PARTS for key, reason in getattr(part, "EXCLUDED", {}).items()}
