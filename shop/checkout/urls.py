from django.urls import path

from . import views

app_name = "checkout"

urlpatterns = [
    path("", views.start, name="start"),
    path("review/", views.review, name="review"),
    path("place/", views.place, name="place"),
]
