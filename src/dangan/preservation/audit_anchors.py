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


FOLDER = f"extensions/{ANCHOR_EXTENSION}"


def _on_s3() -> bool:
    from .store import storage_location

    return not storage_location().is_local


def _folder() -> Path:
    from .store import storage_location

    path = storage_location().path
    return Path(path if path is not None else settings.STORAGE_ROOT) / "extensions" / ANCHOR_EXTENSION


def anchor_path() -> Path:
    return _folder() / ANCHOR_FILE


def _describe() -> str:
    if _on_s3():
        from .store import storage_root

        return storage_root().backend.describe(f"{FOLDER}/{ANCHOR_FILE}")
    return str(anchor_path())


def append_anchor(line: str) -> None:
    from .store import storage_root

    root = storage_root()  # an anchor written before the first package must not leave the root uninitialised
    if _on_s3():
        # An object store cannot append: read, add the line, write the whole file again (one PUT), under a lock so
        # that two processes never drop each other's line.
        backend = root.backend
        with backend.lock(f"{FOLDER}/anchors.lock"):
            if not backend.exists(f"{FOLDER}/README.txt"):
                backend.replace_bytes(f"{FOLDER}/README.txt", README.encode())
            try:
                data = backend.read_bytes(f"{FOLDER}/{ANCHOR_FILE}")
            except FileNotFoundError:
                data = b""
            if data and not data.endswith(b"\n"):
                data += b"\n"
            backend.replace_bytes(f"{FOLDER}/{ANCHOR_FILE}", data + (line.rstrip("\n") + "\n").encode())
        return
    readme = _folder() / "README.txt"
    if not readme.exists():
        readme.parent.mkdir(parents=True, exist_ok=True)
        readme.write_text(README, encoding="utf-8")
    append_line(anchor_path(), line)


def read_anchor_lines() -> list[str] | None:
    if _on_s3():
        from .store import storage_root

        try:
            text = storage_root().backend.read_bytes(f"{FOLDER}/{ANCHOR_FILE}").decode("utf-8", errors="replace")
        except FileNotFoundError:
            return None
        return [line for line in text.splitlines() if line.strip()]
    return read_lines(anchor_path())


location = AnchorLocation(
    "preservation.storage_root",
    _("长期保存存储库"),
    _describe,
    append_anchor,
    read_anchor_lines,
)
