"""Sweep declarations of the outreach app's part oai (gathered by tests/outreach/sweep.py): /oai is public. Requested
without arguments it answers badVerb with HTTP 200, to everyone; what each person is shown of the records is tested
in tests/outreach/test_oai.py (and the sweep checks that no hidden unit's title or UUID shows)."""

from tests.sweep import Page, expect

PUBLIC = expect(200, anonymous=200, reader=200)

PAGES = [Page("oai", PUBLIC)]
ENDPOINTS: list[object] = []
EXCLUDED: dict[str, str] = {}
