"""Registers core's audit action types, menu entries and periodic jobs."""

from datetime import datetime

from django.utils.translation import gettext_lazy as _

from dangan.utilities.registry import MenuItem, register_menu_item

from . import signals  # noqa: F401  (audit-logs sign-in and sign-out)
from .audit import register_action
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
