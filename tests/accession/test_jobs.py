"""A transfer has at most one background job, queued by the actions (never by a view): starting a check while one
is queued or running is refused, and so is accepting, rejecting or returning it meanwhile; a job the queue gave up
on (a worker killed, the job failed) no longer blocks. Run against the real database queue and its worker."""

from __future__ import annotations

import os
import socket
import threading
from pathlib import Path
from typing import Any

import pytest
from django.core.exceptions import ValidationError
from django.test import Client
from django.urls import reverse

from dangan.accession.actions.checking import do_check, do_sign_item
from dangan.accession.actions.jobs import active_task, do_queue_accept, do_queue_check
from dangan.accession.actions.receiving import do_receive
from dangan.accession.choices import CheckResult, TransferStatus, TransferTask
from dangan.accession.models import Transfer
from dangan.accession.samples import default_items
from tests.conftest import PASSWORD

DATABASE_QUEUE = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}


def run_queued_jobs() -> None:
    """What `dangan worker` does with the queue, until it is empty, in this thread."""
    from django_tasks_db.management.commands.db_worker import Worker

    Worker(
        queue_names=["*"],
        interval=0,
        batch=True,
        backend_name="default",
        startup_delay=False,
        max_tasks=None,
        worker_id=f"{socket.gethostname()}-{os.getpid()}-{threading.get_ident()}"[:64],
        excluded_queue_names=[],
    ).run()


def login(user: Any) -> Client:
    client = Client()
    assert client.login(username=user.username, password=PASSWORD)
    return client


@pytest.fixture
def checked(accession_env: dict[str, Path], make_sip: Any, fonds: Any, archivist: Any) -> Transfer:
    transfer = do_receive(archivist, make_sip(default_items(2)))
    report = do_check(archivist, transfer)
    for item in report.items.filter(result=CheckResult.MANUAL):
        do_sign_item(archivist, item, CheckResult.PASS)
    transfer.refresh_from_db()
    return transfer


@pytest.mark.django_db(transaction=True)
def test_a_check_is_not_queued_twice(checked: Transfer, archivist: Any, settings: Any) -> None:
    from django_tasks_db.models import DBTaskResult

    settings.TASKS = DATABASE_QUEUE
    client = login(archivist)
    url = f"/api/accession/transfers/{checked.uuid}/check"
    first = client.post(url, {}, content_type="application/json")
    assert first.status_code == 202 and first.json()["task"] == "check"
    for _attempt in range(3):  # 495 audits were queued in minutes: not here
        again = client.post(url, {}, content_type="application/json")
        assert again.status_code == 422 and "四性检测已在排队或进行中" in again.json()["detail"]
    page = client.post(reverse("accession:transfer_action", args=[checked.uuid, "check"]), follow=True)
    assert "四性检测已在排队或进行中" in page.content.decode()
    assert DBTaskResult.objects.count() == 1
    # Meanwhile the transfer is not accepted, rejected or returned under the running check.
    for path, body in (("accept", {}), ("reject", {"reason": "测试"}), ("return", {"reason": "测试"})):
        answer = client.post(f"/api/accession/transfers/{checked.uuid}/{path}", body, content_type="application/json")
        assert answer.status_code == 422 and "已在排队或进行中" in answer.json()["detail"], path

    run_queued_jobs()
    checked.refresh_from_db()
    assert (checked.task, checked.task_id) == ("", "")
    assert checked.reports.count() == 2 and DBTaskResult.objects.get().status == "SUCCESSFUL"
    assert client.post(url, {}, content_type="application/json").status_code == 202


@pytest.mark.django_db(transaction=True)
def test_a_job_the_queue_gave_up_on_does_not_block(checked: Transfer, archivist: Any, settings: Any) -> None:
    from django_tasks_db.models import DBTaskResult

    settings.TASKS = DATABASE_QUEUE
    do_queue_accept(archivist, checked)
    checked.refresh_from_db()
    assert active_task(checked) == TransferTask.ACCEPT
    with pytest.raises(ValidationError, match="接收入库已在排队或进行中"):
        do_queue_check(archivist, checked)
    DBTaskResult.objects.update(status="FAILED")  # the worker died twice: the queue marked the job failed
    checked.refresh_from_db()
    assert active_task(checked) == ""
    do_queue_check(archivist, checked)
    checked.refresh_from_db()
    assert active_task(checked) == TransferTask.CHECK and DBTaskResult.objects.filter(status="READY").count() == 1


def test_a_claim_whose_job_never_reached_the_queue_expires(
    checked: Transfer, archivist: Any, django_capture_on_commit_callbacks: Any
) -> None:
    from datetime import timedelta

    from django.utils import timezone

    with django_capture_on_commit_callbacks(execute=False):  # the process dies before the enqueue
        do_queue_check(archivist, checked)
    checked.refresh_from_db()
    assert active_task(checked) == TransferTask.CHECK
    with pytest.raises(ValidationError):
        do_queue_check(archivist, checked)
    Transfer.objects.filter(pk=checked.pk).update(task_since=timezone.now() - timedelta(minutes=6))
    checked.refresh_from_db()
    assert active_task(checked) == ""
    with django_capture_on_commit_callbacks(execute=True):
        do_queue_check(archivist, checked)
    checked.refresh_from_db()
    assert active_task(checked) == "" and checked.reports.count() == 2  # ran at once (immediate backend)


def test_views_and_the_api_queue_through_the_actions(
    checked: Transfer, archivist: Any, django_capture_on_commit_callbacks: Any
) -> None:
    """The page's 接收入库 and the API's accept both queue through do_queue_accept: one job, the same refusals."""
    client = login(archivist)
    with django_capture_on_commit_callbacks(execute=False) as queued:
        client.post(reverse("accession:transfer_action", args=[checked.uuid, "accept"]))
        answer = client.post(f"/api/accession/transfers/{checked.uuid}/accept", {}, content_type="application/json")
    assert len(queued) == 1 and answer.status_code == 422
    page = client.get(reverse("accession:transfer_detail", args=[checked.uuid])).content.decode()
    assert "入库进度" in page and 'hx-trigger="every 1s"' in page  # the page follows the queued job
    assert reverse("accession:transfer_action", args=[checked.uuid, "accept"]) not in page  # no second button
    queued[0]()
    checked.refresh_from_db()
    assert checked.status == TransferStatus.ACCEPTED and checked.task == ""
