"""Sweep declarations of core: sign-in, own password and tokens, accounts (系统管理员), clearances (安全保密管理员),
the audit log (安全审计员), and GET /api/me. See tests/sweep/__init__.py."""

from tests.sweep import LOGIN, Api, Page, expect

SIGNED_IN = expect(200)
ACCOUNTS = expect(403, system_admin=200)
CLEARANCES = expect(403, security_admin=200)
AUDIT = expect(403, security_auditor=200)

PAGES = [
    Page("core:home", expect(302)),  # each role's own start page
    Page("core:login", expect(302, anonymous=200)),
    Page("core:logout", expect(LOGIN, anonymous=LOGIN), method="POST"),
    Page("core:password_change", SIGNED_IN),
    Page("core:token_list", SIGNED_IN),
    Page("core:token_revoke", expect(404, archivist_secret=302), method="POST", pk="@token", note="another's token"),
    Page("core:user_list", ACCOUNTS),
    Page("core:user_create", ACCOUNTS),
    Page("core:user_detail", ACCOUNTS, pk="@user"),
    Page("core:user_set_role", expect(403, system_admin=302), method="POST", data={"role": "archivist"}, pk="@user"),
    Page("core:user_set_active", expect(403, system_admin=302), method="POST", data={"active": "0"}, pk="@user"),
    Page("core:user_reset_password", expect(403, system_admin=200), method="POST", pk="@user"),
    Page("core:clearance_list", CLEARANCES),
    Page(
        "core:clearance_set", expect(403, security_admin=302), method="POST", data={"clearance": "secret"}, pk="@user"
    ),
    Page(
        "core:audit_list",
        AUDIT,
        known_leak="the auditor reads classified titles in before/after (issue #13 §1, being fixed with the audit log)",
    ),
    Page("core:audit_verify", AUDIT),
]

ENDPOINTS = [
    Api("GET /api/me", SIGNED_IN),
]
