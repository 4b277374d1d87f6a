"""Routes of the digitization pages under /manage/digitization/."""

from django.urls import URLPattern, path  # noqa: F401

app_name = "digitization"
urlpatterns: list[URLPattern] = []
