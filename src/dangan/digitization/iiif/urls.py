"""IIIF Presentation and Content Search routes, included at /iiif/3/ after the Image API's routes."""

from django.urls import path

from . import views

app_name = "iiif_presentation"
urlpatterns = [
    path("manifests/<uuid:uuid>", views.manifest, name="manifest"),
    path("collections/<str:code>", views.collection, name="collection"),
    path("search/<uuid:uuid>", views.search, name="search"),
]
