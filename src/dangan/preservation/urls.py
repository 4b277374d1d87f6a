"""Routes of the preservation pages under /manage/preservation/."""

from django.urls import path

from . import views

app_name = "preservation"
urlpatterns = [
    path("preservation/audits/", views.audit_list, name="audit_list"),
    path("preservation/audits/new/", views.audit_start, name="audit_start"),
    path("preservation/audits/<uuid:uuid>/", views.audit_detail, name="audit_detail"),
    path("preservation/audits/<uuid:uuid>/progress/", views.audit_progress, name="audit_progress"),
    path("preservation/packages/<uuid:uuid>/", views.package_detail, name="package_detail"),
    path("preservation/units/<uuid:uuid>/files/", views.unit_files, name="unit_files"),
    path(
        "preservation/packages/<uuid:uuid>/v<int:version>/<path:logical_path>",
        views.file_download,
        name="file_download",
    ),
]
