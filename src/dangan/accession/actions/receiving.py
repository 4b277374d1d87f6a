"""Receiving a package (登记): a bag as it is, or a plain folder or a .zip bagged on arrival into the work area;
the same bag twice is a duplicate. Collected material (征集) is registered here too."""

from __future__ import annotations

import shutil
import uuid
import zipfile
from pathlib import Path
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from dangan.accession.bagit import BagError, make_bag, validate_bag
from dangan.accession.checks.context import bag_digest
from dangan.accession.choices import ACTIVE_STATUSES, TransferKind, TransferStatus
from dangan.accession.models import Acquisition, Transfer, TransferStep
from dangan.accession.profile import INFO_BATCH, INFO_FONDS, INFO_ITEMS, INFO_SOURCE
from dangan.catalog.models import Fonds
from dangan.core.actors import Actor, account_of, actor_name
from dangan.core.audit import log

from .common import hide_paths, person_name, require_accession, work_area


class DuplicateBag(ValidationError):
    """The same bag was received before and that transfer is open or accepted."""

    def __init__(self, existing: Transfer) -> None:
        when = timezone.localtime(existing.created).strftime("%Y-%m-%d %H:%M")
        super().__init__(
            _("重复移交：同一信息包已于 %(when)s 登记（移交 %(uuid)s，%(status)s）")
            % {"when": when, "uuid": existing.uuid, "status": existing.get_status_display()}
        )
        self.existing = existing


def is_bag(path: Path) -> bool:
    return path.is_dir() and (path / "bagit.txt").is_file()


def find_duplicate(digest: str, exclude: int | None = None) -> Transfer | None:
    if not digest:
        return None
    found = Transfer.objects.filter(bag_digest=digest, status__in=ACTIVE_STATUSES)
    if exclude is not None:
        found = found.exclude(pk=exclude)
    return found.order_by("created").first()


def prepare_bag(source: Path, dest: Path, name: str = "") -> tuple[Path, bool]:
    """The bag to check for ``source``: itself if it is a bag (not copied), else a new bag at ``dest`` made from the
    folder or the .zip. Returns (bag, made). Messages name the package by ``name`` (its name as received, e.g. the
    uploaded file's) or its last path part, never by where it lies on the server."""
    shown = name or source.name
    if is_bag(source):
        return source, False
    if not source.exists():
        raise ValidationError(_("文件或文件夹不存在：%(name)s") % {"name": shown})
    if not source.is_dir() and not zipfile.is_zipfile(source):
        raise ValidationError(_("%(name)s 既不是文件夹也不是 .zip 压缩包") % {"name": shown})
    try:
        return make_bag(source, dest), True
    except BagError as exc:
        error = hide_paths(exc.message_zh, source, source.resolve(), dest, dest.parent, work_area())
        raise ValidationError(_("无法打包：%(error)s") % {"error": error.replace(source.name, shown)}) from None


@transaction.atomic
def _create(actor: Any, transfer: Transfer) -> Transfer:
    transfer.save()
    TransferStep.objects.create(
        transfer=transfer,
        status=TransferStatus.RECEIVED,
        user=account_of(actor),
        username=actor_name(actor),
        at=timezone.now(),
        note=_("登记信息包 %(name)s") % {"name": transfer.source_name},
    )
    log(
        transfer,
        "accession.transfer.receive",
        actor,
        {
            "source": transfer.source_name,
            "fonds": transfer.fonds.code if transfer.fonds else "",
            "transferring_unit": transfer.transferring_unit,
            "batch": transfer.batch,
            "files": transfer.payload_files,
            "bytes": transfer.payload_bytes,
            "bag_digest": transfer.bag_digest,
        },
    )
    return transfer


def do_receive(
    actor: Actor,
    source: Path | str,
    *,
    fonds: Fonds | None = None,
    kind: str = TransferKind.TRANSFER,
    transferring_unit: str = "",
    batch: str = "",
    declared_items: int | None = None,
    declared_bytes: int | None = None,
    acquisition: Acquisition | None = None,
    source_name: str = "",
) -> Transfer:
    """Register a package: a bag (used where it lies), or a folder or a .zip bagged into the work area. Labels of
    bag-info.txt fill what is not given (Source-Organization, External-Identifier, Fonds-Code, Item-Count).
    Raises DuplicateBag when the same bag is open or accepted, ValidationError when it cannot be read at all."""
    require_accession(actor)
    source = Path(source)
    if kind not in TransferKind.values:
        raise ValidationError(_("未知的类型：%(kind)s") % {"kind": kind})
    identity = uuid.uuid4()
    bag, made = prepare_bag(source, work_area() / str(identity) / "bag", source_name)
    try:
        digest = bag_digest(bag)
        if (existing := find_duplicate(digest)) is not None:
            raise DuplicateBag(existing)
        facts = validate_bag(bag, fast=True)

        def info(label: str) -> str:
            values = facts.info_values(label)
            return values[0].strip() if values else ""

        if fonds is None and (code := info(INFO_FONDS)):
            fonds = Fonds.objects.filter(code__iexact=code).first()
        items = info(INFO_ITEMS)
        transfer = Transfer(
            uuid=identity,
            kind=kind,
            fonds=fonds,
            acquisition=acquisition,
            transferring_unit=(transferring_unit or info(INFO_SOURCE))[:300],
            batch=(batch or info(INFO_BATCH))[:100],
            declared_items=declared_items if declared_items is not None else (int(items) if items.isdigit() else None),
            declared_bytes=declared_bytes,
            source_name=(source_name or source.name)[:300],
            bag_path=str(bag.resolve()),
            bag_owned=made,
            bag_digest=digest,
            payload_files=facts.payload_files,
            payload_bytes=facts.payload_bytes,
            received_by=account_of(actor),
            received_by_name=person_name(actor),
        )
        return _create(actor, transfer)
    except BaseException:
        if made:
            shutil.rmtree(bag.parent, ignore_errors=True)
        raise


@transaction.atomic
def do_register_acquisition(actor: Any, data: dict[str, Any]) -> Acquisition:
    """Register collected material (征集): source, agreement, what arrived, its condition."""
    require_accession(actor)
    if not (data.get("source") or "").strip():
        raise ValidationError({"source": _("请填写来源（机构或捐赠人）。")})
    if not (data.get("description") or "").strip():
        raise ValidationError({"description": _("请填写接收内容。")})
    fields = {f.name for f in Acquisition._meta.get_fields()}
    acquisition = Acquisition(**{k: v for k, v in data.items() if k in fields})
    acquisition.registered_by = account_of(actor)
    acquisition.registered_by_name = person_name(actor)
    acquisition.full_clean(exclude=["registered_by"])
    acquisition.save()
    log(
        acquisition,
        "accession.acquisition.register",
        actor,
        {"after": {"source": acquisition.source, "agreement": acquisition.agreement, "quantity": acquisition.quantity}},
    )
    return acquisition
