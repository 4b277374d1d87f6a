"""The outreach app's public pages (namespace ``outreach_public``), mounted at the site's root before the portal:
each part adds ``*<part>.public_urls`` with its own prefix (themes/, exhibitions/, stories/, feeds/, …)."""

from django.urls import URLPattern

from dangan.outreach.views import stories as stories_views

app_name = "outreach_public"
urlpatterns: list[URLPattern] = [
    *stories_views.public_urls,
]
