"""Resuming an import as the scanners go on writing (and after a staged copy went missing), and the safety of an
uploaded .zip (nothing may land outside the staging folder)."""

from __future__ import annotations

import io
import zipfile
from pathlib import Path

import pytest
from django.core.exceptions import ValidationError

from dangan.core.actors import CONSOLE
from dangan.digitization.actions.importing import do_import_folder
from dangan.digitization.actions.uploads import unpack_zip
from dangan.digitization.models import PageScan

from .conftest import grey_batch, write_page

pytestmark = pytest.mark.django_db


def test_import_resumes_while_the_scanner_writes(digitization_env, fonds, make_unit, tmp_path: Path) -> None:
    unit = make_unit(pages=3)
    folder = tmp_path / "scans" / unit.reference_code
    write_page(folder / "0001.tif", 1)
    write_page(folder / "0002.tif", 2)
    batch = grey_batch("边扫边导", fonds)
    first = do_import_folder(CONSOLE, batch, folder.parent)
    assert first.checked == 2 and [p.check for p in first.problems] == ["page_count"]

    # The run was interrupted after the first page's copy, say: its staged file is gone.
    page_one = PageScan.objects.get(batch=batch, number=1)
    (batch.folder / page_one.path).unlink()
    write_page(folder / "0003.tif", 3)  # the scanner went on
    second = do_import_folder(CONSOLE, batch, folder.parent)
    assert second.ok, second.problems
    assert second.checked == 2 and second.skipped == 1  # page 1 staged again, page 3 new, page 2 untouched
    assert (batch.folder / PageScan.objects.get(batch=batch, number=1).path).is_file()


def _zip(entries: dict[str, bytes]) -> io.BytesIO:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as archive:
        for name, data in entries.items():
            archive.writestr(name, data)
    return out


@pytest.mark.parametrize("name", ["../evil.tif", "/abs/evil.tif", "a/../../evil.tif"])
def test_unsafe_zip_entries_are_refused(tmp_path: Path, name: str) -> None:
    source = tmp_path / "scans.zip"
    source.write_bytes(_zip({name: b"x"}).getvalue())
    with pytest.raises(ValidationError, match="目标目录之外"):
        unpack_zip(source, tmp_path / "out")
    assert not (tmp_path / "evil.tif").exists()


def test_a_damaged_zip_is_a_chinese_error(tmp_path: Path) -> None:
    source = tmp_path / "scans.zip"
    source.write_bytes(b"0123456789")
    with pytest.raises(ValidationError, match="已损坏"):
        unpack_zip(source, tmp_path / "out")
