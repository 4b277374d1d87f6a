"""The batch workflow through its actions: the sample inspection and the acceptance threshold, rework of one page
without redoing the batch, the preserved package (masters in page order, PREMIS capture and QC events, a METS
physical structMap, valid METS), a unit the person may not see, and a stale version."""

from __future__ import annotations

from typing import Any

import pytest
from django.core.exceptions import ValidationError
from django.http import Http404
from lxml import etree

from dangan.core.actors import CONSOLE
from dangan.digitization.actions.batches import do_add_units, do_add_units_by_codes
from dangan.digitization.actions.importing import do_import_folder
from dangan.digitization.actions.inspection import (
    do_accept,
    do_record_verdict,
    do_replace_page,
    do_start_inspection,
    sample_pages,
    sample_size,
)
from dangan.digitization.actions.preserving import do_preserve_batch
from dangan.digitization.choices import BatchStatus, PageStatus
from dangan.digitization.models import Batch, PageScan
from dangan.preservation.actions.indexing import read_mets
from dangan.preservation.mets import validate_mets
from dangan.preservation.store import object_id_for, package_uuid_for_unit, storage_root

from .conftest import grey_batch, write_page

pytestmark = pytest.mark.django_db

METS = {"mets": "http://www.loc.gov/METS/", "premis": "http://www.loc.gov/premis/v3"}


def imported(fonds: Any, make_unit: Any, scan_folder: Any, pages: int = 4, **spec: Any) -> tuple[Batch, Any]:
    unit = make_unit(pages=pages)
    batch = grey_batch(f"批次{unit.pk}", fonds, **spec)
    result = do_import_folder(CONSOLE, batch, scan_folder({unit.reference_code: pages}))
    assert result.ok, result.problems
    batch.refresh_from_db()
    assert batch.status == BatchStatus.INSPECTING
    return batch, unit


def test_sample_is_at_least_the_percent_and_seeded_per_batch(digitization_env, fonds, make_unit, scan_folder) -> None:
    assert sample_size(100, 5) == 5 and sample_size(101, 5) == 6 and sample_size(3, 5) == 1
    batch, _unit = imported(fonds, make_unit, scan_folder, pages=4, sample_percent=50)
    first = [p.pk for p in sample_pages(batch, 1)]
    assert len(first) == 2 and first == [p.pk for p in sample_pages(batch, 1)]
    inspection = do_start_inspection(CONSOLE, batch)
    assert [i.page_id for i in inspection.items.all()] == first
    assert do_start_inspection(CONSOLE, batch).pk == inspection.pk  # the round in progress, not a new draw


def test_acceptance_threshold_then_preserve(digitization_env, fonds, make_unit, scan_folder) -> None:
    batch, unit = imported(fonds, make_unit, scan_folder, pages=4, sample_percent=100, accept_percent=75)
    inspection = do_start_inspection(CONSOLE, batch)
    items = list(inspection.items.all())
    with pytest.raises(ValidationError, match="未判定"):
        do_accept(CONSOLE, batch)
    for item in items[:3]:
        do_record_verdict(CONSOLE, item, "pass")
    with pytest.raises(ValidationError):
        do_record_verdict(CONSOLE, items[3], "fail")  # a failure needs its reason
    do_record_verdict(CONSOLE, items[3], "fail", "页面模糊")
    batch = do_accept(CONSOLE, batch)
    assert batch.status == BatchStatus.ACCEPTED  # 3 of 4 = 75 % ≥ 75 %
    preserved = do_preserve_batch(CONSOLE, batch)
    assert [b.unit_id for b in preserved] == [unit.pk]
    batch.refresh_from_db()
    assert batch.status == BatchStatus.PRESERVED

    data, record = read_mets(storage_root(), object_id_for(package_uuid_for_unit(unit.uuid)))
    assert validate_mets(data) == []
    root = etree.fromstring(data)
    physical = root.find("mets:structMap[@TYPE='physical']", METS)
    assert physical is not None
    pages = physical.findall(".//mets:div[@TYPE='page']", METS)
    assert [p.get("ORDER") for p in pages] == ["1", "2", "3", "4"]
    files = {
        f.get("ID"): f.find("mets:FLocat", METS).get("{http://www.w3.org/1999/xlink}href")
        for f in root.iterfind(".//mets:file", METS)
    }
    assert [files[p.find("mets:fptr", METS).get("FILEID")] for p in pages] == [
        f"content/masters/{n:04d}.tif" for n in range(1, 5)
    ]
    types = [e.type for e in record.events]
    assert "capture" in types and "validation" in types
    qc = next(e for e in record.events if e.type == "validation" and "图像质量检查" in e.detail)
    assert "dpi" in qc.outcome_detail and "合格率 75.0%" in qc.outcome_detail


def test_failed_sample_returns_the_batch_and_one_page_is_reworked(
    digitization_env, fonds, make_unit, scan_folder, tmp_path
) -> None:
    batch, _unit = imported(fonds, make_unit, scan_folder, pages=3, sample_percent=40)
    inspection = do_start_inspection(CONSOLE, batch)
    (item,) = [*inspection.items.all()][:1]
    for other in inspection.items.exclude(pk=item.pk):
        do_record_verdict(CONSOLE, other, "pass")
    do_record_verdict(CONSOLE, item, "fail", "缺角")
    batch = do_accept(CONSOLE, batch)
    assert batch.status == BatchStatus.REWORK
    page = PageScan.objects.get(pk=item.page_id)
    assert page.status == PageStatus.REWORK
    others = {p.pk: (p.sha256, p.updated) for p in PageScan.objects.filter(batch=batch).exclude(pk=page.pk)}

    replacement = write_page(tmp_path / "rescan" / page.original_name, 77)
    page = do_replace_page(CONSOLE, page, replacement)
    assert page.status == PageStatus.PASSED and page.revision == 1
    assert {p.pk: (p.sha256, p.updated) for p in PageScan.objects.filter(batch=batch).exclude(pk=page.pk)} == others
    batch.refresh_from_db()
    assert batch.status == BatchStatus.INSPECTING
    second = do_start_inspection(CONSOLE, batch)
    assert second.round == 2


def test_a_unit_the_person_may_not_see_cannot_be_added(digitization_env, fonds, make_unit, junior_archivist) -> None:
    secret = make_unit(classification="secret")
    batch = grey_batch("密级批次", fonds)
    with pytest.raises(Http404):
        do_add_units(junior_archivist, batch, [secret])
    with pytest.raises(ValidationError, match="没有这些档号"):
        do_add_units_by_codes(junior_archivist, batch, [secret.reference_code])


def test_a_unit_the_person_may_not_see_is_not_imported(
    digitization_env, fonds, make_unit, scan_folder, junior_archivist
) -> None:
    secret = make_unit(pages=1, classification="secret")
    batch = grey_batch("密级导入", fonds)
    result = do_import_folder(junior_archivist, batch, scan_folder({secret.reference_code: 1}))
    assert [p.check for p in result.problems] == ["reference_code"]
    assert not PageScan.objects.filter(batch=batch).exists()


def test_stale_version_is_a_conflict(digitization_env, fonds, make_unit) -> None:
    batch = grey_batch("并发批次", fonds)
    unit = make_unit()
    with pytest.raises(ValidationError) as caught:
        do_add_units(CONSOLE, batch, [unit], expected_version=batch.version + 5)
    assert caught.value.code == "conflict"
    do_add_units(CONSOLE, batch, [unit], expected_version=batch.version)
