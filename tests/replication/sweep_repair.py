"""Sweep declarations of the repair part: the repair page and "repair now"."""

from tests.sweep import Page, expect

MANAGE_PAGE = expect(403, system_admin=200)  # REPLICATION_MANAGE
MANAGE = expect(403, system_admin=302)  # REPLICATION_MANAGE; the node has no keys here: refused with a message
BY_ID = "faulty copies and repairs of every package, hidden units' packages by package id (backup is of everything)"

PAGES = [
    Page("replication:repair", MANAGE_PAGE, names_by_id=BY_ID),
    Page("replication:repair_now", MANAGE, method="POST"),
]
