"""What each role may do. Views, API endpoints and the CLI ask `has_capability`; nothing else decides it.

The three administrator roles (三员: 系统管理员, 安全保密管理员, 安全审计员) are kept apart: none of them holds another's
capability, and none of them is granted, changed or taken away except from the server's console (docs/security.md).
"""

from __future__ import annotations

from typing import Any

from dangan.utilities.registry import StrOrPromise

from .choices import Role


class Capability:
    CATALOG_VIEW = "catalog.view"
    CATALOG_CHANGE = "catalog.change"
    CATALOG_IMPORT = "catalog.import"
    CATALOG_CONFIGURE = "catalog.configure"
    ACCOUNTS_MANAGE = "accounts.manage"
    CLEARANCE_MANAGE = "clearance.manage"
    AUDIT_VIEW = "audit.view"
    ACCESSION = "accession.manage"  # receive, check, accept, reject or return transfers (接收、征集)
    SIGNIN_UNLOCK = "signin.unlock"  # lift a sign-in lock (登录锁定) before it expires
    DIGITIZE = "digitization.manage"  # digitization batches: register, import scans, inspect, accept, preserve


ROLE_CAPABILITIES: dict[str, frozenset[str]] = {
    Role.ARCHIVIST: frozenset(
        {
            Capability.CATALOG_VIEW,
            Capability.CATALOG_CHANGE,
            Capability.CATALOG_IMPORT,
            Capability.ACCESSION,
            Capability.DIGITIZE,
        }
    ),
    # Accounts and settings; reads the catalog only at 公开 (see catalog.policy).
    Role.SYSTEM_ADMIN: frozenset({Capability.CATALOG_VIEW, Capability.ACCOUNTS_MANAGE, Capability.CATALOG_CONFIGURE}),
    # Clearances of other accounts, and sign-in locks; never accounts or passwords.
    Role.SECURITY_ADMIN: frozenset({Capability.CLEARANCE_MANAGE, Capability.SIGNIN_UNLOCK}),
    # Reads the audit log, and nothing else.
    Role.SECURITY_AUDITOR: frozenset({Capability.AUDIT_VIEW}),
}

# The 三员: granted, changed and managed (password reset, deactivation) only from the console.
ADMINISTRATOR_ROLES: frozenset[str] = frozenset({Role.SYSTEM_ADMIN, Role.SECURITY_ADMIN, Role.SECURITY_AUDITOR})


def is_administrator_role(role: str) -> bool:
    """Whether ``role`` is one of the three separated administrator roles (三员)."""
    return role in ADMINISTRATOR_ROLES


def business_roles() -> list[tuple[str, StrOrPromise]]:
    """The roles the system administrator may give in the workspace: every role but the three administrators'."""
    return [(value, label) for value, label in Role.choices if value not in ADMINISTRATOR_ROLES]


def has_capability(user: Any, capability: str) -> bool:
    """Whether ``user`` (possibly anonymous) holds ``capability`` through its role. The console and the system's own
    jobs (``core.actors``) hold every capability; ``None`` holds none."""
    if getattr(user, "is_operator", False):
        return True
    if user is None or not getattr(user, "is_authenticated", False) or not user.is_active:
        return False
    return capability in ROLE_CAPABILITIES.get(user.role, frozenset())
