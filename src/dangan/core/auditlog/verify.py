"""Verification of the whole audit log: every entry's seal and link, the seals that pin older entries, and the
anchors kept outside the database. The first problem found is reported, in Chinese, with what it means."""

from __future__ import annotations

import contextlib
import hmac
from dataclasses import dataclass, field
from typing import Any

from django.db import transaction
from django.utils.translation import gettext as _

from dangan.core.models import AuditEntry
from dangan.core.models.audit import AuditScheme

from .anchors import Anchor, read_anchors, write_anchor
from .chain import (
    GENESIS_HASH,
    REKEY_ACTION,
    SEAL_ACTIONS,
    PinDigest,
    current_head,
    entry_mac,
    key_for_writing,
    legacy_hash,
    lock_chain,
    seal_legacy_entries,
)
from .key import AuditKey, AuditKeyError, key_file_warnings, key_source, load_key

# Why a log is not intact (ChainReport.reason); stable values for the CLI's --json and the page.
LINK = "link"  # an entry does not link to the one before it: entries were removed or inserted
CONTENT = "content"  # an entry's seal does not match its columns: it was changed
SEAL = "seal"  # a seal no longer matches the entries it pinned: older entries were changed or removed
KEY_MISSING = "key_missing"  # no key (or an unreadable one): the entries cannot be checked
KEY_MISMATCH = "key_mismatch"  # entries were sealed with another key than the one configured
TRUNCATED = "truncated"  # an anchor names an entry beyond the end of the log: entries were cut off the end
ANCHOR_MISMATCH = "anchor_mismatch"  # an anchor's entry has another hash or count: the log was rewritten
ANCHOR_FORGED = "anchor_forged"  # an anchor whose signature does not match: anchors were tampered with


@dataclass
class ChainReport:
    checked: int = 0
    broken_at: int | None = None
    reason: str = ""
    detail: str = ""
    anchors: int = 0  # anchors checked against the log
    key_id: str = ""
    warnings: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.reason

    def as_dict(self) -> dict[str, Any]:
        return {
            "ok": self.ok,
            "checked": self.checked,
            "broken_at": self.broken_at,
            "reason": self.reason,
            "detail": self.detail,
            "anchors": self.anchors,
            "key_id": self.key_id,
            "warnings": self.warnings,
        }


class _Broken(Exception):
    def __init__(self, reason: str, detail: str, entry: int | None = None) -> None:
        super().__init__(reason)
        self.reason, self.detail, self.entry = reason, detail, entry


def seal_pending() -> None:
    """Pin entries of the old scheme with a seal entry if the log still ends with them (the upgrade, once)."""
    with transaction.atomic():
        lock_chain()
        head = current_head()
        if head is not None and head.scheme == AuditScheme.LEGACY_SHA256:
            seal_legacy_entries(key_for_writing(head), head)


def verify_chain(*, anchor: bool = True) -> ChainReport:
    """Check the whole log; when it is intact and ``anchor`` is true, record its head as a new anchor."""
    report = ChainReport()
    with contextlib.suppress(AuditKeyError):  # reported below, where the entries are checked with any key there is
        seal_pending()
    try:
        key = load_key()
    except AuditKeyError as exc:
        key = None
        report.warnings.append(str(exc))
    report.key_id = key.key_id if key else ""
    report.warnings += key_file_warnings()
    try:
        newest = _walk(report, key)
    except _Broken as broken:
        report.reason, report.detail, report.broken_at = broken.reason, broken.detail, broken.entry
        return report
    if anchor and key is not None:
        head = current_head()
        if head is not None and newest != head.id:
            write_anchor("verify", head)
    return report


