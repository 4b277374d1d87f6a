"""Staff pages under /manage/replication/ (namespace ``replication``): each part adds ``*<part>.manage_urls``."""

from django.urls import URLPattern

from dangan.replication.views import targets

app_name = "replication"
urlpatterns: list[URLPattern] = [
    *targets.manage_urls,
]
