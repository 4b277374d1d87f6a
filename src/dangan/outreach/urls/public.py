"""The outreach app's public pages (namespace ``outreach_public``), mounted at the site's root before the portal:
each part adds ``*<part>.public_urls`` with its own prefix (themes/, exhibitions/, stories/, feeds/, …)."""

from django.urls import URLPattern

from dangan.outreach.views import exhibitions as exhibitions_views  # part exhibitions
from dangan.outreach.views import stories as stories_views  # part stories
from dangan.outreach.views import themes as themes_views  # part themes

app_name = "outreach_public"
urlpatterns: list[URLPattern] = [
    *themes_views.public_urls,  # part themes
    *exhibitions_views.public_urls,  # part exhibitions
    *stories_views.public_urls,  # part stories
]
