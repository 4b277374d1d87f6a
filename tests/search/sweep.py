"""Sweep declarations of search: the search page and API, and the archival dictionary. See tests/sweep/__init__.py."""

from tests.sweep import Api, Page, expect

READ = expect(200, security=403)
CHANGE = expect(403, archivists=302)

PAGES = [
    Page("search:search", READ),
    Page("search:search", READ, query={"q": "巡检"}, note="every title matches"),
    Page("search:dictionary", READ),
    Page("search:dictionary_remove", CHANGE, method="POST", pk="@term"),
]

ENDPOINTS = [
    Api("GET /api/search", expect(200, security=403, anonymous=200)),  # the public searches open units
    Api("GET /api/search", expect(200, security=403, anonymous=200), query={"q": "巡检"}, note="every title matches"),
]
