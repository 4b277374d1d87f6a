"""A catalog import indexes its units through queued tasks that commit with the import and run in the worker."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import override_settings
from django_tasks_db.models import DBTaskResult

from dangan.catalog.actions.importing import import_catalog
from dangan.core.actors import CONSOLE
from dangan.core.worker import run_worker
from dangan.search import hooks
from dangan.search.service import SearchRequest, search


def titles(user: Any, q: str) -> list[str]:
    return sorted(hit.unit.title for hit in search(user, SearchRequest(q=q, size=100)).hits)


@pytest.mark.django_db(transaction=True)
def test_a_large_import_is_indexed_by_the_worker(fonds, archivist, tmp_path, monkeypatch):
    monkeypatch.setattr(hooks, "IMMEDIATE_LIMIT", 5)  # a "large" batch, without writing thousands of rows
    monkeypatch.setattr(hooks, "TASK_CHUNK", 4)
    sheet = tmp_path / "目录.csv"
    rows = ["题名,日期,密级"] + [f"娄山关战斗第{i}号电报,1935-02-1{i},公开" for i in range(1, 10)]
    sheet.write_text("\n".join(rows), encoding="utf-8")
    with override_settings(TASKS={"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}):
        result = import_catalog(CONSOLE, sheet, fonds)
        assert result.created == 9
        assert DBTaskResult.objects.filter(task_path="dangan.search.tasks.index_units_task").count() == 3
        assert titles(archivist, "娄山关") == []  # queued, not yet run
        run_worker(batch=True)
    assert len(titles(archivist, "娄山关")) == 9
    assert set(DBTaskResult.objects.values_list("status", flat=True)) == {"SUCCESSFUL"}
