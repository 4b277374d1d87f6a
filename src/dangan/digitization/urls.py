"""Routes of the digitization pages under /manage/digitization/."""

from django.urls import path

from . import text_views, views

app_name = "digitization"
urlpatterns = [
    path("digitization/", views.batch_list, name="batch_list"),
    path("digitization/new/", views.batch_new, name="batch_new"),
    path("digitization/batches/<uuid:uuid>/", views.batch_detail, name="batch_detail"),
    path("digitization/batches/<uuid:uuid>/progress/", views.batch_progress, name="batch_progress"),
    path("digitization/batches/<uuid:uuid>/upload/", views.batch_upload, name="batch_upload"),
    path("digitization/batches/<uuid:uuid>/pick/", views.unit_picker, name="unit_picker"),
    path("digitization/batches/<uuid:uuid>/<str:action>/", views.batch_action, name="batch_action"),
    path("digitization/pages/<int:pk>/", views.page_detail, name="page_detail"),
    path("digitization/pages/<int:pk>/<str:size>.jpg", views.page_image, name="page_image"),
    path("digitization/pages/<int:pk>/replace/", views.page_replace, name="page_replace"),
    path("digitization/inspections/<uuid:uuid>/", views.inspection, name="inspection"),
    path("digitization/inspection-items/<int:pk>/verdict/", views.inspection_verdict, name="inspection_verdict"),
    path("digitization/units/<uuid:uuid>/text/<int:page>/", text_views.page_text_edit, name="page_text"),
    path("digitization/units/<uuid:uuid>/ocr/", text_views.unit_ocr, name="unit_ocr"),
    path("digitization/units/<uuid:uuid>/text/progress/", text_views.text_progress, name="text_progress"),
]
