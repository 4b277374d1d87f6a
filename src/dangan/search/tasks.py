"""Background work of search: index a large batch of units (e.g. a catalog import) outside the request.

Idempotent: indexing a unit again rewrites its one index row, so the worker may rerun it after a crash.
"""

from __future__ import annotations

from django_tasks import task


@task()
def index_units_task(unit_ids: list[int]) -> int:
    """Index (or re-index) the units ``unit_ids``."""
    from dangan.search.sync import index_units

    return index_units(unit_ids)
