"""Shared pieces of the accession actions: the capability, status steps with their audit entries, the work area,
the names of the people involved, and messages kept free of server paths."""

from __future__ import annotations

import shutil
from collections.abc import Callable
from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone

from dangan.accession.models import Transfer, TransferStep
from dangan.core.actions.accounts import require_actor
from dangan.core.actors import account_of, actor_name
from dangan.core.audit import log
from dangan.core.roles import Capability


def require_accession(actor: Any) -> None:
    require_actor(actor, Capability.ACCESSION)


def allowed(check: Callable[..., object], *args: Any) -> bool:
    """Whether ``check(*args)`` passes: the rule behind a button is the check its action makes."""
    try:
        check(*args)
    except (ValidationError, PermissionDenied):
        return False
    return True


def person_name(actor: Any) -> str:
    """The name a report prints for ``actor``: the person's full name, else the account's user name; the console
    and the system by their Chinese labels. (Audit entries keep the user name: core.actors.actor_name.)"""
    full = str(actor.get_full_name() or "").strip() if hasattr(actor, "get_full_name") else ""
    return (full or actor_name(actor))[:150]


def hide_paths(message: str, *paths: Path | str) -> str:
    """``message`` with each of ``paths`` (absolute, on the server) replaced by its last part: the name a person
    knows the file by, never where it lies on the server."""
    for path in sorted({str(p) for p in paths if str(p) not in ("", ".", "/")}, key=len, reverse=True):
        message = message.replace(path, Path(path).name)
    return message


def work_area() -> Path:
    """Where received packages are unpacked and bagged (DANGAN_ACCESSION_ROOT)."""
    root = Path(settings.ACCESSION_ROOT)
    root.mkdir(parents=True, exist_ok=True)
    return root


def set_status(transfer: Transfer, status: str, actor: Any, action: str, note: str = "", **data: Any) -> None:
    """Move ``transfer`` to ``status``: the row, a step (who, when) and an audit entry in one transaction."""
    with transaction.atomic():
        before = transfer.status
        transfer.status = status
        transfer.save(update_fields=["status", "updated", *data.pop("fields", [])])
        TransferStep.objects.create(
            transfer=transfer,
            status=status,
            user=account_of(actor),
            username=actor_name(actor),
            at=timezone.now(),
            note=note[:2000],
        )
        log(transfer, action, actor, {"before": {"status": before}, "after": {"status": status}, "note": note, **data})


def remove_owned_bag(transfer: Transfer) -> None:
    """The unpacked copy dangan made of a package is working space: removed once the transfer is closed."""
    if transfer.bag_owned and transfer.bag_path:
        folder = Path(transfer.bag_path).parent
        if folder.parent == work_area():
            shutil.rmtree(folder, ignore_errors=True)
