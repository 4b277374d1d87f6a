"""Fixtures every digitization test package shares."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest


@pytest.fixture
def storage(settings: Any, tmp_path: Path) -> Any:
    """A storage root and a derivatives cache of the test's own, without fsync."""
    from dangan.preservation.store import storage_root

    settings.STORAGE_ROOT = tmp_path / "storage"
    settings.STORAGE_DURABLE = False
    settings.DERIVATIVES_ROOT = tmp_path / "derivatives"
    return storage_root()
