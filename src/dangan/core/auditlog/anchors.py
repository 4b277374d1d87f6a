"""Anchors: signed heads of the audit log (last id, its hash, the count, the time, an HMAC), kept outside the
database, so that cutting entries off the end of the log, or replacing the log, is detected.

An anchor is appended, as one JSON line, to every registered location: core's own file (``AUDIT_ANCHOR_FILE``,
in ``DANGAN_HOME/logs``) and whatever higher apps register (preservation adds its storage root's
``extensions/dangan-audit-anchors/``), and it is written to the ``dangan.audit`` logger (DEBUG) as well. Anchors are written
after every ``AUDIT_ANCHOR_EVERY`` entries, by the periodic job ``core.audit.anchor`` whenever the log has grown since
the last anchor, and by every verification that finds the log intact. See docs/audit-log.md.
"""

from __future__ import annotations

import hmac
import json
import logging
import os
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

from django.conf import settings
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy

from dangan.core.models import AuditEntry
from dangan.utilities.registry import Registry, StrOrPromise

from .chain import SEAL_ACTIONS, Head, current_head, head_of
from .key import AuditKey, AuditKeyError, load_key

logger = logging.getLogger("dangan.audit")

ANCHOR_TYPE = "dangan-audit-anchor"
ANCHOR_VERSION = 1


@dataclass(frozen=True)
class Anchor:
    last_id: int
    last_hash: str
    count: int
    time: str
    key_id: str
    reason: str  # what wrote it: "entries" (every N entries), "schedule", "verify"
    mac: str = ""

    def payload(self) -> dict[str, Any]:
        values = asdict(self)
        values.pop("mac")
        return {"type": ANCHOR_TYPE, "version": ANCHOR_VERSION, **values}

    def message(self) -> bytes:
        return json.dumps(self.payload(), sort_keys=True, separators=(",", ":")).encode()

    def line(self) -> str:
        return json.dumps({**self.payload(), "mac": self.mac}, sort_keys=True, separators=(",", ":"))

    def is_authentic(self, key: AuditKey) -> bool:
        return self.key_id == key.key_id and hmac.compare_digest(self.mac, key.mac(self.message()))

    @classmethod
    def parse(cls, line: str) -> Anchor | None:
        try:
            values = json.loads(line)
            if values.get("type") != ANCHOR_TYPE:
                return None
            return cls(
                last_id=int(values["last_id"]),
                last_hash=str(values["last_hash"]),
                count=int(values["count"]),
                time=str(values["time"]),
                key_id=str(values["key_id"]),
                reason=str(values.get("reason", "")),
                mac=str(values["mac"]),
            )
        except (ValueError, TypeError, KeyError, AttributeError):
            return None

    @property
    def when(self) -> datetime | None:
        try:
            return datetime.fromisoformat(self.time)
        except ValueError:
            return None


def sign(key: AuditKey, head: Head, count: int, reason: str) -> Anchor:
    unsigned = Anchor(head.id, head.entry_hash, count, timezone.now().isoformat(), key.key_id, reason)
    return Anchor(**{**asdict(unsigned), "mac": key.mac(unsigned.message())})


@dataclass(frozen=True)
class AnchorLocation:
    """A place outside the database where anchors are appended and read back."""

    key: str
    label: StrOrPromise
    describe: Callable[[], str]  # the place, as an operator finds it (a path)
    append: Callable[[str], None]  # append one line
    read: Callable[[], list[str] | None]  # every line, or None when the place holds no anchors file


anchor_locations = Registry[AnchorLocation]("audit anchor locations")


def register_anchor_location(location: AnchorLocation) -> AnchorLocation:
    return anchor_locations.register(location.key, location)


# ---------------------------------------------------------------- a file of anchors (one JSON line each)


