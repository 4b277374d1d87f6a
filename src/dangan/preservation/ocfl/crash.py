"""Crash points for kill tests: with DANGAN_OCFL_CRASH_AT=<step>:<n>[,<step>:<n>...] in the environment, the n-th
time the process reaches crash_point(step) it kills itself with SIGKILL — no cleanup, no flushing, as a power cut
or an OOM kill would. Any code may add its own steps (the ingest pipeline does); STEPS lists the OCFL writer's."""

from __future__ import annotations

import os
import signal
import threading

ENV = "DANGAN_OCFL_CRASH_AT"

# The OCFL writer's steps, in the order one write_version reaches them (per-file steps repeat once per file).
STEPS: tuple[str, ...] = (
    "ocfl.locked",  # the object's lock is held, nothing written yet
    "ocfl.staging-created",  # the transaction directory exists
    "ocfl.content-file",  # after each content file is copied and hashed (repeats)
    "ocfl.content-staged",  # all new content is in staging
    "ocfl.inventory-written",  # version and root inventories with their sidecars are in staging
    "ocfl.link-file",  # after each unchanged file of the current object is linked into staging (repeats)
    "ocfl.staging-complete",  # the new object root is complete in staging
    "ocfl.staging-synced",  # staging is durable
    "ocfl.journal-written",  # the journal naming the object path is durable
    "ocfl.parents-created",  # a first version: the storage hierarchy directories above the object exist
    "ocfl.moved-aside",  # fallback without exchange: the old object is in staging, the path is empty
    "ocfl.swapped",  # the new object is at its path
    "ocfl.swap-synced",  # the directory holding the object root is durable
    "ocfl.staging-retired",  # the transaction directory has been renamed for removal
    "ocfl.cleaned",  # the old copy is removed; write_version is about to return
)

_lock = threading.Lock()
_counts: dict[str, int] = {}
_parsed: tuple[str, dict[str, int]] | None = None


def _targets() -> dict[str, int]:
    global _parsed
    raw = os.environ.get(ENV, "")
    if _parsed is None or _parsed[0] != raw:
        targets: dict[str, int] = {}
        for item in raw.split(","):
            item = item.strip()
            if not item:
                continue
            step, _, n = item.rpartition(":")
            if not step or not n.isdigit():
                step, n = item, "1"
            targets[step] = int(n)
        _parsed = (raw, targets)
    return _parsed[1]


def crash_point(step: str) -> None:
    """Kill this process with SIGKILL if the environment asks for a crash at this occurrence of step."""
    targets = _targets()
    if not targets or step not in targets:
        return
    with _lock:
        _counts[step] = _counts.get(step, 0) + 1
        hit = _counts[step] == targets[step]
    if hit:
        os.kill(os.getpid(), signal.SIGKILL)


def reset() -> None:
    """Forget how often each step was reached (for tests that reuse one process)."""
    with _lock:
        _counts.clear()
