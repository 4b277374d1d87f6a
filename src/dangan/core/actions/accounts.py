"""Accounts, roles, clearances and API tokens. check_* validates and raises, do_* writes and logs."""

from __future__ import annotations

import secrets
import string
from datetime import datetime
from typing import Any

from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from dangan.core.actors import Actor, check_actor, is_operator
from dangan.core.audit import log
from dangan.core.choices import Role, SecurityClassification
from dangan.core.models import APIToken, User
from dangan.core.roles import Capability, has_capability

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


def check_create_user(actor: Any, username: str, role: str, clearance: str | None = None) -> None:
    check_actor(actor)
    if not is_operator(actor):
        require(actor, Capability.ACCOUNTS_MANAGE)
        if clearance is not None:
            # Clearances belong to the security administrator (三员分立); only the console may set one at creation.
            require(actor, Capability.CLEARANCE_MANAGE)
    if not username or not username.strip():
        raise ValidationError(_("用户名不能为空。"))
    if role not in Role.values:
        raise ValidationError(_("未知角色：%(role)s") % {"role": role})
    if clearance is not None and clearance not in SecurityClassification.values:
        raise ValidationError(_("未知密级：%(value)s") % {"value": clearance})
    if User.objects.filter(username=username).exists():
        raise ValidationError(_("用户名“%(username)s”已存在。") % {"username": username})


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

    ``actor`` CONSOLE is the operator at the console (``dangan createadmin``, ``dangan demo``). ``clearance`` sets
    the 涉密等级 at creation; outside the console that takes the security administrator's capability.
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
    require(actor, Capability.ACCOUNTS_MANAGE)
    if role not in Role.values:
        raise ValidationError(_("未知角色：%(role)s") % {"role": role})
    if user.pk == getattr(actor, "pk", None):
        raise ValidationError(_("不能修改自己的角色。"))


@transaction.atomic
def do_set_role(actor: Any, user: User, role: str) -> User:
    check_set_role(actor, user, role)
    before = user.role
    user.role = role
    user.save(update_fields=["role"])
    log(user, "core.user.role", actor, {"before": {"role": before}, "after": {"role": role}})
    return user


@transaction.atomic
def do_set_active(actor: Any, user: User, active: bool) -> User:
    require(actor, Capability.ACCOUNTS_MANAGE)
    if user.pk == getattr(actor, "pk", None) and not active:
        raise ValidationError(_("不能停用自己的账号。"))
    before = user.is_active
    user.is_active = active
    user.save(update_fields=["is_active"])
    log(user, "core.user.active", actor, {"before": {"is_active": before}, "after": {"is_active": active}})
    return user


def check_set_clearance(actor: Any, user: User, clearance: str) -> None:
    require(actor, Capability.CLEARANCE_MANAGE)
    if clearance not in SecurityClassification.values:
        raise ValidationError(_("未知密级：%(value)s") % {"value": clearance})
    if user.pk == getattr(actor, "pk", None):
        raise ValidationError(_("不能修改自己的涉密等级。"))


@transaction.atomic
def do_set_clearance(actor: Any, user: User, clearance: str) -> User:
    check_set_clearance(actor, user, clearance)
    before = user.clearance
    user.clearance = clearance
    user.save(update_fields=["clearance"])
    log(user, "core.user.clearance", actor, {"before": {"clearance": before}, "after": {"clearance": clearance}})
    return user


@transaction.atomic
def do_reset_password(actor: Any, user: User) -> str:
    """A new one-time password for ``user``. ``actor`` CONSOLE is the operator at the console."""
    require_actor(actor, Capability.ACCOUNTS_MANAGE)
    password = one_time_password()
    user.set_password(password)
    user.must_change_password = True
    user.save(update_fields=["password", "must_change_password"])
    log(user, "core.user.password_reset", actor, {})
    return password


@transaction.atomic
def do_change_own_password(user: User, new_password: str) -> None:
    validate_password(new_password, user)
    user.set_password(new_password)
    user.must_change_password = False
    user.save(update_fields=["password", "must_change_password"])
    log(user, "core.user.password_change", user, {})


@transaction.atomic
def do_create_api_token(user: User, name: str, expires: datetime | None = None) -> tuple[APIToken, str]:
    """Create a token for ``user``; the key is returned once and only its hash is kept."""
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
