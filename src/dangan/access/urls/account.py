"""Readers' pages under /account/ (namespace ``account``)."""

from dangan.access.views import copies, openness, portal, readers, reading_room, register, requests

app_name = "account"
urlpatterns = [
    *readers.account_urls,
    *portal.account_urls,
    *requests.account_urls,
    *reading_room.account_urls,
    *copies.account_urls,
    *register.account_urls,
    *openness.account_urls,
]
