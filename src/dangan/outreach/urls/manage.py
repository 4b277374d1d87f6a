"""Staff pages under /manage/outreach/ (namespace ``outreach``): each part adds ``*<part>.manage_urls``."""

from django.urls import URLPattern

from dangan.outreach.views import ead, home  # ead: part ead
from dangan.outreach.views import exhibitions as exhibitions_views  # part exhibitions
from dangan.outreach.views import stories as stories_views  # part stories
from dangan.outreach.views import themes as themes_views  # part themes
from dangan.outreach.views import wechat as wechat_views  # part wechat

app_name = "outreach"
urlpatterns: list[URLPattern] = [
    *home.manage_urls,
    *wechat_views.manage_urls,  # part wechat
    *exhibitions_views.manage_urls,  # part exhibitions
    *themes_views.manage_urls,  # part themes
    *ead.manage_urls,  # part ead
    *stories_views.manage_urls,  # part stories
]