def _walk(report: ChainReport, key: AuditKey | None) -> int | None:
    """Check every entry and anchor; raise _Broken at the first problem. Returns the newest anchored entry's id."""
    reading = read_anchors()
    anchors: dict[int, list[Anchor]] = {}
    others: list[Anchor] = []
    newest: int | None = None
    for item in reading.anchors:
        if key is not None and item.key_id == key.key_id:
            if not item.is_authentic(key):
                raise _Broken(
                    ANCHOR_FORGED,
                    _("锚点（第 %(id)d 条，%(time)s）的签名不符：日志之外的锚点被改动过。")
                    % {"id": item.last_id, "time": item.time},
                )
            anchors.setdefault(item.last_id, []).append(item)
            newest = max(newest or 0, item.last_id)
        else:
            others.append(item)
    last_seal = (
        AuditEntry.objects.filter(action__in=SEAL_ACTIONS).order_by("-id").values_list("id", flat=True).first() or 0
    )
    digest = PinDigest()
    previous, previous_id = GENESIS_HASH, 0
    unchecked_from: int | None = None  # first entry the key cannot check, not yet pinned by a seal
    foreign_key: str = ""
    retired: set[str] = set()
    keyed_seen = False
    for entry in AuditEntry.objects.order_by("id").iterator(chunk_size=2000):
        if entry.previous_hash != previous:
            raise _Broken(
                LINK,
                _("第 %(id)d 号记录与前一条记录（第 %(previous)d 号）链接不上：其间的记录被删除或插入过。")
                % {"id": entry.pk, "previous": previous_id},
                entry.pk,
            )
        if entry.scheme == AuditScheme.LEGACY_SHA256:
            if keyed_seen:
                raise _Broken(
                    CONTENT,
                    _("第 %(id)d 号记录是旧格式，却在用密钥封存的记录之后：记录被改写过。") % {"id": entry.pk},
                    entry.pk,
                )
            if legacy_hash(entry) != entry.entry_hash:
                raise _Broken(
                    CONTENT, _("第 %(id)d 号记录的内容与其哈希不符：记录被修改过。") % {"id": entry.pk}, entry.pk
                )
            unchecked_from = unchecked_from or entry.pk
        elif key is not None and entry.key_id == key.key_id:
            keyed_seen = True
            if not hmac.compare_digest(entry_mac(key, entry), entry.entry_hash):
                raise _Broken(
                    CONTENT,
                    _("第 %(id)d 号记录的内容与其签名（HMAC）不符：记录被修改过。") % {"id": entry.pk},
                    entry.pk,
                )
            if entry.action in SEAL_ACTIONS:
                _check_seal(entry, previous, previous_id, digest)
                unchecked_from = None
                if entry.action == REKEY_ACTION:
                    retired.add(str(entry.data.get("previous_key_id", "")))
        else:
            keyed_seen = True
            unchecked_from = unchecked_from or entry.pk
            foreign_key = foreign_key or entry.key_id
        if entry.pk < last_seal:
            digest.add(entry)
        report.checked += 1
        for item in anchors.pop(entry.pk, []):
            if item.last_hash != entry.entry_hash or item.count != report.checked:
                raise _Broken(
                    ANCHOR_MISMATCH,
                    _(
                        "锚点（%(time)s）记录第 %(id)d 号记录共 %(count)d 条，与现存日志（%(checked)d 条）不符："
                        "日志被改写过。"
                    )
                    % {"time": item.time, "id": item.last_id, "count": item.count, "checked": report.checked},
                    entry.pk,
                )
            report.anchors += 1
        previous, previous_id = entry.entry_hash, entry.pk
    if unchecked_from is not None:
        if key is None:
            raise _Broken(
                KEY_MISSING,
                _("审计密钥缺失或无法读取（%(source)s）：无法校验审计日志。请从备份恢复密钥。")
                % {"source": key_source()},
            )
        if foreign_key:
            raise _Broken(
                KEY_MISMATCH,
                _(
                    "自第 %(id)d 号记录起由密钥 %(other)s 封存，当前配置的密钥为 %(current)s（%(source)s）："
                    "密钥不符或已丢失，无法证明这些记录未被改动。请恢复正确的密钥。"
                )
                % {"id": unchecked_from, "other": foreign_key, "current": key.key_id, "source": key_source()},
                unchecked_from,
            )
        raise _Broken(SEAL, _("自第 %(id)d 号起的旧格式记录尚未被封存。") % {"id": unchecked_from}, unchecked_from)
    gone = [i for i in anchors if i < previous_id]
    if gone:
        item = anchors[gone[0]][0]
        raise _Broken(
            ANCHOR_MISMATCH,
            _("锚点（%(time)s）记录的第 %(id)d 号记录已不在日志中：日志被改写过。")
            % {"time": item.time, "id": item.last_id},
        )
    if anchors:
        beyond = max(anchors)
        item = anchors[beyond][0]
        raise _Broken(
            TRUNCATED,
            _(
                "锚点（%(time)s）证明日志曾有第 %(id)d 号记录，现存日志只到第 %(last)d 号："
                "末尾的记录被删除了（或数据库被恢复到了较早的备份）。"
            )
            % {"time": item.time, "id": beyond, "last": previous_id},
        )
    unknown = sorted({a.key_id for a in others} - retired)
    if unknown:
        raise _Broken(
            ANCHOR_FORGED,
            _("有锚点由未知的密钥 %(keys)s 签署：不是本日志的锚点，或锚点被伪造。") % {"keys": "、".join(unknown)},
        )
    for place in reading.missing if reading.anchors else []:
        report.warnings.append(_("“%(place)s”中没有锚点（位置见运维指南“审计日志”一节）。") % {"place": place})
    for place in reading.unreadable:
        report.warnings.append(_("锚点文件中有无法解读的行：%(place)s。") % {"place": place})
    if not reading.anchors and report.checked:
        report.warnings.append(_("尚未找到任何锚点：末尾记录被删除时无从发现。校验通过后会记录第一个锚点。"))
    return newest


def _check_seal(entry: AuditEntry, previous: str, previous_id: int, digest: PinDigest) -> None:
    sealed = entry.data.get("sealed") if isinstance(entry.data, dict) else None
    expected = {"last_id": previous_id, "last_hash": previous, "count": digest.count, "digest": digest.hexdigest()}
    if not isinstance(sealed, dict) or any(sealed.get(k) != v for k, v in expected.items()):
        raise _Broken(
            SEAL,
            _("第 %(id)d 号封存记录与它之前的 %(count)d 条记录不符：封存之后，这些记录被修改或删除过。")
            % {"id": entry.pk, "count": digest.count},
            entry.pk,
        )
