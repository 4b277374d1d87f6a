"""Fixtures of the accession tests: a storage root, a work area and a local ClamAV signature per test, and sample
packages in the SIP profile built in temporary folders."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest


@pytest.fixture
def accession_env(settings: Any, tmp_path: Path, fonds: Any) -> dict[str, Path]:
    """Storage root, work area and a ClamAV signature directory that knows the EICAR test file."""
    from dangan.accession.samples import write_eicar_signature
    from dangan.preservation.store import storage_root

    settings.STORAGE_ROOT = tmp_path / "storage"
    settings.STORAGE_DURABLE = False
    settings.ACCESSION_ROOT = tmp_path / "accession"
    settings.CLAMAV_DB = tmp_path / "clamav"
    settings.ACCESSION_WORKERS = 1
    write_eicar_signature(settings.CLAMAV_DB)
    storage_root()
    return {"storage": settings.STORAGE_ROOT, "work": settings.ACCESSION_ROOT, "clamav": settings.CLAMAV_DB}


@pytest.fixture
def no_signatures(settings: Any, tmp_path: Path) -> Path:
    empty = tmp_path / "no-signatures"
    empty.mkdir()
    settings.CLAMAV_DB = empty
    return empty


@pytest.fixture
def make_sip(tmp_path: Path) -> Callable[..., Path]:
    """make_sip(items=None, name="sip", **options) → a bag in the SIP profile (see dangan.accession.samples)."""
    from dangan.accession.samples import make_sample_sip

    counter = iter(range(1, 1000))

    def make(items: Any = None, name: str = "", **options: Any) -> Path:
        return make_sample_sip(tmp_path / (name or f"sip-{next(counter)}"), items, **options)

    return make
