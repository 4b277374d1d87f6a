"""Accounts and the three separated administrator roles (三员分立)."""

from __future__ import annotations

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from dangan.core.actions.accounts import (
    do_change_own_password,
    do_create_api_token,
    do_create_user,
    do_reset_password,
    do_set_clearance,
    do_set_role,
)
from dangan.core.actors import CONSOLE
from dangan.core.choices import Role
from dangan.core.models import APIToken


def test_system_admin_creates_accounts_with_one_time_passwords(system_admin):
    user, password = do_create_user(system_admin, "zhangsan", Role.ARCHIVIST, full_name="张三")
    assert user.must_change_password and user.check_password(password) and len(password) >= 12
    with pytest.raises(ValidationError, match="已存在"):
        do_create_user(system_admin, "zhangsan", Role.ARCHIVIST)
    do_change_own_password(user, "A-much-better-passphrase")
    user.refresh_from_db()
    assert not user.must_change_password
    new_password = do_reset_password(system_admin, user)
    user.refresh_from_db()
    assert user.must_change_password and user.check_password(new_password)


def test_only_the_security_admin_sets_clearances(system_admin, security_admin, security_auditor, archivist):
    for actor in (system_admin, security_auditor, archivist):
        with pytest.raises(PermissionDenied):
            do_set_clearance(actor, archivist, "secret")
    do_set_clearance(security_admin, archivist, "secret")
    archivist.refresh_from_db()
    assert archivist.clearance == "secret"
    with pytest.raises(ValidationError):
        do_set_clearance(security_admin, security_admin, "top_secret")


def test_roles_are_set_at_the_console_only(system_admin, security_admin, archivist):
    # Was: the system administrator made an archivist a 安全审计员 in the workspace. The three administrator roles
    # are now given and taken only at the console (docs/security.md).
    with pytest.raises(PermissionDenied):
        do_set_role(security_admin, archivist, Role.SYSTEM_ADMIN)
    with pytest.raises(ValidationError):
        do_set_role(system_admin, system_admin, Role.ARCHIVIST)
    with pytest.raises(PermissionDenied):
        do_set_role(system_admin, archivist, Role.SECURITY_AUDITOR)
    do_set_role(CONSOLE, archivist, Role.SECURITY_AUDITOR)
    archivist.refresh_from_db()
    assert archivist.role == Role.SECURITY_AUDITOR


def test_api_tokens_keep_only_a_hash(archivist):
    token, key = do_create_api_token(archivist, "导入脚本")
    assert key.startswith("dg_") and token.key_hash == APIToken.hash_key(key) and key not in token.key_hash


def test_a_clearance_at_creation_is_for_the_console_only(system_admin):
    user, _ = do_create_user(CONSOLE, "demo-archivist", Role.ARCHIVIST, clearance="secret")
    assert user.clearance == "secret"
    with pytest.raises(PermissionDenied):  # the system administrator never sets clearances (三员分立)
        do_create_user(system_admin, "lisi", Role.ARCHIVIST, clearance="secret")
    with pytest.raises(ValidationError, match="未知密级"):
        do_create_user(CONSOLE, "wangwu", Role.ARCHIVIST, clearance="very-secret")
