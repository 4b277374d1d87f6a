"""Staff pages under /manage/outreach/ (namespace ``outreach``): each part adds ``*<part>.manage_urls``."""

from django.urls import URLPattern

from dangan.outreach.views import ead, home

app_name = "outreach"
urlpatterns: list[URLPattern] = [
    *home.manage_urls,
    *ead.manage_urls,  # part ead
]
