"""What each role may do. Views, API endpoints and the CLI ask `has_capability`; nothing else decides it."""

from __future__ import annotations

from typing import Any

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


ROLE_CAPABILITIES: dict[str, frozenset[str]] = {
    Role.ARCHIVIST: frozenset(
        {Capability.CATALOG_VIEW, Capability.CATALOG_CHANGE, Capability.CATALOG_IMPORT, Capability.ACCESSION}
    ),
    # Accounts and settings; reads the catalog only at 公开 (see catalog.policy).
    Role.SYSTEM_ADMIN: frozenset({Capability.CATALOG_VIEW, Capability.ACCOUNTS_MANAGE, Capability.CATALOG_CONFIGURE}),
    # Clearances and permissions of other accounts.
    Role.SECURITY_ADMIN: frozenset({Capability.CLEARANCE_MANAGE}),
    # Reads the audit log, and nothing else.
    Role.SECURITY_AUDITOR: frozenset({Capability.AUDIT_VIEW}),
}


def has_capability(user: Any, capability: str) -> bool:
    """Whether ``user`` (possibly anonymous) holds ``capability`` through its role. The console and the system's own
    jobs (``core.actors``) hold every capability; ``None`` holds none."""
    if getattr(user, "is_operator", False):
        return True
    if user is None or not getattr(user, "is_authenticated", False) or not user.is_active:
        return False
    return capability in ROLE_CAPABILITIES.get(user.role, frozenset())
