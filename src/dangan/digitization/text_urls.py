"""The OCR text of a unit's pages beside the IIIF images: /iiif/3/text/<unit uuid>/<page>.alto.xml and .txt."""

from django.urls import URLPattern, path

from . import text_views

app_name = "ocrtext"
urlpatterns: list[URLPattern] = [
    path("<uuid:uuid>/<int:page>.alto.xml", text_views.page_alto, name="alto"),
    path("<uuid:uuid>/<int:page>.txt", text_views.page_plain_text, name="text"),
]
