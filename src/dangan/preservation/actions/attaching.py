"""Attaching files uploaded through the workspace or the API to a unit: each upload becomes a new version of the
unit's package, written by ``do_preserve`` (the same action as ``dangan preserve``), so storage, METS, PREMIS events
and the audit entry are exactly those of any other preservation."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Any, Protocol

from django.core.exceptions import PermissionDenied, ValidationError
from django.utils.translation import gettext as _

from dangan.catalog.models import ArchivalUnit
from dangan.catalog.policy import can_view_unit
from dangan.preservation.ocfl.inventory import path_problem
from dangan.preservation.permissions import PRESERVE, require_actor_any
from dangan.preservation.store import CONTENT_PREFIX

from .preserving import PreserveResult, do_preserve

__all__ = ["MAX_MESSAGE_LENGTH", "Upload", "check_attach_files", "do_attach_files"]

MAX_MESSAGE_LENGTH = 500


class Upload(Protocol):
    """A received file: the name it was uploaded under and where it lies now."""

    name: str | None
    path: Path


def check_attach_files(actor: Any, unit: ArchivalUnit, files: Sequence[Upload], message: str = "") -> dict[str, Path]:
    """The logical paths (``content/<name>``) for the uploaded ``files``; PermissionDenied or ValidationError (in
    Chinese) when the actor may not preserve this unit's files or the upload cannot be stored as it is."""
    require_actor_any(actor, PRESERVE)
    if not can_view_unit(actor, unit):
        raise PermissionDenied(_("您无权查看该档案。"))
    if not files:
        raise ValidationError(_("请选择要保存的文件。"))
    if len(message) > MAX_MESSAGE_LENGTH:
        raise ValidationError(_("说明不能超过 %(limit)d 个字。") % {"limit": MAX_MESSAGE_LENGTH})
    mapping: dict[str, Path] = {}
    for upload in files:
        name = (upload.name or "").strip()
        logical = CONTENT_PREFIX + name
        if not name or path_problem(logical):
            raise ValidationError(_("文件名“%(name)s”不能用作保存路径，请改名后再上传。") % {"name": name})
        if logical in mapping:
            raise ValidationError(_("同一次上传中有两个名为“%(name)s”的文件。") % {"name": name})
        mapping[logical] = upload.path
    return mapping


def do_attach_files(actor: Any, unit: ArchivalUnit, files: Sequence[Upload], message: str = "") -> PreserveResult:
    """Store the uploaded ``files`` as ``content/<name>`` in a new version of ``unit``'s package (a file of the same
    name is replaced; the older versions keep it). Nothing new writes no version. Call it outside a transaction."""
    message = " ".join(message.split())
    mapping = check_attach_files(actor, unit, files, message)
    default = _("上传 %(count)d 个文件") % {"count": len(mapping)}
    return do_preserve(actor, unit, mapping, message=message or default)
