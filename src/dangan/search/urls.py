"""Routes of the search pages under /manage/."""

from django.urls import path

from . import views

app_name = "search"
urlpatterns = [
    path("search/", views.search_page, name="search"),
    path("search/dictionary/", views.dictionary_page, name="dictionary"),
    path("search/dictionary/<int:pk>/remove/", views.dictionary_remove, name="dictionary_remove"),
]
