"""Starting a fixity audit while one is queued or running is refused with a clear message — on the page, through the
API and from the CLI alike, because they all start audits through the one action — instead of queueing another
(495 audits were once queued in minutes). A run that nothing will resume does not block audits for ever."""

from __future__ import annotations

import json
import threading
from typing import Any

import pytest
from django.core.exceptions import ValidationError
from django.db import connections
from django.test import Client, override_settings
from django.urls import reverse
from django_tasks_db.models import DBTaskResult

from dangan.cli import main
from dangan.core.actors import CONSOLE
from dangan.preservation.actions.auditing import do_start_audit
from dangan.preservation.actions.preserving import do_preserve
from dangan.preservation.choices import AuditStatus
from dangan.preservation.models import AuditRun

from .conftest import PDF

DATABASE_QUEUE = override_settings(TASKS={"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}})


def client_for(user: Any) -> Client:
    client = Client()
    client.force_login(user)
    return client


@pytest.fixture
def preserved(storage, make_unit, source_files) -> Any:
    return do_preserve(CONSOLE, make_unit(), source_files({"0001.pdf": PDF})).package


@pytest.mark.django_db
def test_a_queued_audit_refuses_a_second_start_on_the_page_the_api_and_the_cli(preserved, archivist, capsys):
    with DATABASE_QUEUE:
        first = do_start_audit(archivist, None)  # queued for the worker, which is not running
        assert DBTaskResult.objects.filter(status="READY").count() == 1

        page = client_for(archivist).post(reverse("preservation:audit_start"), {"kind": "full"})
        assert page.status_code == 400 and "已有一次固定性检查在排队等待" in page.content.decode()

        api = client_for(archivist).post(
            "/api/preservation/audits", json.dumps({"sample_percent": 10}), content_type="application/json"
        )
        assert api.status_code == 409 and api["Content-Type"].startswith("application/json")
        assert "已有一次固定性检查在排队等待" in api.json()["detail"]

        assert main(["audit", "--sample", "10"]) == 2
        assert "已有一次固定性检查在排队等待" in capsys.readouterr().err

        for _ in range(20):  # the button pressed again and again
            with pytest.raises(ValidationError):
                do_start_audit(archivist, 5)
    assert list(AuditRun.objects.all()) == [first]
    assert DBTaskResult.objects.count() == 1


@pytest.mark.django_db(transaction=True)
def test_two_starts_at_the_same_moment_queue_one_audit(preserved, archivist):
    barrier = threading.Barrier(4)
    outcomes: list[str] = []

    def start() -> None:
        try:
            barrier.wait()
            do_start_audit(archivist, None)
            outcomes.append("started")
        except ValidationError:
            outcomes.append("refused")
        finally:
            connections.close_all()

    with DATABASE_QUEUE:
        threads = [threading.Thread(target=start) for _ in range(4)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
    assert sorted(outcomes) == ["refused", "refused", "refused", "started"]
    assert AuditRun.objects.count() == 1 and DBTaskResult.objects.count() == 1


@pytest.mark.django_db
def test_a_run_nothing_will_resume_is_closed_and_a_finished_one_blocks_nothing(preserved, archivist):
    # Left RUNNING by a process that is gone (an older dangan's owner, or a `dangan audit` killed), no task queued.
    stale = AuditRun.objects.create(status=AuditStatus.RUNNING, owner="host:4242:1")
    run = do_start_audit(archivist, None)  # the immediate backend runs it at once
    stale.refresh_from_db()
    assert stale.status == AuditStatus.ERROR and "已由新发起的检查取代" in stale.message
    assert run.pk != stale.pk
    assert AuditRun.objects.get(pk=run.pk).status == AuditStatus.PASSED
    second = do_start_audit(archivist, 50)  # the first has finished: nothing is running now
    assert AuditRun.objects.get(pk=second.pk).status == AuditStatus.PASSED
