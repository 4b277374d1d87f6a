"""Sweep declarations of the outreach app's part ead (gathered by tests/outreach/sweep.py): the workspace's list of
fonds with their EAD3 and the EAC-CPF download, for whoever holds OUTREACH_EDIT (the archivists); each download
holds only what that person may see (the sweep checks that no hidden unit's title or UUID is in it)."""

from tests.sweep import Page, expect

EDIT = expect(403, archivists=200)

PAGES = [
    Page("outreach:ead_list", EDIT),
    Page("outreach:ead_download", EDIT, code="@fonds"),
    Page("outreach:eac_download", EDIT),
]
ENDPOINTS: list[object] = []
EXCLUDED: dict[str, str] = {}
