"""The keeper's side of the node protocol: the envelopes this node keeps for its partners, in an area of their own
(``REPLICATION_KEEPING_ROOT/<partner node id>/<name>``, never inside the storage root), written through
``<name>.partial`` (appended, fsynced, renamed into place once whole), counted against each partner's agreed quota
(``Partner.quota_bytes``), and proven without being sent back (crypto.proofs over the kept files' sealed chunks).

Each function answers one request of a partner whose signature the view has checked (protocol.server); refusals
are ``KeepingRefused`` with the HTTP status, a stable code and a Chinese message.
"""

from __future__ import annotations

import hashlib
import os
import threading
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from django.conf import settings
from django.db import transaction
from django.db.models import Sum
from django.utils import timezone
from django.utils.translation import gettext as _

from dangan.core.audit import log
from dangan.replication.crypto.envelope import EnvelopeHeader
from dangan.replication.crypto.errors import ReplicationCryptoError
from dangan.replication.crypto.proofs import CopyAnswer, CopyChallenge, answer_copy
from dangan.replication.models import KeptEnvelope, Partner
from dangan.replication.stores.base import check_name

__all__ = [
    "KeepingRefused",
    "do_delete_kept",
    "do_prove_kept",
    "do_receive_piece",
    "keeping_usage",
    "kept_list",
    "read_kept",
]

PARTIAL = ".partial"
_writing = threading.Lock()  # one PUT at a time appends (a retry overlapping a slow first try must not interleave)
#: The SHA-256 of each upload in progress as far as it has been appended (bytes hashed, state), under ``_writing``:
#: the receipt's digest without reading the envelope again. Only a state that covers exactly the bytes on disk is
#: used; after a restart, a failed write or for an upload this process did not see from its start, the digest comes
#: from reading the file, as before.
_digests: dict[Path, tuple[int, Any]] = {}
_DIGESTS_KEPT = 64  # uploads abandoned half-way leave a state each: only the most recent are kept
ACTION_RECEIVE = "replication.keeping.receive"
ACTION_DELETE = "replication.keeping.delete"


class KeepingRefused(Exception):
    """The request cannot be done: ``status`` (HTTP), ``code`` (stable) and a Chinese message; ``extra`` goes into
    the JSON answer (e.g. ``held``: the size held, for a resumed upload at the wrong offset)."""

    def __init__(self, status: int, code: str, message: str, **extra: Any) -> None:
        super().__init__(message)
        self.status, self.code, self.extra = status, code, extra


@dataclass(frozen=True)
class Piece:
    """What a PUT left: the envelope's size held so far and, once whole, its SHA-256."""

    name: str
    size: int
    complete: bool
    sha256: str = ""


def _actor(partner: Partner) -> str:
    return f"partner:{partner.name}"


def _area(partner: Partner) -> Path:
    root = Path(settings.REPLICATION_KEEPING_ROOT).resolve()
    storage = Path(settings.STORAGE_ROOT).resolve()
    if root == storage or root.is_relative_to(storage):
        raise KeepingRefused(
            503,
            "keeping-inside-storage",
            _("代存区 %(root)s 在长期保存存储库 %(storage)s 之内，拒绝写入；请另设 DANGAN_REPLICATION_KEEPING_ROOT。")
            % {"root": root, "storage": storage},
        )
    return root / str(partner.node_id)


def _checked(name: str) -> str:
    try:
        check_name(name)
    except ValueError as exc:
        raise KeepingRefused(400, "bad-name", str(exc)) from None
    if name.endswith(PARTIAL):
        raise KeepingRefused(400, "bad-name", _("密文对象名称不能以 %(suffix)s 结尾。") % {"suffix": PARTIAL})
    return name


def _fsync_dir(path: Path) -> None:
    descriptor = os.open(path, os.O_RDONLY)
    try:
        os.fsync(descriptor)
    finally:
        os.close(descriptor)


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        while block := handle.read(1 << 20):
            digest.update(block)
    return digest.hexdigest()


def keeping_usage(partner: Partner) -> tuple[int, int]:
    """(bytes kept for ``partner``, complete or not; the agreed quota)."""
    used = KeptEnvelope.objects.filter(partner=partner).aggregate(total=Sum("size"))["total"] or 0
    return int(used), int(partner.quota_bytes)


