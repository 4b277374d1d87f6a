"""Sweep declaration of the staff's start page of 利用 (/manage/access/): a card per part the person may use."""

from tests.sweep import Page, expect

PAGES = [
    Page("access:home", expect(200, security=403, system_admin=403, reader=403, access_staff=200)),
]
ENDPOINTS: list = []
EXCLUDED: dict[str, str] = {}
