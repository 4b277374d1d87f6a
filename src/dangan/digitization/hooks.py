"""Registers digitization's audit action types, menu entry, search full-text provider and deletion holds."""

from __future__ import annotations
