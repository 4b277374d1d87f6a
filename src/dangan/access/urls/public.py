"""The public portal under / (namespace ``portal``)."""

from dangan.access.views import copies, openness, portal, readers, reading_room, register, requests

app_name = "portal"
urlpatterns = [
    *portal.public_urls,
    *readers.public_urls,
    *requests.public_urls,
    *reading_room.public_urls,
    *copies.public_urls,
    *register.public_urls,
    *openness.public_urls,
]
