"""Accounts, roles, clearances and API tokens. check_* validates and raises, do_* writes and logs.

The rules that keep the three administrator roles apart (三员分立) live here; docs/security.md states them and names
the test of each. In short: the 三员 are created, given, changed, reset and deactivated only from the console; the
system administrator manages business accounts but never clearances; the security administrator sets clearances
but never accounts or passwords, and only for an account that has set its own password; a reset suspends the
clearance; a reset, a deactivation or a role change ends the account's sessions and revokes its API tokens; nobody
changes their own role or clearance.
"""

from __future__ import annotations

import secrets
import string
from datetime import datetime
from typing import Any

from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext as _

from dangan.core.actors import Actor, check_actor, is_operator
from dangan.core.audit import log
from dangan.core.choices import Role, SecurityClassification
from dangan.core.models import APIToken, User
from dangan.core.roles import Capability, has_capability, is_administrator_role

_ALPHABET = string.ascii_letters + string.digits


def one_time_password(length: int = 16) -> str:
    """A random password shown once; the account must change it at first login."""
    return "".join(secrets.choice(_ALPHABET) for _ in range(length))


def require(user: Any, capability: str) -> None:
    """Raise PermissionDenied unless ``user`` holds ``capability``."""
    if not has_capability(user, capability):
        raise PermissionDenied(_("您没有执行此操作的权限。"))


def require_actor(actor: Actor, capability: str) -> None:
    """As ``require``, for actions: ``actor`` may be an account or an operator (``core.actors``), never None."""
    check_actor(actor)
    require(actor, capability)


def _refuse_administrator_roles(actor: Any, *roles: str) -> None:
    """Only the console creates, gives, changes or takes away the three administrator roles (三员分立)."""
    if not is_operator(actor) and any(is_administrator_role(role) for role in roles):
        raise PermissionDenied(
            _("系统管理员、安全保密管理员和安全审计员账号只能在服务器控制台创建、授予或变更（dangan user）。")
        )


def check_manage_account(actor: Any, user: User) -> None:
    """Whether ``actor`` may reset, deactivate or reactivate ``user``: the system administrator may for business
    accounts; an administrator's account (its own included) only the console may."""
    check_actor(actor)
    require(actor, Capability.ACCOUNTS_MANAGE)
    if not is_operator(actor) and is_administrator_role(user.role):
        raise PermissionDenied(
            _("系统管理员、安全保密管理员和安全审计员的账号只能在服务器控制台重置密码、停用或启用（dangan user）。")
        )


def _end_sessions_and_tokens(user: User) -> int:
    """End every session of ``user`` (the session hash includes the generation) and delete its API tokens.
    Returns how many tokens were revoked. The caller saves ``session_generation``."""
    user.session_generation = F("session_generation") + 1
    revoked, _by_model = APIToken.objects.filter(user=user).delete()
    return revoked


def check_create_user(actor: Any, username: str, role: str, clearance: str | None = None) -> None:
    check_actor(actor)
    if not is_operator(actor):
        require(actor, Capability.ACCOUNTS_MANAGE)
        if clearance is not None:
            # Clearances belong to the security administrator, who creates no accounts: only the console may set
            # one at creation (``dangan demo``).
            raise PermissionDenied(_("涉密等级由安全保密管理员设定，创建账号时不能指定。"))
    if role not in Role.values:
        raise ValidationError(_("未知角色：%(role)s") % {"role": role})
    _refuse_administrator_roles(actor, role)
    if not username or not username.strip():
        raise ValidationError(_("用户名不能为空。"))
    if clearance is not None and clearance not in SecurityClassification.values:
        raise ValidationError(_("未知密级：%(value)s") % {"value": clearance})
    if User.objects.filter(username=username.strip()).exists():
        raise ValidationError(_("用户名“%(username)s”已存在。") % {"username": username.strip()})


