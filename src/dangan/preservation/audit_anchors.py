"""The audit log's anchors in the storage root: a storage-root extension directory of dangan's own
(``extensions/dangan-audit-anchors/``), beside the preserved packages and backed up and copied with them, so that a
database restored, truncated or replaced on its own no longer matches them (core.auditlog.anchors).

OCFL leaves the content of an extension directory to its extension, and validators look for no objects under
``extensions/``: the root stays valid (docs/development/preservation-storage.md).
"""

from __future__ import annotations

from pathlib import Path

from django.conf import settings
from django.utils.translation import gettext_lazy as _

from dangan.core.auditlog.anchors import AnchorLocation, append_line, read_lines

ANCHOR_EXTENSION = "dangan-audit-anchors"
ANCHOR_FILE = "anchors.jsonl"

README = """\
Anchors of the dangan audit log (a storage root extension of dangan, not an OCFL object).

anchors.jsonl   one JSON object a line: the last entry of the audit log at some moment (last_id, last_hash),
                how many entries it had (count), when (time), which key signed it (key_id) and an HMAC-SHA256
                (mac) with the audit key. `dangan auditlog verify` checks the database's audit log against them:
                an audit log cut short, rewritten or replaced no longer matches.

Do not edit or delete this file. Keep it with the storage root in every backup and copy.
"""


def _folder() -> Path:
    return Path(settings.STORAGE_ROOT) / "extensions" / ANCHOR_EXTENSION


def anchor_path() -> Path:
    return _folder() / ANCHOR_FILE


def append_anchor(line: str) -> None:
    from .store import storage_root

    storage_root()  # an anchor written before the first package must not leave the root uninitialised
    readme = _folder() / "README.txt"
    if not readme.exists():
        readme.parent.mkdir(parents=True, exist_ok=True)
        readme.write_text(README, encoding="utf-8")
    append_line(anchor_path(), line)


def read_anchor_lines() -> list[str] | None:
    return read_lines(anchor_path())


location = AnchorLocation(
    "preservation.storage_root",
    _("长期保存存储库"),
    lambda: str(anchor_path()),
    append_anchor,
    read_anchor_lines,
)
