"""Staff pages under /manage/conservation/ (namespace ``conservation``): each part adds ``*<part>.manage_urls``."""

from django.urls import URLPattern

from dangan.conservation.views import environment, home, stacks, surveys
from dangan.conservation.views import restoration as restoration_views  # part restoration

app_name = "conservation"
urlpatterns: list[URLPattern] = [
    *home.manage_urls,
    *stacks.manage_urls,
    *surveys.manage_urls,
    *restoration_views.manage_urls,  # part restoration
    *environment.manage_urls,
]
