"""Sweep declarations of the outreach app: one module per part (sweep_<part>.py, each with PAGES, ENDPOINTS and
EXCLUDED), gathered here; the start page is the app's own. See tests/sweep/__init__.py."""

from tests.sweep import Page, expect

from . import sweep_ead, sweep_exhibitions, sweep_oai, sweep_stories, sweep_themes, sweep_wechat

# The start page: whoever holds OUTREACH_EDIT (the archivists).
EDIT = expect(403, archivists=200)

_PARTS: tuple[object, ...] = (sweep_wechat, sweep_exhibitions, sweep_themes, sweep_ead, sweep_oai, sweep_stories)
PAGES = [Page("outreach:home", EDIT)] + [route for part in _PARTS for route in getattr(part, "PAGES", [])]
ENDPOINTS = [route for part in _PARTS for route in getattr(part, "ENDPOINTS", [])]
EXCLUDED = {key: reason for part in _PARTS for key, reason in getattr(part, "EXCLUDED", {}).items()}
