"""Progress callbacks: what long work reports (a tqdm bar on the CLI, a row the UI polls), in one shape.

``Progress(done, total)`` for work of one kind; ``PhaseProgress(label, done, total)`` for work in phases (verify
digests, identify formats, preserve …), the label saying which. ``throttled`` keeps a callback that writes somewhere
(a database row) from being called for every file.
"""

from __future__ import annotations

import time
from collections.abc import Callable

__all__ = ["PhaseProgress", "Progress", "throttled"]

Progress = Callable[[int, int], None]
PhaseProgress = Callable[[str, int, int], None]


def throttled(report: PhaseProgress, seconds: float, *, clock: Callable[[], float] = time.monotonic) -> PhaseProgress:
    """``report`` called at most once every ``seconds``, except that the first call of a phase (a new label) and
    the call that completes a phase (``done >= total``) always go through, so the last state shown is true."""
    last_at = float("-inf")
    last_label: str | None = None

    def forward(label: str, done: int, total: int) -> None:
        nonlocal last_at, last_label
        now = clock()
        if label != last_label or done >= total or now - last_at >= seconds:
            last_at, last_label = now, label
            report(label, done, total)

    return forward
