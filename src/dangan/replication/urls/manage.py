"""Staff pages under /manage/replication/ (namespace ``replication``): each part adds ``*<part>.manage_urls``."""

from django.urls import URLPattern

app_name = "replication"
urlpatterns: list[URLPattern] = []
