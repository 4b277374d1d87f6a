"""Sweep declarations for the routes outside the apps: the favicon, the language switch, the API's
own pages."""

from tests.sweep import Page, expect

PAGES = [
    Page("/favicon.ico", expect(301, anonymous=301)),  # to the static icon, for browsers that ask before the page
    Page("set_language", expect(302, anonymous=302), method="POST", data={"language": "en", "next": "/manage/"}),
    Page("api:openapi-json", expect(200, anonymous=200)),
    Page("api:openapi-view", expect(200, anonymous=200)),
    Page("api:api-root", expect(404, anonymous=404)),
]