def kept_list(partner: Partner, prefix: str = "") -> list[dict[str, Any]]:
    rows = KeptEnvelope.objects.filter(partner=partner, name__startswith=prefix).order_by("name")
    return [{"name": row.name, "size": row.size, "complete": row.complete} for row in rows]


def do_receive_piece(partner: Partner, name: str, offset: int, size: int, body: bytes) -> Piece:
    """Append ``body`` at ``offset`` of the envelope ``name`` of ``size`` bytes. The bytes on disk are the truth
    about what is held (a server killed mid-write resumes from them). Whole: fsynced, hashed, renamed into place,
    recorded complete and audit-logged. A complete envelope sent again (same size, offset at its end) is confirmed
    without writing."""
    _checked(name)
    if size < 0 or offset < 0:
        raise KeepingRefused(400, "bad-range", _("偏移量和大小不能为负数。"))
    final = _area(partner) / name
    partial = final.with_name(final.name + PARTIAL)
    with _writing, transaction.atomic():
        kept = KeptEnvelope.objects.select_for_update().filter(partner=partner, name=name).first()
        if kept is not None and kept.complete:
            if kept.size == size and offset == size and not body:
                return Piece(name, kept.size, True, kept.sha256)
            raise KeepingRefused(
                409,
                "exists",
                _("密文对象 %(name)s 已完整保存（%(size)s 字节），不能改写。") % {"name": name, "size": kept.size},
                held=kept.size,
            )
        held = partial.stat().st_size if partial.exists() else 0
        if offset != held:
            raise KeepingRefused(
                409,
                "wrong-offset",
                _("续传位置不对：本节点已收到 %(held)s 字节，请求从 %(offset)s 开始。")
                % {"held": held, "offset": offset},
                held=held,
            )
        if offset + len(body) > size:
            raise KeepingRefused(400, "too-long", _("数据超出声明的大小 %(size)s 字节。") % {"size": size})
        used, limit = keeping_usage(partner)
        if used - (kept.size if kept else 0) + size > limit:
            raise KeepingRefused(
                507,
                "quota-exceeded",
                _(
                    "超出为结对档案馆 %(name)s 约定的代存容量：已用 %(used)s 字节，上限 %(limit)s 字节，本对象 %(size)s 字节。"
                )
                % {"name": partner.name, "used": used, "limit": limit, "size": size},
            )
        state = (0, hashlib.sha256()) if offset == 0 else _digests.get(partial)
        _digests.pop(partial, None)  # until this write has succeeded
        try:
            partial.parent.mkdir(parents=True, exist_ok=True)
            with open(partial, "ab") as handle:
                handle.write(body)
                handle.flush()
                os.fsync(handle.fileno())
            if offset == 0:
                _fsync_dir(partial.parent)
        except OSError as exc:
            raise KeepingRefused(
                409 if isinstance(exc, (NotADirectoryError, IsADirectoryError, FileExistsError)) else 500,
                "write-failed",
                _("写入代存区失败：%(error)s") % {"error": exc},
            ) from None
        if kept is None:
            kept = KeptEnvelope(partner=partner, name=name)
        kept.size = offset + len(body)
        if state is not None and state[0] == offset:
            state[1].update(body)
            state = (kept.size, state[1])
        else:
            state = None
        if kept.size < size:
            kept.save()
            if state is not None:
                _digests[partial] = state
                while len(_digests) > _DIGESTS_KEPT:
                    del _digests[next(iter(_digests))]
            return Piece(name, kept.size, False)
        kept.sha256 = state[1].hexdigest() if state is not None else _sha256(partial)
        os.replace(partial, final)
        _fsync_dir(final.parent)
        kept.complete = True
        kept.received_at = timezone.now()
        kept.save()
        log(
            kept,
            ACTION_RECEIVE,
            _actor(partner),
            {"partner": partner.name, "name": name, "size": kept.size, "sha256": kept.sha256},
        )
        return Piece(name, kept.size, True, kept.sha256)


