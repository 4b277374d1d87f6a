"""`dangan ocr --unit` and `--batch`: exit codes, the JSON report, a job queued for the worker, and a run killed
with SIGKILL in a real child process that a rerun finishes from the next page."""

from __future__ import annotations

import json
from typing import Any

import pytest

from dangan.cli import main
from dangan.digitization.models import OcrRun, PageText

pytestmark = pytest.mark.django_db


def test_ocr_of_a_unit_exit_codes_and_json(digitized_unit: Any, make_unit: Any, capsys: Any) -> None:
    assert main(["ocr", "--unit", "Z109-WS·1999-Y-BGS-9999"]) == 2
    assert "找不到" in capsys.readouterr().err
    assert main(["ocr", "--unit", make_unit().reference_code]) == 2  # no pages
    assert "没有已保存的页面图像" in capsys.readouterr().err

    assert main(["ocr", "--unit", digitized_unit.reference_code, "--json"]) == 0
    report = json.loads(capsys.readouterr().out)
    assert report["status"] == "done" and report["pages_total"] == 2 and report["pages_skipped"] == 0
    assert PageText.objects.filter(unit=digitized_unit).count() == 2

    assert main(["ocr", "--unit", str(digitized_unit.uuid), "--json"]) == 0  # by UUID: nothing left to read
    assert json.loads(capsys.readouterr().out)["pages_skipped"] == 2


def test_background_queues_the_job(digitized_unit: Any, settings: Any, capsys: Any) -> None:
    settings.TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}
    assert main(["ocr", "--unit", digitized_unit.reference_code, "--background"]) == 0
    assert "已排队" in capsys.readouterr().out
    run = OcrRun.objects.get()
    assert run.status == "queued" and run.unit == digitized_unit
    assert not PageText.objects.exists()


def test_ocr_of_an_unknown_batch_is_a_usage_error(storage: Any, capsys: Any) -> None:
    assert main(["ocr", "--batch", "无此批次"]) == 2
    assert "找不到批次" in capsys.readouterr().err


@pytest.mark.django_db(transaction=True)
def test_a_killed_run_resumes_from_the_next_page(digitized_unit: Any, storage: Any, tmp_path: Any) -> None:
    from django.conf import settings

    from tests.preservation.conftest import run_dangan

    killed = run_dangan(
        ["ocr", "--unit", digitized_unit.reference_code],
        settings.STORAGE_ROOT,
        crash_at="digitization.ocr.page:1",
    )
    assert killed.returncode == -9
    assert list(PageText.objects.filter(unit=digitized_unit).values_list("page", flat=True)) == [1]
    assert OcrRun.objects.get().status == "running"

    rerun = run_dangan(["ocr", "--unit", digitized_unit.reference_code, "--json"], settings.STORAGE_ROOT)
    assert rerun.returncode == 0, rerun.stderr
    report = json.loads(rerun.stdout)
    assert (report["pages_skipped"], report["pages_total"], report["status"]) == (1, 2, "done")
    assert OcrRun.objects.count() == 1  # the same job, resumed
    assert PageText.objects.filter(unit=digitized_unit).count() == 2


def test_ocr_of_a_batch_reads_every_unit_and_reports_the_ones_that_fail(
    digitized_unit: Any, make_unit: Any, fonds: Any, capsys: Any
) -> None:
    from dangan.digitization.models import Batch, BatchUnit

    not_scanned = make_unit()
    batch = Batch.objects.create(name="2026-红色档案-01", fonds=fonds)
    for position, unit in enumerate((digitized_unit, not_scanned), start=1):
        BatchUnit.objects.create(batch=batch, unit=unit, reference_code=unit.reference_code, position=position)

    assert main(["ocr", "--batch", batch.name, "--json"]) == 1
    report = json.loads(capsys.readouterr().out)
    assert (report["batch"], report["status"], report["units_total"], report["units_done"]) == (
        batch.name,
        "failed",
        2,
        1,
    )
    assert report["pages_done"] == 2 and not_scanned.reference_code in report["errors"][0]
    assert PageText.objects.filter(unit=digitized_unit).count() == 2
