"""The outreach app's public pages (namespace ``outreach_public``), mounted at the site's root before the portal:
each part adds ``*<part>.public_urls`` with its own prefix (themes/, exhibitions/, stories/, feeds/, …)."""

from django.urls import URLPattern

from dangan.outreach.views import exhibitions as exhibitions_views  # part exhibitions

app_name = "outreach_public"
urlpatterns: list[URLPattern] = [
    *exhibitions_views.public_urls,  # part exhibitions
]
