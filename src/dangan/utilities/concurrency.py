"""Edits by several people at once: the optimistic version check every editable record can share.

A record with a ``version`` column is read, shown (a form's hidden field, the API's ``ETag``), and changed with the
version that was read. The action locks the row inside its transaction (``select_for_update``), compares, and
refuses a stale version with ``EditConflict`` — the form shows it beside what the person typed, the API answers
409 — instead of silently overwriting what someone else saved in between. See docs/development/architecture.md.
"""

from __future__ import annotations

from django.utils.translation import gettext as _


class EditConflict(Exception):
    """The record changed (or went away) since the version the change was made from.

    ``current_version`` is the version now stored (None when the record is gone); the message is for people.
    """

    def __init__(self, message: str, current_version: int | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.current_version = current_version

    def __str__(self) -> str:
        return self.message


def parse_version(value: str | int | None) -> int | None:
    """A version as a client sent it — ``3``, ``"3"``, an ETag ``"\\"3\\""`` or ``W/"3"`` — or None when absent or
    ``*`` (any version). ValueError for anything else."""
    if value is None:
        return None
    if isinstance(value, int):
        return value
    text = value.strip()
    if text in ("", "*"):
        return None
    text = text.removeprefix("W/").strip().strip('"')
    if not text.isdigit():
        raise ValueError(_("版本号应为正整数：%(value)s") % {"value": value})
    return int(text)


def etag(version: int) -> str:
    """The ETag header value for a record at ``version``."""
    return f'"{version}"'
