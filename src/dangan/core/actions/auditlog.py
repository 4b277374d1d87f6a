"""The audit log's own operations: preparing it at `dangan init`, exporting it, replacing a lost key.
check_* validates and raises, do_* writes and logs."""

from __future__ import annotations

import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from dangan.core.actors import account_of, actor_name, check_actor, is_operator
from dangan.core.audit import log
from dangan.core.auditlog import chain, export
from dangan.core.auditlog.anchors import write_anchor
from dangan.core.auditlog.key import AuditKey
from dangan.core.auditlog.verify import seal_pending
from dangan.core.filters import AuditEntryFilter
from dangan.core.models import AuditEntry
from dangan.core.roles import Capability

from .accounts import require_actor

# An export larger than this is refused with a request to narrow the filter (a year of a busy archives is less).
EXPORT_LIMIT = 200_000


def do_prepare_audit_log() -> AuditKey:
    """At `dangan init`: the key exists (created for a log that has none), and entries of the old scheme are
    sealed. Raises AuditKeyError when the log was sealed with a key that is missing or not the one configured."""
    with transaction.atomic():
        chain.lock_chain()
        key = chain.key_for_writing(chain.current_head())
    seal_pending()
    return key


@dataclass(frozen=True)
class ExportResult:
    path: Path
    file_name: str
    rows: int
    content_type: str


CONTENT_TYPES = {
    "csv": "text/csv; charset=utf-8",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
}


def check_export_audit_log(actor: Any, filters: AuditEntryFilter, fmt: str) -> None:
    require_actor(actor, Capability.AUDIT_VIEW)
    if fmt not in export.FORMATS:
        raise ValidationError(_("导出格式须为 CSV 或 Excel（.xlsx）。"))
    if filters.errors:
        raise ValidationError(_("筛选条件有误，请先修正再导出。"))
    if filters.apply(actor)[EXPORT_LIMIT : EXPORT_LIMIT + 1].exists():
        raise ValidationError(
            _("符合条件的审计记录超过 %(limit)d 条，请缩小时间范围后分次导出。") % {"limit": EXPORT_LIMIT}
        )


def do_export_audit_log(actor: Any, filters: AuditEntryFilter, fmt: str) -> ExportResult:
    """Write the entries that ``filters`` select, as ``actor`` may read them, to a temporary file (the caller sends
    and removes it); the export itself is recorded in the audit log."""
    check_export_audit_log(actor, filters, fmt)
    handle = tempfile.NamedTemporaryFile(prefix="dangan-audit-", suffix=f".{fmt}", delete=False)  # noqa: SIM115
    handle.close()
    path = Path(handle.name)
    try:
        # The entries as they are now: the export's own entry, written after, is not in it.
        rows = export.write(path, fmt, filters.apply(actor), actor)
        with transaction.atomic():
            log(None, "core.audit.export", actor, {"format": fmt, "rows": rows, "filters": filters.as_params()})
    except BaseException:
        path.unlink(missing_ok=True)
        raise
    file_name = f"audit-log-{timezone.localtime():%Y%m%d-%H%M%S}.{fmt}"
    return ExportResult(path, file_name, rows, CONTENT_TYPES[fmt])


def check_replace_audit_key(actor: Any, reason: str) -> None:
    check_actor(actor)
    if not is_operator(actor) or actor_name(actor) != "console":
        # The key lives on the server, outside the database: only the person at its console may replace it.
        raise PermissionDenied(_("只能在服务器控制台更换审计密钥。"))
    if not reason.strip():
        raise ValidationError(_("请说明更换审计密钥的理由（例如密钥丢失的经过）。"))


def do_replace_audit_key(actor: Any, reason: str) -> AuditEntry:
    """After the key was lost: a new key, and a ``core.audit.rekey`` entry that pins every entry before it (they can
    no longer be checked one by one, but no longer be changed unnoticed either). Raises AuditKeyError while the
    configured key still matches the log."""
    check_replace_audit_key(actor, reason)
    with transaction.atomic():
        chain.lock_chain()
        account = account_of(actor)
        entry, _key = chain.replace_lost_key(
            actor_name(actor), account.pk if account is not None else None, reason.strip()[:2000]
        )
    write_anchor("rekey", chain.head_of(entry))
    return entry
