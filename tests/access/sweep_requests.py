"""Sweep declarations of the access app's requests part (gathered by tests/access/sweep.py)."""

from tests.sweep import Route

PAGES: list[Route] = []
ENDPOINTS: list[Route] = []
EXCLUDED: dict[str, str] = {}
