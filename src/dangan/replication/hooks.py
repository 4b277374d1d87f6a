"""What the replication app registers when Django is ready: its audit actions, the stores of each kind of target,
and its workspace menu entry. Each part adds its registrations here, one line each."""

from __future__ import annotations
