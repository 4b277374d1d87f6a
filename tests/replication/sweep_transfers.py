"""Sweep declarations of the transfers part: the copies' page, the backup register, "replicate now"."""

from tests.sweep import Page, expect

READ = expect(403, archivists=200, system_admin=200)  # REPLICATION_VIEW
MANAGE = expect(403, system_admin=302)  # REPLICATION_MANAGE; here the node has no keys: refused with a message
# Backup covers every package whatever its 密级, and those who run it must see which copy falls short: a package
# whose unit the viewer may not see is named by its package id, never by title or 档号.
BY_ID = "every package's copies, hidden units' packages by package id (backup is of everything)"

PAGES = [
    Page(
        "replication:copies",
        READ,
        needs=("package.public",),
        note="packages of visible and hidden units",
        names_by_id=BY_ID,
    ),
    Page("replication:backup_register", READ, names_by_id=BY_ID),
    Page("replication:replicate_now", MANAGE, method="POST"),
]
