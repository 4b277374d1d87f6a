"""Photographs are never half-written: `dangan conservation restoration photos` runs in a real child process and is
killed (SIGKILL) while the version is written and after it is stored but before the database knows it; storage
holds the old object or the new one, no photograph row names a version that is not there, and running the command
again finishes the job with exactly one new version."""

from __future__ import annotations

import hashlib
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from django.utils import timezone

from dangan.cli import main
from dangan.conservation.actions import restoration as actions
from dangan.conservation.actions.condition import do_record_condition
from dangan.conservation.choices import ConditionSource
from dangan.conservation.models import WorkOrderPhotograph
from dangan.preservation.models import PackageFile, PackageVersion
from tests.preservation.conftest import jpeg_bytes, run_dangan


@pytest.fixture
def storage(settings: Any, tmp_path: Path) -> Any:
    from dangan.preservation.store import storage_root

    settings.STORAGE_ROOT = tmp_path / "storage"
    settings.STORAGE_DURABLE = False
    return storage_root()


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("crash_at", ["ocfl.content-file:2", "preservation.stored:1"])
def test_photographs_killed_while_stored_are_finished_once_by_a_rerun(
    crash_at: str, conservator: Any, conservation_head: Any, make_unit: Any, storage: Any, tmp_path: Path
) -> None:
    unit = make_unit()
    do_record_condition(conservator, unit, {"mould": 35}, ConditionSource.SURVEY)
    order = actions.do_create_work_order(conservator, unit, ["cleaning"])
    order = actions.do_submit(conservator, order, order.version)
    order = actions.do_approve(conservation_head, order, order.version)
    order = actions.do_start_treatment(conservator, order, order.version, timezone.localdate() + timedelta(days=5))
    photos = []
    for n in (1, 2, 3):
        path = tmp_path / f"DSC_{n:04d}.jpg"
        path.write_bytes(jpeg_bytes(n))
        photos.append(str(path))
    args = ["conservation", "restoration", "photos", order.number, "--stage", "before", *photos]

    child = run_dangan(args, Path(storage.backend.describe()), crash_at=crash_at)
    assert child.returncode == -9, child.stderr
    assert not WorkOrderPhotograph.objects.filter(order=order).exists()  # no row before the version is known
    versions = PackageVersion.objects.filter(package__unit=unit).count()
    assert versions == 0

    assert main(args) == 0  # the rerun
    assert PackageVersion.objects.filter(package__unit=unit).count() == 1  # exactly one new version
    kept = list(WorkOrderPhotograph.objects.filter(order=order).order_by("number"))
    assert [p.number for p in kept] == [1, 2, 3]
    for photo, source in zip(kept, photos, strict=True):
        expected = hashlib.sha256(Path(source).read_bytes()).hexdigest()
        row = PackageFile.objects.get(version__package__unit=unit, logical_path=photo.logical_path)
        assert photo.sha256 == row.sha256 == expected
        assert photo.package_version == "v1"
    assert main(args) == 1  # the same photographs again: refused, the package unchanged
    assert PackageVersion.objects.filter(package__unit=unit).count() == 1
    assert WorkOrderPhotograph.objects.filter(order=order).count() == 3
