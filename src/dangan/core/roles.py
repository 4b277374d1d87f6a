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
    # 利用 (issue #15). Readers' personal data (identity document, phone) is READERS only.
    READERS = "access.readers"  # register and verify readers, read, export and erase their personal data
    ACCESS_REVIEW = "access.requests"  # review readers' access requests (查档申请) and their grants
    READING_ROOM = "access.reading_room"  # bookings, check-in at the desk, retrieval (调卷), returns, copies
    OPENNESS_REVIEW = "access.openness"  # the openness review (开放审核): first and second review
    # 异地备份 (issue #16): where the copies are and what was proven is for the archivists to read; partners,
    # agreements, targets, the replication policy, transfers, audits, repairs and drills are the system
    # administrator's (系统管理员: 备份与恢复). The master key's shares are exported from the console only.
    REPLICATION_VIEW = "replication.view"
    REPLICATION_MANAGE = "replication.manage"
    # 保管保护 (issue #17): stacks and locations, check-out and return of originals, condition surveys, climate and
    # restoration. VIEW reads them (the archivists too: where a unit is, its condition); WORK records (placing and
    # moving units, check-out, survey entry, readings, treatment steps, quality acceptance); MANAGE configures
    # (the stacks tree, limits, sensors, survey campaigns) and approves restoration work orders.
    CONSERVATION_VIEW = "conservation.view"
    CONSERVATION_WORK = "conservation.work"
    CONSERVATION_MANAGE = "conservation.manage"
    # 宣传与开发利用 and 编研 (issue #18), the archivists' work: EDIT drafts thematic databases, exhibitions and stories;
    # PUBLISH approves a story written by someone else (the second person), publishes and withdraws, and pushes to
    # WeChat; COMPILATION_EDIT makes compilations and exports them. What goes out is always limited to what the
    # public may see (catalog.policy), whoever prepared it.
    OUTREACH_EDIT = "outreach.edit"
    OUTREACH_PUBLISH = "outreach.publish"
    COMPILATION_EDIT = "compilation.edit"


ROLE_CAPABILITIES: dict[str, frozenset[str]] = {
    Role.ARCHIVIST: frozenset(
        {
            Capability.CATALOG_VIEW,
            Capability.CATALOG_CHANGE,
            Capability.CATALOG_IMPORT,
            Capability.ACCESSION,
            Capability.DIGITIZE,
            Capability.ACCESS_REVIEW,
            Capability.READING_ROOM,
            Capability.OPENNESS_REVIEW,
            Capability.REPLICATION_VIEW,
            Capability.CONSERVATION_VIEW,
            Capability.OUTREACH_EDIT,
            Capability.OUTREACH_PUBLISH,
            Capability.COMPILATION_EDIT,
        }
    ),
    # 保管保护: no catalog workspace (CATALOG_VIEW); the conservation pages show them the units their clearance
    # allows (catalog.policy.CLEARED_ROLES).
    Role.CONSERVATOR: frozenset({Capability.CONSERVATION_VIEW, Capability.CONSERVATION_WORK}),
    Role.CONSERVATION_HEAD: frozenset(
        {Capability.CONSERVATION_VIEW, Capability.CONSERVATION_WORK, Capability.CONSERVATION_MANAGE}
    ),
    # The reading room desk (利用服务): reads the catalog at 公开 like the system administrator, and alone of the
    # staff reads readers' personal data.
    Role.ACCESS_STAFF: frozenset(
        {
            Capability.CATALOG_VIEW,
            Capability.READERS,
            Capability.ACCESS_REVIEW,
            Capability.READING_ROOM,
        }
    ),
    # Readers hold no capability: what they see is catalog.policy's public rule plus their own grants.
    Role.READER: frozenset(),
    # Accounts, settings and backup (异地备份); reads the catalog only at 公开 (see catalog.policy).
    Role.SYSTEM_ADMIN: frozenset(
        {
            Capability.CATALOG_VIEW,
            Capability.ACCOUNTS_MANAGE,
            Capability.CATALOG_CONFIGURE,
            Capability.REPLICATION_VIEW,
            Capability.REPLICATION_MANAGE,
        }
    ),
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


def is_reader(user: Any) -> bool:
    """Whether ``user`` is a reader's account (查档人), not staff."""
    return bool(getattr(user, "is_authenticated", False)) and getattr(user, "role", None) == Role.READER


def business_roles() -> list[tuple[str, StrOrPromise]]:
    """The roles the system administrator may give in the workspace: every staff role but the three
    administrators'. Readers' accounts come from registration (/account/) and the reading room desk."""
    return [(value, label) for value, label in Role.choices if value not in ADMINISTRATOR_ROLES | {Role.READER}]


def has_capability(user: Any, capability: str) -> bool:
    """Whether ``user`` (possibly anonymous) holds ``capability`` through its role. The console and the system's own
    jobs (``core.actors``) hold every capability; ``None`` holds none."""
    if getattr(user, "is_operator", False):
        return True
    if user is None or not getattr(user, "is_authenticated", False) or not user.is_active:
        return False
    return capability in ROLE_CAPABILITIES.get(user.role, frozenset())
