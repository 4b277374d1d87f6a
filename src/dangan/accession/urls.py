"""Routes of the accession pages under /manage/accession/."""

from django.urls import path

from . import views

app_name = "accession"
urlpatterns = [
    path("accession/", views.transfer_list, name="transfer_list"),
    path("accession/new/", views.transfer_new, name="transfer_new"),
    path("accession/transfers/<uuid:uuid>/", views.transfer_detail, name="transfer_detail"),
    path("accession/transfers/<uuid:uuid>/progress/", views.transfer_progress, name="transfer_progress"),
    path("accession/transfers/<uuid:uuid>/<str:action>/", views.transfer_action, name="transfer_action"),
    path("accession/reports/<uuid:uuid>/", views.report_detail, name="report_detail"),
    path("accession/reports/<uuid:uuid>/report.pdf", views.report_pdf, name="report_pdf"),
    path("accession/reports/<uuid:uuid>/report.json", views.report_json, name="report_json"),
    path("accession/reports/<uuid:uuid>/items/<str:code>/sign/", views.item_sign, name="item_sign"),
    path("accession/acquisitions/", views.acquisition_list, name="acquisition_list"),
    path("accession/acquisitions/new/", views.acquisition_new, name="acquisition_new"),
]
