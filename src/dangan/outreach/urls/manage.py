"""Staff pages under /manage/outreach/ (namespace ``outreach``): each part adds ``*<part>.manage_urls``."""

from django.urls import URLPattern

from dangan.outreach.views import home
from dangan.outreach.views import themes as themes_views

app_name = "outreach"
urlpatterns: list[URLPattern] = [
    *home.manage_urls,
    *themes_views.manage_urls,
]
