"""Sweep declarations of core: sign-in, own password and tokens, accounts (系统管理员), clearances and sign-in locks
(安全保密管理员), the audit log and its export (安全审计员), and GET /api/me. See tests/sweep/__init__.py."""

from tests.sweep import LOGIN, Api, Page, expect

SIGNED_IN = expect(200)
ACCOUNTS = expect(403, system_admin=200)
CLEARANCES = expect(403, security_admin=200)
AUDIT = expect(403, security_auditor=200, conservators=403)
# The audit log says who did what to which object, by its id, whatever its 密级: that is the auditor's work. What
# an entry holds beyond that (a title, the values before and after) only as far as the policy lets the reader see.
BY_ID = "the audit log names every object by its id; content only as far as catalog.policy allows"
# Work on classified units in the log: a disposal, an import, a fixity audit that found a problem in a hidden package.
HISTORY = ("@disposal.approved", "@import.checked", "@audit")

PAGES = [
    Page("core:home", expect(302)),  # each role's own start page
    Page("core:login", expect(302, anonymous=200, reader=403)),  # a reader has no business in the workspace
    Page("core:logout", expect(LOGIN, anonymous=LOGIN, reader=LOGIN), method="POST"),
    Page("core:password_change", {**SIGNED_IN, "reader": 200}),
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
    Page("core:clearance_confirm", expect(403, security_admin=302), method="POST", pk="@user.awaiting"),
    Page("core:signin_lock_list", CLEARANCES, needs=("@lock",)),
    Page("core:signin_unlock", expect(403, security_admin=302), method="POST", pk="@lock"),
    Page("core:audit_list", AUDIT, needs=HISTORY, names_by_id=BY_ID),
    Page("core:audit_verify", AUDIT),
    Page("core:audit_export", AUDIT, method="POST", data={"format": "csv"}, needs=HISTORY, names_by_id=BY_ID),
]

ENDPOINTS = [
    Api("GET /api/me", {**SIGNED_IN, "reader": 200}),
]
