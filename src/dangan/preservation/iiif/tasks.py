"""The worker's side of derivatives: build them for the images of a package's head version. Idempotent and
resumable: an image whose finished derivatives exist is skipped, so a rerun after a crash only does what is left."""

from __future__ import annotations

import logging

from django_tasks import task

logger = logging.getLogger(__name__)


@task()
def build_derivatives_task(package_id: int) -> int:
    """Build the missing derivatives of package ``package_id``'s head-version images; how many were built."""
    from .building import build_package_derivatives

    result = build_package_derivatives(package_id)
    if result.failed:
        raise RuntimeError("derivatives not built: " + ", ".join(result.failed))
    return result.built
