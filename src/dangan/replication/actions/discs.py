"""Blu-ray disc sets (part discs): write a disc target's staged envelopes onto a set of disc images, record where
each disc is kept, read a disc back, mark one lost, rebuild lost or damaged discs from the rest of their set. Every
change is audit-logged. check_* validates and raises, do_* writes and logs."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from dangan.core.actions.accounts import require_actor
from dangan.core.audit import log
from dangan.core.roles import Capability
from dangan.replication.choices import TargetKind
from dangan.replication.models import Disc, DiscSet, Target
from dangan.replication.models.discs import DiscKind, DiscSetState, DiscState
from dangan.replication.stores.base import StoreError
from dangan.replication.stores.discs import DiscSetStore, WrittenSet

__all__ = [
    "ReadBack",
    "check_manage_discs",
    "disc_store",
    "do_mark_lost",
    "do_read_back",
    "do_rebuild",
    "do_record_location",
    "do_write_sets",
    "find_disc",
    "find_set",
]


def check_manage_discs(actor: Any) -> None:
    require_actor(actor, Capability.REPLICATION_MANAGE)


def disc_store(target: Target) -> DiscSetStore:
    if target.kind != TargetKind.DISCS:
        raise ValidationError(_("备份目标 %(name)s 不是光盘目标") % {"name": target.name})
    return DiscSetStore(target)


def find_disc(label: str) -> Disc:
    disc = Disc.objects.select_related("disc_set__target").filter(label=label).first()
    if disc is None:
        raise ValidationError(_("没有标签为 %(label)s 的光盘") % {"label": label})
    return disc


def find_set(label: str) -> DiscSet:
    disc_set = DiscSet.objects.select_related("target").filter(label=label).first()
    if disc_set is None:
        raise ValidationError(_("没有标签为 %(label)s 的光盘套") % {"label": label})
    return disc_set


def _when(text: str) -> datetime:
    return datetime.fromisoformat(text)


def _record(target: Target, written: WrittenSet, store: DiscSetStore) -> DiscSet:
    when = _when(written.written)
    disc_set = DiscSet.objects.create(
        target=target,
        number=written.number,
        label=written.label,
        capacity=written.capacity,
        data_discs=len(written.data),
        state=DiscSetState.STAGING,
        written_at=when,
    )
    Disc.objects.bulk_create(
        Disc(
            disc_set=disc_set,
            number=image.number,
            kind=DiscKind.DATA if image.kind == "data" else DiscKind.PARITY,
            label=image.label,
            image_path=str(store.image_path(image)),
            image_size=image.size,
            sha256=image.sha256,
            envelopes=len(image.envelopes),
            written_at=when,
        )
        for image in written.discs
    )
    disc_set.state = DiscSetState.WRITTEN
    disc_set.save(update_fields=["state"])
    return disc_set


def do_write_sets(actor: Any, target: Target) -> list[DiscSet]:
    """Write every envelope staged at ``target`` onto new disc sets (one set per ``data_discs`` discs) and record
    them in the register. Raises ValidationError when nothing is staged or the images cannot be written."""
    check_manage_discs(actor)
    store = disc_store(target)
    if not target.enabled:
        raise ValidationError(_("备份目标 %(name)s 已停用") % {"name": target.name})
    recorded = set(DiscSet.objects.filter(target=target).values_list("label", flat=True))
    unrecorded = [written for written in store.sets() if written.label not in recorded]
    if not store.list_staged() and not unrecorded:
        raise ValidationError(_("备份目标 %(name)s 没有待写入光盘的密文对象") % {"name": target.name})
    made = [_record_and_log(actor, target, written, store) for written in unrecorded]  # an interrupted run's sets
    while store.list_staged():
        try:
            written = store.close_set()
        except StoreError as exc:
            raise ValidationError(str(exc)) from exc
        made.append(_record_and_log(actor, target, written, store))
    return made


@transaction.atomic
def _record_and_log(actor: Any, target: Target, written: WrittenSet, store: DiscSetStore) -> DiscSet:
    disc_set = _record(target, written, store)
    discs = [{"label": d.label, "size": d.size, "sha256": d.sha256} for d in written.discs]
    log(disc_set, "replication.discs.write", actor, {"target": target.name, "set": written.label, "discs": discs})
    return disc_set


@transaction.atomic
def do_record_location(actor: Any, disc: Disc, location: str) -> Disc:
    """Record where ``disc`` is kept (a building, a room, a cabinet)."""
    check_manage_discs(actor)
    location = location.strip()
    if not location:
        raise ValidationError(_("请填写光盘的存放位置"))
    before = disc.location
    disc.location = location
    disc.save(update_fields=["location"])
    _seal_if_complete(disc.disc_set)
    log(disc, "replication.discs.locate", actor, {"before": {"location": before}, "after": {"location": location}})
    return disc


def _seal_if_complete(disc_set: DiscSet) -> None:
    discs = list(disc_set.discs.all())
    if (
        disc_set.state == DiscSetState.WRITTEN
        and discs
        and all(d.state == DiscState.OK and d.read_back_at and d.location for d in discs)
    ):
        disc_set.state = DiscSetState.SEALED
        disc_set.save(update_fields=["state"])


@dataclass(frozen=True)
class ReadBack:
    disc: Disc
    problems: list[str]

    @property
    def ok(self) -> bool:
        return not self.problems


def do_read_back(actor: Any, disc: Disc) -> ReadBack:
    """Read back ``disc``'s image: its SHA-256 against the register and, for a data disc, its manifest and every
    envelope on it. A disc that fails is marked damaged, with what was found."""
    check_manage_discs(actor)
    disc_set = disc.disc_set
    store = disc_store(disc_set.target)
    try:
        written = store.written_set(disc_set.label)
    except StoreError as exc:
        raise ValidationError(str(exc)) from exc
    image = next((d for d in written.discs if d.label == disc.label), None)
    if image is None:
        problems = [_("光盘套的目录中没有这张光盘")]
    elif image.sha256 != disc.sha256:
        problems = [_("光盘套目录中的 SHA-256 与登记不符")]
    else:
        problems = store.check_image(written, image)
    with transaction.atomic():
        before = disc.state
        disc.read_back_at = timezone.now()
        disc.problem = "\n".join(problems)
        if problems:
            disc.state = DiscState.DAMAGED
        elif disc.state == DiscState.DAMAGED:
            disc.state = DiscState.OK
        disc.save(update_fields=["read_back_at", "problem", "state"])
        _seal_if_complete(disc_set)
        log(
            disc,
            "replication.discs.read_back",
            actor,
            {"ok": not problems, "problems": problems, "before": {"state": before}, "after": {"state": disc.state}},
        )
    return ReadBack(disc, problems)


@transaction.atomic
def do_mark_lost(actor: Any, disc: Disc) -> Disc:
    """Record that ``disc`` is lost (its set is rebuilt with do_rebuild while at most two are lost or damaged)."""
    check_manage_discs(actor)
    if disc.state == DiscState.LOST:
        return disc
    before = disc.state
    disc.state = DiscState.LOST
    disc.save(update_fields=["state"])
    disc_set = disc.disc_set
    if disc_set.state == DiscSetState.SEALED:
        disc_set.state = DiscSetState.WRITTEN
        disc_set.save(update_fields=["state"])
    log(disc, "replication.discs.lost", actor, {"before": {"state": before}, "after": {"state": DiscState.LOST}})
    return disc


def check_rebuild(actor: Any, disc_set: DiscSet) -> list[Disc]:
    check_manage_discs(actor)
    broken = list(disc_set.discs.exclude(state=DiscState.OK))
    if not broken:
        raise ValidationError(_("光盘套 %(label)s 没有丢失或损坏的光盘") % {"label": disc_set.label})
    if len(broken) > 2:
        raise ValidationError(
            _("光盘套 %(label)s 有 %(count)d 张光盘丢失或损坏，最多只能重建两张")
            % {"label": disc_set.label, "count": len(broken)}
        )
    return broken


def do_rebuild(actor: Any, disc_set: DiscSet) -> list[Disc]:
    """Rebuild the images of ``disc_set``'s lost or damaged discs (at most two) from the others; each rebuilt
    image matches its recorded SHA-256 or is refused. The rebuilt discs are ok again, to be written to new
    discs and given a location."""
    broken = check_rebuild(actor, disc_set)
    store = disc_store(disc_set.target)
    try:
        written = store.written_set(disc_set.label)
        store.rebuild(written, [d.label for d in broken])
    except StoreError as exc:
        raise ValidationError(str(exc)) from exc
    with transaction.atomic():
        now = timezone.now()
        for disc in broken:
            before = {"state": disc.state, "location": disc.location}
            disc.state, disc.problem, disc.location, disc.written_at = DiscState.OK, "", "", now
            disc.read_back_at = None
            disc.save(update_fields=["state", "problem", "location", "written_at", "read_back_at"])
            log(disc, "replication.discs.rebuild", actor, {"before": before, "after": {"state": DiscState.OK}})
        if disc_set.state == DiscSetState.SEALED:
            disc_set.state = DiscSetState.WRITTEN
            disc_set.save(update_fields=["state"])
    return broken
