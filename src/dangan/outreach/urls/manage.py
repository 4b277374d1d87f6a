"""Staff pages under /manage/outreach/ (namespace ``outreach``): each part adds ``*<part>.manage_urls``."""

from django.urls import URLPattern

from dangan.outreach.views import home
from dangan.outreach.views import stories as stories_views

app_name = "outreach"
urlpatterns: list[URLPattern] = [
    *home.manage_urls,
    *stories_views.manage_urls,
]
