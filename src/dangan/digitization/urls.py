"""Routes of the digitization pages under /manage/digitization/."""

from django.urls import URLPattern, path

from . import text_views

app_name = "digitization"
urlpatterns: list[URLPattern] = [
    path("digitization/units/<uuid:uuid>/text/<int:page>/", text_views.page_text_edit, name="page_text"),
]
