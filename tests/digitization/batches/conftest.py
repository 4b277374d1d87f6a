"""Fixtures of the batch tests: a storage root and a staging folder per test, units with 档号 and 页数, and folders
of page images as scanners write them (rendered Chinese text pages, made with Pillow in the test)."""

from __future__ import annotations

import itertools
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from dangan.core.actors import CONSOLE
from tests.digitization.qc.pages import render_page, rotate, save

PAGE_SIZE = (640, 880)  # small pages at 300 dpi: the checks measure them as they would an A4 page, only faster


@pytest.fixture
def digitization_env(settings: Any, tmp_path: Path) -> dict[str, Path]:
    from dangan.preservation.store import storage_root

    settings.STORAGE_ROOT = tmp_path / "storage"
    settings.STORAGE_DURABLE = False
    settings.DIGITIZATION_ROOT = tmp_path / "digitization"
    settings.DIGITIZATION_WORKERS = 2
    storage_root()
    return {"storage": settings.STORAGE_ROOT, "staging": settings.DIGITIZATION_ROOT}


@pytest.fixture
def make_unit(fonds: Any, categories: Any) -> Callable[..., Any]:
    """make_unit(pages=3, classification="public") → an item with a 档号 and its 页数."""
    from dangan.catalog.actions.units import do_create_unit

    counter = itertools.count(1)

    def make(pages: int | None = 3, **extra: Any) -> Any:
        n = next(counter)
        data = {
            "title": f"中华苏维埃共和国临时中央政府布告（{n}）",
            "category": categories["WS"],
            "year": 1934,
            "retention": "Y",
            "organization": "BGS",
            "page_count": pages,
            **extra,
        }
        unit = do_create_unit(CONSOLE, fonds, data)
        assert unit.reference_code
        return unit

    return make


def page_image(seed: int = 0, *, skew: float = 0.0, dpi: int = 300) -> Any:
    image = render_page(size=PAGE_SIZE, seed=seed)
    return rotate(image, skew) if skew else image


def write_page(path: Path, seed: int = 0, *, skew: float = 0.0, dpi: int = 300) -> Path:
    return save(page_image(seed, skew=skew), path, dpi=dpi, compression="tiff_lzw")


@pytest.fixture
def scan_folder(tmp_path: Path) -> Callable[..., Path]:
    """scan_folder({"Z109-WS·1934-Y-BGS-0001": 3, …}, bad={(code, page): "skew"|"low_dpi"}) → a folder of unit
    folders, each with its pages 0001.tif … (distinct text per page)."""
    counter = itertools.count(1)

    def make(units: dict[str, int], bad: dict[tuple[str, int], str] | None = None, name: str = "") -> Path:
        root = tmp_path / (name or f"scans-{next(counter)}")
        seeds = itertools.count(1)
        for code, pages in units.items():
            for number in range(1, pages + 1):
                problem = (bad or {}).get((code, number), "")
                write_page(
                    root / code / f"{number:04d}.tif",
                    next(seeds),
                    skew=6.0 if problem == "skew" else 0.0,
                    dpi=150 if problem == "low_dpi" else 300,
                )
        root.mkdir(parents=True, exist_ok=True)
        return root

    return make


def grey_batch(name: str, fonds: Any, **extra: Any) -> Any:
    """A batch scanned in greyscale (the rendered pages are black on white)."""
    from dangan.digitization.actions.batches import do_create_batch

    return do_create_batch(CONSOLE, name, fonds, colour_mode="grey", **extra)
