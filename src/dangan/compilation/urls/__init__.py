"""Staff pages under /manage/compilation/ (namespace ``compilation``): each part adds ``*<part>.manage_urls``."""

from django.urls import URLPattern

from dangan.compilation.views import home
from dangan.compilation.views import volumes as volumes_views  # part volumes

app_name = "compilation"
urlpatterns: list[URLPattern] = [
    *home.manage_urls,
    *volumes_views.manage_urls,  # part volumes
]