def append_line(path: Path, line: str) -> None:
    """Append ``line`` to ``path`` and make it durable (O_APPEND: writers of several processes do not interleave)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o640)
    try:
        os.write(descriptor, (line.rstrip("\n") + "\n").encode())
        os.fsync(descriptor)
    finally:
        os.close(descriptor)


def read_lines(path: Path) -> list[str] | None:
    try:
        text = path.read_text(encoding="utf-8", errors="replace")
    except FileNotFoundError:
        return None
    return [line for line in text.splitlines() if line.strip()]


def last_line(path: Path, window: int = 8192) -> str | None:
    """The last line of ``path`` without reading the whole file."""
    try:
        with path.open("rb") as handle:
            handle.seek(0, os.SEEK_END)
            size = handle.tell()
            handle.seek(max(0, size - window))
            lines = [line for line in handle.read().decode("utf-8", errors="replace").splitlines() if line.strip()]
    except FileNotFoundError:
        return None
    return lines[-1] if lines else None


def anchor_file() -> Path:
    return Path(settings.AUDIT_ANCHOR_FILE)


register_anchor_location(
    AnchorLocation(
        "core.log_file",
        gettext_lazy("日志目录中的锚点文件"),
        lambda: str(anchor_file()),
        lambda line: append_line(anchor_file(), line),
        lambda: read_lines(anchor_file()),
    )
)


# ---------------------------------------------------------------- writing


def write_anchor(reason: str, head: Head | None = None) -> Anchor | None:
    """Sign the head of the log (the current one unless given) and append it to every location; one location that
    fails is logged and does not stop the others. Returns None for an empty log or when there is no key."""
    try:
        key = load_key()
    except AuditKeyError:
        key = None
    if key is None:
        logger.warning("audit anchor not written: no audit key")
        return None
    head = head or current_head()
    if head is None:
        return None
    count = AuditEntry.objects.filter(id__lte=head.id).count()
    anchor = sign(key, head, count, reason)
    line = anchor.line()
    for location in anchor_locations:
        try:
            location.append(line)
        except Exception:
            logger.exception("audit anchor not written to %s", location.key)
    logger.debug("audit anchor %s", line)
    return anchor


def newest_anchor() -> Anchor | None:
    """The last anchor core's own file holds (a cheap look at its tail)."""
    line = last_line(anchor_file())
    return Anchor.parse(line) if line else None


def log_has_moved() -> bool:
    """Whether the log's head differs from the newest anchor."""
    head = current_head()
    if head is None:
        return False
    newest = newest_anchor()
    return newest is None or newest.last_id != head.id or newest.last_hash != head.entry_hash


def anchor_if_moved(reason: str) -> Anchor | None:
    return write_anchor(reason) if log_has_moved() else None


def anchor_after(entry: AuditEntry, *, force: bool = False) -> None:
    """Called by log() for each new entry: every AUDIT_ANCHOR_EVERY-th entry is anchored once it is committed, and
    so are the first entry and every seal (from then on, a log rewritten wholesale no longer matches an anchor)."""
    if force or entry.pk % settings.AUDIT_ANCHOR_EVERY == 0 or entry.pk == 1 or entry.action in SEAL_ACTIONS:
        head = head_of(entry)
        transaction.on_commit(lambda: write_anchor("entries", head), robust=True)


@dataclass
class AnchorReading:
    """Every anchor found, and what was wrong with the places they were read from."""

    anchors: list[Anchor] = field(default_factory=list)
    missing: list[str] = field(default_factory=list)  # locations without an anchors file
    unreadable: list[str] = field(default_factory=list)  # "place: line N" that is not an anchor


def read_anchors() -> AnchorReading:
    reading = AnchorReading()
    seen: set[str] = set()
    for location in anchor_locations:
        try:
            lines = location.read()
        except Exception:
            logger.exception("audit anchors not read from %s", location.key)
            lines = None
        if lines is None:
            reading.missing.append(str(location.label))  # a name, not a server path: the page shows it
            continue
        for number, line in enumerate(lines, start=1):
            anchor = Anchor.parse(line)
            if anchor is None:
                reading.unreadable.append(f"{location.label} #{number}")
            elif anchor.mac not in seen:
                seen.add(anchor.mac)
                reading.anchors.append(anchor)
    return reading
