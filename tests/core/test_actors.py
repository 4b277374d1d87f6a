"""Who acts: accounts, the console and the system are explicit; None and a deleted account are never the console."""

from __future__ import annotations

import io
import pickle

import pytest

from dangan.catalog.actions.importing import do_start_import, run_import_batch
from dangan.catalog.actions.units import do_create_unit
from dangan.catalog.choices import SecurityClassification
from dangan.catalog.models import ArchivalUnit, ImportBatch
from dangan.catalog.policy import visible_units
from dangan.core.actors import CONSOLE, SYSTEM, ActorGone, actor_for_task, actor_name
from dangan.core.models import AuditEntry

CSV = "题名,日期,密级\n关于整理档案的通知,2020-01-02,秘密\n".encode()


@pytest.mark.django_db
def test_an_action_refuses_none_as_its_actor(fonds):
    with pytest.raises(TypeError):
        do_create_unit(None, fonds, {"title": "无人"})
    assert not ArchivalUnit.objects.exists()


@pytest.mark.django_db
def test_the_console_and_the_system_are_logged_by_name_and_see_everything(fonds):
    unit = do_create_unit(CONSOLE, fonds, {"title": "绝密件", "classification": SecurityClassification.TOP_SECRET})
    entry = AuditEntry.objects.get(action="catalog.unit.create")
    assert (entry.username, entry.user_id) == ("console", None)
    assert list(visible_units(CONSOLE)) == [unit] and list(visible_units(SYSTEM)) == [unit]
    assert (actor_name(CONSOLE), actor_name(SYSTEM)) == ("console", "system")
    assert pickle.loads(pickle.dumps(CONSOLE)) is CONSOLE


@pytest.mark.django_db
def test_a_task_of_a_deleted_or_deactivated_account_does_not_run(archivist):
    assert actor_for_task(archivist.pk) == archivist
    assert actor_for_task(None) is SYSTEM
    archivist.is_active = False
    archivist.save()
    with pytest.raises(ActorGone):
        actor_for_task(archivist.pk)
    with pytest.raises(ActorGone):
        actor_for_task(987654)


@pytest.mark.django_db
def test_a_queued_import_whose_account_was_deleted_fails_instead_of_running_as_the_console(
    fonds, archivist, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=False):
        batch = do_start_import(archivist, fonds, "目录.csv", io.BytesIO(CSV), dry_run=False)
    archivist.delete()
    run_import_batch(batch.pk)
    batch = ImportBatch.objects.get(pk=batch.pk)
    assert batch.status == "failed" and "账号" in batch.message
    assert not ArchivalUnit.objects.exists()