@transaction.atomic
def do_create_user(
    actor: Any,
    username: str,
    role: str,
    *,
    full_name: str = "",
    email: str = "",
    password: str | None = None,
    clearance: str | None = None,
) -> tuple[User, str]:
    """Create an account. Returns the user and its one-time password (shown once, to be changed at login).

    ``actor`` CONSOLE is the operator at the console (``dangan user create``, ``dangan createadmin``, ``dangan
    demo``): only it may create one of the three administrators or set a clearance at creation.
    """
    check_create_user(actor, username, role, clearance)
    password = password or one_time_password()
    user = User(username=username.strip(), role=role, email=email, first_name=full_name, must_change_password=True)
    after = {"username": user.username, "role": role}
    if clearance is not None:
        user.clearance = clearance
        after["clearance"] = clearance
    user.set_password(password)
    user.save()
    log(user, "core.user.create", actor, {"after": after})
    return user, password


def check_set_role(actor: Any, user: User, role: str) -> None:
    check_actor(actor)
    require(actor, Capability.ACCOUNTS_MANAGE)
    if role not in Role.values:
        raise ValidationError(_("未知角色：%(role)s") % {"role": role})
    if user.pk == getattr(actor, "pk", None):
        raise ValidationError(_("不能修改自己的角色。"))
    _refuse_administrator_roles(actor, user.role, role)


@transaction.atomic
def do_set_role(actor: Any, user: User, role: str) -> User:
    """Give ``user`` another role. Its clearance goes back to 公开 (a new role needs a new decision of the security
    administrator), and its sessions and API tokens end."""
    check_set_role(actor, user, role)
    if role == user.role:
        return user
    before = {"role": user.role, "clearance": user.clearance}
    user.role = role
    user.clearance = SecurityClassification.PUBLIC
    user.clearance_to_confirm = ""
    revoked = _end_sessions_and_tokens(user)
    user.save(update_fields=["role", "clearance", "clearance_to_confirm", "session_generation"])
    user.refresh_from_db(fields=["session_generation"])
    after = {"role": role, "clearance": user.clearance}
    log(user, "core.user.role", actor, {"before": before, "after": after, "tokens_revoked": revoked})
    return user


@transaction.atomic
def do_set_active(actor: Any, user: User, active: bool) -> User:
    """Deactivate (its sessions and API tokens end) or reactivate an account."""
    check_manage_account(actor, user)
    if user.pk == getattr(actor, "pk", None) and not active:
        raise ValidationError(_("不能停用自己的账号。"))
    before = user.is_active
    user.is_active = active
    fields = ["is_active"]
    data: dict[str, Any] = {"before": {"is_active": before}, "after": {"is_active": active}}
    if not active:
        data["tokens_revoked"] = _end_sessions_and_tokens(user)
        fields.append("session_generation")
    user.save(update_fields=fields)
    user.refresh_from_db(fields=["session_generation"])
    log(user, "core.user.active", actor, data)
    return user


def _visible_rank(level: str) -> int:
    return SecurityClassification.rank(level) if level in SecurityClassification.values else 0


def check_set_clearance(actor: Any, user: User, clearance: str) -> None:
    check_actor(actor)
    require(actor, Capability.CLEARANCE_MANAGE)
    if clearance not in SecurityClassification.values:
        raise ValidationError(_("未知密级：%(value)s") % {"value": clearance})
    if user.pk == getattr(actor, "pk", None):
        raise ValidationError(_("不能修改自己的涉密等级。"))
    if is_operator(actor):
        return
    if is_administrator_role(user.role):
        raise ValidationError(_("涉密等级只适用于业务人员；系统管理员、安全保密管理员和安全审计员只能查阅公开档案。"))
    raising = _visible_rank(clearance) > _visible_rank(user.clearance)
    if raising and user.must_change_password:
        # Whoever learned the one-time password (the system administrator who created or reset the account)
        # must not be able to use the clearance: the account first sets a password only its holder knows.
        raise ValidationError(_("该账号尚未由本人修改一次性密码，暂不能授予涉密等级。请在本人修改密码后再设定。"))


