"""Sweep declarations of the replication app: one module per part (sweep_<part>.py, each with PAGES, ENDPOINTS and
EXCLUDED), gathered here. See tests/sweep/__init__.py."""

from tests.replication import (
    sweep_audits,
    sweep_discs,
    sweep_drills,
    sweep_identity,
    sweep_partners,
    sweep_protocol,
    sweep_repair,
    sweep_targets,
    sweep_transfers,
)

_PARTS = (
    sweep_identity,
    sweep_partners,
    sweep_protocol,
    sweep_targets,
    sweep_transfers,
    sweep_discs,
    sweep_audits,
    sweep_repair,
    sweep_drills,
)
PAGES = [route for part in _PARTS for route in getattr(part, "PAGES", [])]
ENDPOINTS = [route for part in _PARTS for route in getattr(part, "ENDPOINTS", [])]
EXCLUDED = {key: reason for part in _PARTS for key, reason in getattr(part, "EXCLUDED", {}).items()}
