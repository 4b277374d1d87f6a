"""Failed sign-ins counted per account name and per client address, and the locks they lead to (登录失败处理)."""

from __future__ import annotations

import datetime as dt

from django.db import models
from django.utils.translation import gettext_lazy as _


class SignInScope(models.TextChoices):
    ACCOUNT = "account", _("账号")
    ADDRESS = "address", _("客户端地址")


class SignInThrottle(models.Model):
    """Failures of one account name (whether or not such an account exists) or one client address.

    ``failures`` counts the attempts of the current window, including those still being checked; ``locked_at`` is
    set while the key is locked, until ``locked_until`` (or, when that is empty, until the security administrator
    unlocks it).
    """

    scope = models.CharField(_("范围"), max_length=16, choices=SignInScope.choices)
    key = models.CharField(_("账号或地址"), max_length=150)
    failures = models.PositiveIntegerField(_("失败次数"), default=0)
    window_started = models.DateTimeField(_("计数开始"))
    locked_at = models.DateTimeField(_("锁定时间"), null=True, blank=True)
    locked_until = models.DateTimeField(_("自动解锁时间"), null=True, blank=True)

    class Meta:
        verbose_name = _("登录锁定")
        verbose_name_plural = _("登录锁定")
        constraints = [models.UniqueConstraint(fields=["scope", "key"], name="core_signin_throttle_unique")]

    def __str__(self) -> str:
        return f"{self.get_scope_display()} {self.key}"

    def is_locked(self, now: dt.datetime) -> bool:
        return self.locked_at is not None and (self.locked_until is None or self.locked_until > now)

    def lock_expired(self, now: dt.datetime) -> bool:
        return self.locked_at is not None and self.locked_until is not None and self.locked_until <= now