@transaction.atomic
def do_set_clearance(actor: Any, user: User, clearance: str) -> User:
    check_set_clearance(actor, user, clearance)
    before = {"clearance": user.clearance}
    if user.clearance_to_confirm:
        before["clearance_to_confirm"] = user.clearance_to_confirm
    user.clearance = clearance
    user.clearance_to_confirm = ""
    user.save(update_fields=["clearance", "clearance_to_confirm"])
    log(user, "core.user.clearance", actor, {"before": before, "after": {"clearance": clearance}})
    return user


def check_confirm_clearance(actor: Any, user: User) -> None:
    if not user.clearance_to_confirm:
        raise ValidationError(_("该账号没有待确认的涉密等级。"))
    check_set_clearance(actor, user, user.clearance_to_confirm)


@transaction.atomic
def do_confirm_clearance(actor: Any, user: User) -> User:
    """Give back the clearance a password reset suspended, once the account has set its own password again."""
    check_confirm_clearance(actor, user)
    level = user.clearance_to_confirm
    before = {"clearance": user.clearance, "clearance_to_confirm": level}
    user.clearance = level
    user.clearance_to_confirm = ""
    user.save(update_fields=["clearance", "clearance_to_confirm"])
    log(user, "core.user.clearance_confirm", actor, {"before": before, "after": {"clearance": level}})
    return user


@transaction.atomic
def do_reset_password(actor: Any, user: User) -> str:
    """A new one-time password for ``user``. ``actor`` CONSOLE is the operator at the console.

    Whoever resets the password learns a password of the account, so the account's clearance is suspended until
    the security administrator confirms it again (after the account has set its own password), and its sessions
    and API tokens end.
    """
    check_manage_account(actor, user)
    password = one_time_password()
    user.set_password(password)
    user.must_change_password = True
    before = {"clearance": user.clearance}
    if _visible_rank(user.clearance) > _visible_rank(user.clearance_to_confirm):
        user.clearance_to_confirm = user.clearance if user.clearance != SecurityClassification.PUBLIC else ""
    user.clearance = SecurityClassification.PUBLIC
    revoked = _end_sessions_and_tokens(user)
    user.save(
        update_fields=["password", "must_change_password", "clearance", "clearance_to_confirm", "session_generation"]
    )
    user.refresh_from_db(fields=["session_generation"])
    after = {"clearance": user.clearance, "clearance_to_confirm": user.clearance_to_confirm}
    log(user, "core.user.password_reset", actor, {"before": before, "after": after, "tokens_revoked": revoked})
    return password


@transaction.atomic
def do_change_own_password(user: User, new_password: str, *, address: str = "") -> None:
    """The account sets its own password (with the current one checked by the form); it starts the expiry clock."""
    validate_password(new_password, user)
    user.set_password(new_password)
    user.must_change_password = False
    user.password_changed_at = timezone.now()
    user.save(update_fields=["password", "must_change_password", "password_changed_at"])
    log(user, "core.user.password_change", user, {"ip": address} if address else {})


@transaction.atomic
def do_create_api_token(user: User, name: str, expires: datetime | None = None) -> tuple[APIToken, str]:
    """Create a token for ``user``; the key is returned once and only its hash is kept."""
    if user.needs_password_change:
        raise PermissionDenied(_("请先修改密码，再创建 API 令牌。"))
    if not name.strip():
        raise ValidationError(_("令牌名称不能为空。"))
    key = APIToken.new_key()
    token = APIToken.objects.create(
        user=user, name=name.strip(), prefix=key[:8], key_hash=APIToken.hash_key(key), expires=expires
    )
    log(token, "core.token.create", user, {"after": {"name": token.name, "prefix": token.prefix}})
    return token, key


@transaction.atomic
def do_revoke_api_token(user: User, token: APIToken) -> None:
    if token.user_id != user.pk:
        raise PermissionDenied(_("只能吊销自己的令牌。"))
    log(token, "core.token.revoke", user, {"before": {"name": token.name, "prefix": token.prefix}})
    token.delete()
