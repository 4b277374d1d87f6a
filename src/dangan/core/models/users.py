"""Staff accounts with one role each, a clearance, and API tokens."""

from __future__ import annotations

import datetime as dt
import hashlib
import secrets

from django.conf import settings
from django.contrib.auth.models import AbstractUser
from django.db import models
from django.utils import timezone
from django.utils.crypto import salted_hmac
from django.utils.translation import gettext_lazy as _

from dangan.core.choices import Role, SecurityClassification


class User(AbstractUser):
    role = models.CharField(_("角色"), max_length=32, choices=Role.choices, default=Role.ARCHIVIST)
    clearance = models.CharField(
        _("涉密等级"),
        max_length=16,
        choices=SecurityClassification.choices,
        default=SecurityClassification.PUBLIC,
        help_text=_("可查阅的最高密级，由安全保密管理员设定。"),
    )
    must_change_password = models.BooleanField(_("须修改密码"), default=False)
    # When the account last set its own password (the expiry clock, DANGAN_PASSWORD_MAX_AGE_DAYS).
    password_changed_at = models.DateTimeField(_("密码修改时间"), default=timezone.now)
    # A clearance suspended by a password reset, waiting for the security administrator to confirm it again.
    clearance_to_confirm = models.CharField(
        _("待确认的涉密等级"), max_length=16, choices=SecurityClassification.choices, blank=True, default=""
    )
    # Part of the session hash: raising it ends every session of the account (reset, deactivation, role change).
    session_generation = models.PositiveIntegerField(default=0, editable=False)

    class Meta:
        verbose_name = _("用户")
        verbose_name_plural = _("用户")

    def __str__(self) -> str:
        return self.get_full_name() or self.username

    def has_capability(self, capability: str) -> bool:
        from dangan.core.roles import has_capability

        return has_capability(self, capability)

    @property
    def password_expired(self) -> bool:
        """Whether the account's own password is older than DANGAN_PASSWORD_MAX_AGE_DAYS (0: passwords never expire)."""
        days = settings.PASSWORD_MAX_AGE_DAYS
        return days > 0 and self.password_changed_at < timezone.now() - dt.timedelta(days=days)

    @property
    def needs_password_change(self) -> bool:
        """A one-time password or an expired one: nothing but the password change page until it is changed."""
        return self.must_change_password or self.password_expired

    def _get_session_auth_hash(self, secret: str | None = None) -> str:
        # Django keys a session to the password hash; adding the generation lets a reset, a deactivation or a role
        # change end the account's sessions even where the password stays the same.
        key_salt = "dangan.core.User.get_session_auth_hash"
        value = f"{self.password}:{self.session_generation}"
        return salted_hmac(key_salt, value, secret=secret, algorithm="sha256").hexdigest()


class APIToken(models.Model):
    """A bearer token for the REST API; only its SHA-256 is stored."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="api_tokens")
    name = models.CharField(_("名称"), max_length=100)
    prefix = models.CharField(_("前缀"), max_length=8, editable=False)
    key_hash = models.CharField(max_length=64, unique=True, editable=False)
    created = models.DateTimeField(_("创建时间"), auto_now_add=True)
    last_used = models.DateTimeField(_("最近使用"), null=True, blank=True)
    expires = models.DateTimeField(_("过期时间"), null=True, blank=True)

    class Meta:
        verbose_name = _("API 令牌")
        verbose_name_plural = _("API 令牌")

    def __str__(self) -> str:
        return f"{self.prefix}… ({self.name})"

    @staticmethod
    def hash_key(key: str) -> str:
        return hashlib.sha256(key.encode()).hexdigest()

    @staticmethod
    def new_key() -> str:
        return "dg_" + secrets.token_urlsafe(32)
