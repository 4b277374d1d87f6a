"""Staff pages under /manage/conservation/ (namespace ``conservation``): each part adds ``*<part>.manage_urls``."""

from django.urls import URLPattern

from dangan.conservation.views import environment, home

app_name = "conservation"
urlpatterns: list[URLPattern] = [
    *home.manage_urls,
    *environment.manage_urls,
]
