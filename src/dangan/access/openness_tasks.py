"""Background work of the openness review: the reviewers' aid scans a large round's units outside the request."""

from __future__ import annotations

from django_tasks import task


@task()
def scan_marks_task(review_id: int) -> int:
    """Count the aid's marks of every unit of the round ``review_id`` (idempotent: a rerun counts again)."""
    from dangan.access.actions.openness import do_scan_marks
    from dangan.access.models import OpennessReview
    from dangan.core.actors import SYSTEM

    review = OpennessReview.objects.filter(pk=review_id).first()
    if review is None:
        return 0
    return do_scan_marks(SYSTEM, review)