def read_kept(partner: Partner, name: str, start: int = 0, stop: int | None = None) -> tuple[bytes, int]:
    """Bytes ``[start, stop)`` of a complete kept envelope and its whole size."""
    _checked(name)
    kept = KeptEnvelope.objects.filter(partner=partner, name=name).first()
    if kept is None:
        raise KeepingRefused(404, "not-found", _("本节点没有密文对象 %(name)s。") % {"name": name})
    if not kept.complete:
        raise KeepingRefused(
            409,
            "incomplete",
            _("密文对象 %(name)s 尚未传完（已收 %(size)s 字节）。") % {"name": name, "size": kept.size},
            held=kept.size,
        )
    path = _area(partner) / name
    try:
        with open(path, "rb") as handle:
            total = os.fstat(handle.fileno()).st_size
            end = total if stop is None else min(stop, total)
            handle.seek(start)
            return handle.read(max(0, end - start)), total
    except FileNotFoundError:
        raise KeepingRefused(404, "not-found", _("密文对象 %(name)s 的文件已不在代存区。") % {"name": name}) from None


def kept_size(partner: Partner, name: str) -> KeptEnvelope | None:
    _checked(name)
    return KeptEnvelope.objects.filter(partner=partner, name=name).first()


def do_delete_kept(partner: Partner, name: str) -> None:
    """Remove a kept envelope (and any unfinished upload of it); absent is not an error."""
    _checked(name)
    final = _area(partner) / name
    with _writing, transaction.atomic():
        kept = KeptEnvelope.objects.select_for_update().filter(partner=partner, name=name).first()
        if kept is not None:
            log(kept, ACTION_DELETE, _actor(partner), {"partner": partner.name, "name": name, "size": kept.size})
            kept.delete()
        for path in (final, final.with_name(final.name + PARTIAL)):
            path.unlink(missing_ok=True)
        _digests.pop(final.with_name(final.name + PARTIAL), None)


class _KeptEnvelope:
    """A kept envelope as the keeper reads it for a proof: its header bytes as they lie in the file, its chunk count
    from the header and the file's size (a shortened file has fewer), and sealed chunk i read at its offset."""

    def __init__(self, path: Path) -> None:
        self._path = path
        with open(path, "rb") as handle:
            try:
                parsed = EnvelopeHeader.read(handle)
            except ReplicationCryptoError as exc:
                raise OSError(str(exc)) from None
            length = handle.tell()
            handle.seek(0)
            self.header = handle.read(length)
            size = os.fstat(handle.fileno()).st_size
        self._parsed = parsed
        self._count = -(-(size - length) // parsed.sealed_chunk_size)

    def __len__(self) -> int:
        return self._count

    def chunk(self, index: int) -> bytes:
        if not 0 <= index < self._count:
            raise IndexError(index)
        with open(self._path, "rb") as handle:
            handle.seek(self._parsed.chunk_offset(index))
            return handle.read(self._parsed.sealed_chunk_size)


class _KeptCopy:
    """What this node keeps for one partner, as crypto.proofs.HeldCopy: its complete envelopes in name order."""

    def __init__(self, partner: Partner) -> None:
        self._partner, self._area = partner, _area(partner)
        self._opened: dict[str, _KeptEnvelope | None] = {}

    def names(self, first: str, last: str) -> list[str]:
        rows = KeptEnvelope.objects.filter(partner=self._partner, complete=True, name__gte=first, name__lte=last)
        # the bytes on disk are the truth about what is held: a row whose file is gone is not counted
        return sorted(name for name in rows.values_list("name", flat=True) if (self._area / name).is_file())

    def open(self, name: str) -> _KeptEnvelope | None:
        if name not in self._opened:
            held: _KeptEnvelope | None = None
            if KeptEnvelope.objects.filter(partner=self._partner, name=name, complete=True).exists():
                try:
                    held = _KeptEnvelope(self._area / name)
                except OSError:
                    held = None
            self._opened[name] = held
        return self._opened[name]


def do_prove_kept(partner: Partner, challenge: CopyChallenge) -> CopyAnswer:
    """Answer ``challenge`` over the envelopes kept for ``partner`` (crypto.proofs.answer_copy): a proof per
    sampled chunk it holds, the sampled chunks it lacks, and for each range the envelopes and chunks it holds there
    with one proof over all of them. ``challenged_at`` is set on the envelopes named."""
    for name in challenge.samples:
        _checked(name)
    answer = answer_copy(challenge, _KeptCopy(partner))
    named = list(challenge.samples)
    KeptEnvelope.objects.filter(partner=partner, name__in=named[:500]).update(challenged_at=timezone.now())
    return answer
