"""Staff pages under /manage/access/ (namespace ``access``)."""

from dangan.access.views import copies, manage_home, openness, portal, readers, reading_room, register, requests

app_name = "access"
urlpatterns = [
    *manage_home.manage_urls,
    *portal.manage_urls,
    *readers.manage_urls,
    *requests.manage_urls,
    *reading_room.manage_urls,
    *copies.manage_urls,
    *register.manage_urls,
    *openness.manage_urls,
]
