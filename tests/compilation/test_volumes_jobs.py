"""Part volumes: export jobs run by the task with a test-only writer (tests/compilation/writers.py) — the file kept
under the export folder, progress recorded, a job left running re-run, a failure recorded with nothing half-written,
the download limited to those who may see every unit in the file — and the CLI."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from dangan.compilation.actions import volumes as A
from dangan.compilation.models import Compilation, ExportJob, ExportState
from dangan.compilation.tasks.volumes import export_task
from dangan.core.choices import Role, SecurityClassification
from tests.compilation import writers
from tests.helpers import account, client_for

pytestmark = pytest.mark.django_db


@pytest.fixture
def export(django_capture_on_commit_callbacks: Any) -> Any:
    """export(actor, volume, format, **options) → the job, run by the task as the worker would (on commit)."""

    def run(actor: Any, book: Compilation, fmt: str, **options: Any) -> ExportJob:
        with django_capture_on_commit_callbacks(execute=True):
            job = A.do_request_export(actor, book, fmt, **options)
        job.refresh_from_db()
        return job

    return run


@pytest.fixture
def chief(db: Any) -> Any:
    return account(Role.ARCHIVIST, SecurityClassification.TOP_SECRET)


@pytest.fixture
def junior(db: Any) -> Any:
    return account(Role.ARCHIVIST, SecurityClassification.PUBLIC)


@pytest.fixture
def volume(chief: Any, make_unit: Any) -> Compilation:
    book = A.do_create_compilation(chief, {"title": "遵义会议档案选编", "preface": "前言"})
    for n in range(1, 4):
        A.do_add_entry(chief, book, str(make_unit(f"公开文件{n}").uuid))
    A.do_add_entry(chief, book, str(make_unit("秘密电报", classification=SecurityClassification.SECRET).uuid))
    return book


def test_job_runs_keeps_the_file_and_records_progress(
    export: Any, chief: Any, volume: Compilation, export_root: Path
) -> None:
    job = export(chief, volume, "pdf", vertical=True)
    job.refresh_from_db()
    assert job.state == ExportState.DONE and job.vertical
    assert (job.done, job.total, job.documents, job.left_out) == (4, 4, 4, 0)
    text = (export_root / job.file).read_text(encoding="utf-8")
    assert "4. 秘密电报" in text and "前言" in text
    assert list(export_root.iterdir()) == [export_root / job.file]  # no temporary file left


def test_a_job_left_running_is_run_again(export: Any, chief: Any, volume: Compilation, export_root: Path) -> None:
    writers.FAIL_AFTER[:] = [2]
    try:
        job = export(chief, volume, "epub")
    finally:
        writers.FAIL_AFTER.clear()
    job.refresh_from_db()
    assert job.state == ExportState.FAILED and "writer stopped" in job.error
    assert not any(export_root.iterdir())  # nothing half-written kept
    # A worker died under a running job: the worker queues it again, and it runs from the start.
    ExportJob.objects.filter(pk=job.pk).update(state=ExportState.RUNNING, done=2, error="")
    assert export_task.call(job.pk) == ExportState.DONE
    job.refresh_from_db()
    assert (job.state, job.done, job.total) == (ExportState.DONE, 4, 4)
    assert export_task.call(job.pk) == "skipped"  # a finished job is not run twice


def test_the_file_holds_what_its_requester_may_see(
    export: Any, chief: Any, junior: Any, volume: Compilation, export_root: Path
) -> None:
    job = export(junior, volume, "docx")
    job.refresh_from_db()
    assert (job.state, job.documents, job.left_out) == (ExportState.DONE, 3, 1)
    assert "秘密电报" not in (export_root / job.file).read_text(encoding="utf-8")
    url = f"/manage/compilation/exports/{job.uuid}/download"
    assert client_for(junior).get(url).status_code == 200
    assert client_for(chief).get(url).status_code == 200
    # The chief's file holds the 秘密 unit: the junior archivist may not download it.
    full = export(chief, volume, "docx")
    full.refresh_from_db()
    hidden = f"/manage/compilation/exports/{full.uuid}/download"
    response = client_for(chief).get(hidden)
    assert response.status_code == 200 and b"".join(response.streaming_content).decode().count("秘密电报") == 1
    assert client_for(junior).get(hidden).status_code == 404
    assert client_for(Role.READER).get(hidden).status_code == 403
    page = client_for(junior).get(f"/manage/compilation/volumes/{volume.pk}/exports").content.decode()
    assert str(full.uuid) not in page and str(job.uuid) in page


def test_api_starts_an_export_and_reads_its_status(
    chief: Any, junior: Any, volume: Compilation, django_capture_on_commit_callbacks: Any
) -> None:
    client = client_for(junior)
    with django_capture_on_commit_callbacks(execute=True):
        answer = client.post(
            f"/api/compilations/{volume.pk}/exports", {"format": "pdf"}, content_type="application/json"
        )
    assert answer.status_code == 202, answer.content
    status = client.get(f"/api/compilations/{volume.pk}/exports/{answer.json()['id']}").json()
    assert status["state"] == "done" and status["left_out"] == 1 and status["download"]
    bad = client.post(f"/api/compilations/{volume.pk}/exports", {"format": "rtf"}, content_type="application/json")
    assert bad.status_code == 422 and "pdf" in bad.json()["detail"] + json.dumps(bad.json(), ensure_ascii=False)
    detail = client.get(f"/api/compilations/{volume.pk}").json()
    assert detail["hidden_entries"] == 1
    assert [e["heading"] for s in detail["sections"] for e in s["entries"]] == ["公开文件1", "公开文件2", "公开文件3"]
    assert "秘密电报" not in json.dumps(detail, ensure_ascii=False)
    hidden = volume.entries.get(heading="秘密电报")
    assert client.get(f"/api/compilations/{volume.pk}/entries/{hidden.pk}").status_code == 404
    assert client_for(chief).get(f"/api/compilations/{volume.pk}/entries/{hidden.pk}").json()["heading"] == "秘密电报"
    assert client.get("/api/compilations").json()["items"][0]["title"] == "遵义会议档案选编"
    assert client_for(Role.READER).get("/api/compilations").status_code == 403


def test_cli_list_and_export(chief: Any, junior: Any, volume: Compilation, tmp_path: Path, capsys: Any) -> None:
    from dangan.cli import main

    assert main(["compilation", "list", "--json"]) == 0
    rows = json.loads(capsys.readouterr().out)
    assert rows[0]["id"] == volume.pk and rows[0]["entries"] == 4
    out = tmp_path / "book.pdf"
    assert main(["compilation", "export", str(volume.pk), "--format", "pdf", "-o", str(out), "--quiet"]) == 0
    assert "秘密电报" in out.read_text(encoding="utf-8")
    limited = tmp_path / "limited.epub"
    code = main(
        ["compilation", "export", str(volume.pk), "--format", "epub", "-o", str(limited), "--as", junior.username]
    )
    assert code == 0 and "秘密电报" not in limited.read_text(encoding="utf-8")
    assert "1 件无权查看未收录" in capsys.readouterr().out
    assert main(["compilation", "export", "999", "--format", "pdf", "-o", str(out)]) == 2
    assert main(["compilation", "export", str(volume.pk), "--format", "pdf", "-o", str(out), "--as", "nobody"]) == 2
    reader = account(Role.READER)
    assert (
        main(["compilation", "export", str(volume.pk), "--format", "pdf", "-o", str(out), "--as", reader.username]) == 2
    )
    writers.FAIL_AFTER[:] = [1]
    try:
        failed = tmp_path / "failed.docx"
        assert main(["compilation", "export", str(volume.pk), "--format", "docx", "-o", str(failed), "--quiet"]) == 1
    finally:
        writers.FAIL_AFTER.clear()
    assert not failed.exists() and sorted(p.name for p in tmp_path.iterdir() if p.name.endswith(".part")) == []


def test_a_requester_who_may_no_longer_export_gets_a_failed_job(junior: Any, volume: Compilation) -> None:
    from dangan.core.models import User

    job = A.do_request_export(junior, volume, "pdf", enqueue=False)
    User.objects.filter(pk=junior.pk).update(role=Role.READER)
    assert export_task.call(job.pk) == "refused"
    job.refresh_from_db()
    assert job.state == ExportState.FAILED and "编研" in job.error and not job.file
