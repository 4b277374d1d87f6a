"""Registers core's audit action types, menu entries and periodic jobs (sign-in locks, anchoring the audit log)."""

from datetime import datetime
from typing import Any

from django.utils.translation import gettext_lazy as _

from dangan.utilities.registry import MenuItem, register_menu_item

from . import signals  # noqa: F401  (audit-logs sign-in and sign-out)
from .audit import register_action
from .auditlog.display import AuditDescriber, readable_by_all, register_describer
from .choices import Role, SecurityClassification
from .models.audit import AuditScheme
from .roles import Capability
from .schedule import PeriodicJob, register_periodic_job

register_action("core.user.create", _("创建账号"))
register_action("core.user.role", _("修改角色"))
register_action("core.user.active", _("启用/停用账号"))
register_action("core.user.clearance", _("修改涉密等级"))
register_action("core.user.clearance_confirm", _("确认涉密等级"))
register_action("core.user.password_reset", _("重置密码"))
register_action("core.user.password_change", _("修改密码"))
register_action("core.user.login", _("登录"))
register_action("core.user.login_failed", _("登录失败"))
register_action("core.user.logout", _("退出"))
register_action("core.signin.lock", _("登录锁定"))
register_action("core.signin.unlock", _("解除登录锁定"))
register_action("core.token.create", _("创建 API 令牌"))
register_action("core.token.revoke", _("吊销 API 令牌"))
register_action("core.institution.create", _("创建机构"))
register_action("core.audit.seal", _("封存旧格式审计记录"))
register_action("core.audit.rekey", _("更换丢失的审计密钥"))
register_action("core.audit.export", _("导出审计记录"))

# Accounts, sign-ins, tokens and the log itself are what the auditor audits: whoever reads the log reads them whole.
register_describer(
    AuditDescriber(
        "core.",
        readable_by_all,
        labels={
            "sealed": _("封存范围"),
            "last_id": _("最后一条的编号"),
            "last_hash": _("最后一条的哈希"),
            "count": _("条数"),
            "digest": _("摘要（SHA-256）"),
            "legacy_scheme": _("旧格式"),
            "previous_key_id": _("原密钥标识"),
            "filters": _("筛选条件"),
            "user": _("用户"),
            "action": _("操作"),
            "object_type": _("对象类型"),
            "object_id": _("对象标识"),
            "date_from": _("起始时间"),
            "date_to": _("截止时间"),
            "full_name": _("姓名"),
        },
        values={"legacy_scheme": AuditScheme, "role": Role, "clearance": SecurityClassification},
    )
)


def _queue_audit_anchor(now: Any) -> int:
    """Queue an anchor of the audit log when it has grown since the last one (every scheduler run, by default
    every DANGAN_SCHEDULER_SECONDS)."""
    from .auditlog.anchors import log_has_moved
    from .tasks import anchor_audit_log_task

    if not log_has_moved():
        return 0
    anchor_audit_log_task.enqueue()
    return 1


register_periodic_job(PeriodicJob("core.audit.anchor", _("记录审计日志锚点"), _queue_audit_anchor))

register_menu_item(
    MenuItem(
        "users", _("账号"), "core:user_list", Capability.ACCOUNTS_MANAGE, order=80, active_prefixes=("/manage/users",)
    )
)
register_menu_item(
    MenuItem(
        "clearances",
        _("涉密等级"),
        "core:clearance_list",
        Capability.CLEARANCE_MANAGE,
        order=81,
        active_prefixes=("/manage/clearances",),
    )
)
register_menu_item(
    MenuItem(
        "audit", _("审计日志"), "core:audit_list", Capability.AUDIT_VIEW, order=90, active_prefixes=("/manage/audit",)
    )
)
register_menu_item(
    MenuItem(
        "signin_locks",
        _("登录锁定"),
        "core:signin_lock_list",
        Capability.SIGNIN_UNLOCK,
        order=82,
        active_prefixes=("/manage/sign-in-locks",),
    )
)


def _release_expired_sign_in_locks(now: datetime) -> int:
    # Records the automatic unlock in the audit log when the delay runs out, not only at the next attempt.
    from .actions.signin import do_release_expired_locks

    do_release_expired_locks(now)
    return 0  # no task queued: the work is a few rows, done here


register_periodic_job(PeriodicJob("core.signin.release", _("到期解除登录锁定"), _release_expired_sign_in_locks))
