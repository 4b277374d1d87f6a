"""Staff pages under /manage/outreach/ (namespace ``outreach``): each part adds ``*<part>.manage_urls``."""

from django.urls import URLPattern

from dangan.outreach.views import exhibitions as exhibitions_views  # part exhibitions
from dangan.outreach.views import home

app_name = "outreach"
urlpatterns: list[URLPattern] = [
    *home.manage_urls,
    *exhibitions_views.manage_urls,  # part exhibitions
]
