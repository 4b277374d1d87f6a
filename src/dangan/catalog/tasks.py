"""Background work of the catalog: load by id, call the same actions as the UI and CLI.

Each task is idempotent, so the worker may run it again after a crash (see core.worker); an import whose worker
died under it too often (a file that crashes the reader) is marked failed on its batch, with the worker's message.
"""

from __future__ import annotations

from typing import Any

from django_tasks import task

from dangan.core.jobs import register_abandoned_handler


@task()
def run_import_batch(batch_id: int) -> None:
    """Run the catalog import recorded in ImportBatch ``batch_id`` (see actions.importing.run_import_batch)."""
    from dangan.catalog.actions.importing import run_import_batch as run

    run(batch_id)


def _import_abandoned(args: list[Any], kwargs: dict[str, Any], message: str) -> None:
    from dangan.catalog.actions.import_batches import do_record_abandoned

    do_record_abandoned(int(args[0] if args else kwargs["batch_id"]), message)


register_abandoned_handler(run_import_batch, _import_abandoned)
