"""Image API 3.0 routes, included at the top level under /iiif/3/ (src/dangan/urls.py)."""

from django.urls import path, register_converter

from . import views


class ImageIdConverter:
    """``<package uuid hex>-<24 hex of the sha256>``: nothing else here is an image (manifests/, search/ … are not)."""

    regex = "[0-9a-f]{32}-[0-9a-f]{24}"

    def to_python(self, value: str) -> str:
        return value

    def to_url(self, value: str) -> str:
        return value


register_converter(ImageIdConverter, "iiif_image")

app_name = "iiif"
urlpatterns = [
    path("<iiif_image:identifier>", views.base, name="base"),
    path("<iiif_image:identifier>/info.json", views.info, name="info"),
    path(
        "<iiif_image:identifier>/<str:region>/<str:size>/<str:rotation>/<str:quality_format>",
        views.image,
        name="image",
    ),
]
