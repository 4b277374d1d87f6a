"""Sweep declarations of the conservation app: one module per part (sweep_<part>.py, each with PAGES, ENDPOINTS and
EXCLUDED), gathered here; the start page is the app's own. See tests/sweep/__init__.py."""

from tests.sweep import Page, expect

from . import sweep_environment, sweep_restoration, sweep_stacks, sweep_surveys

# The start page: whoever holds CONSERVATION_VIEW (the archivists, the conservator, the head of conservation).
VIEW = expect(403, archivists=200, conservators=200)

_PARTS: tuple[object, ...] = (sweep_stacks, sweep_surveys, sweep_environment, sweep_restoration)
PAGES = [Page("conservation:home", VIEW)] + [route for part in _PARTS for route in getattr(part, "PAGES", [])]
ENDPOINTS = [route for part in _PARTS for route in getattr(part, "ENDPOINTS", [])]
EXCLUDED = {key: reason for part in _PARTS for key, reason in getattr(part, "EXCLUDED", {}).items()}
