"""Staff pages under /manage/compilation/ (namespace ``compilation``): each part adds ``*<part>.manage_urls``."""

from django.urls import URLPattern

from dangan.compilation.views import home

app_name = "compilation"
urlpatterns: list[URLPattern] = [
    *home.manage_urls,
]
