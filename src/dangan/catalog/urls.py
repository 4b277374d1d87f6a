"""Routes of the catalog pages under /manage/: fonds, units, the register of disposals, authority records, imports
and exports."""

from django.urls import path

from . import views

app_name = "catalog"
urlpatterns = [
    path("fonds/", views.fonds_list, name="fonds_list"),
    path("fonds/<str:code>/", views.fonds_detail, name="fonds_detail"),
    path("fonds/<str:code>/edit/", views.fonds_edit, name="fonds_edit"),
    path("fonds/<str:code>/tree/", views.tree_children, name="tree_children"),
    path("fonds/<str:code>/renumber/", views.renumber, name="renumber"),
    path("fonds/<str:code>/export/", views.fonds_export, name="fonds_export"),
    path("fonds/<str:code>/units/new/", views.unit_create, name="unit_create"),
    path("units/<uuid:uuid>/", views.unit_detail, name="unit_detail"),
    path("units/<uuid:uuid>/edit/", views.unit_edit, name="unit_edit"),
    path("units/<uuid:uuid>/move/", views.unit_move, name="unit_move"),
    path("units/<uuid:uuid>/delete/", views.unit_delete, name="unit_delete"),
    path("units/<uuid:uuid>/dispose/", views.unit_dispose, name="unit_dispose"),
    path("units/<uuid:uuid>/authorities/", views.unit_link_authority, name="unit_link_authority"),
    path(
        "units/<uuid:uuid>/authorities/<int:link_id>/delete/",
        views.unit_unlink_authority,
        name="unit_unlink_authority",
    ),
    path("disposals/", views.disposal_list, name="disposal_list"),
    path("disposals/<uuid:uuid>/", views.disposal_detail, name="disposal_detail"),
    path("disposals/<uuid:uuid>/decide/", views.disposal_decide, name="disposal_decide"),
    path("authorities/", views.authority_list, name="authority_list"),
    path("authorities/new/", views.authority_create, name="authority_create"),
    path("authorities/picker/", views.authority_picker, name="authority_picker"),
    path("authorities/<uuid:uuid>/", views.authority_detail, name="authority_detail"),
    path("authorities/<uuid:uuid>/edit/", views.authority_edit, name="authority_edit"),
    path("imports/", views.import_list, name="import_list"),
    path("imports/new/", views.import_new, name="import_new"),
    path("imports/<uuid:uuid>/", views.import_detail, name="import_detail"),
    path("imports/<uuid:uuid>/progress/", views.import_progress, name="import_progress"),
    path("imports/<uuid:uuid>/import/", views.import_checked, name="import_checked"),
]
