"""Background work of the catalog: load by id, call the same actions as the UI and CLI.

Each task is idempotent, so the worker may run it again after a crash (see core.worker).
"""

from __future__ import annotations

from django_tasks import task


@task()
def run_import_batch(batch_id: int) -> None:
    """Run the catalog import recorded in ImportBatch ``batch_id`` (see actions.importing.run_import_batch)."""
    from dangan.catalog.actions.importing import run_import_batch as run

    run(batch_id)
