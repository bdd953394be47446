from django.urls import path

from . import views

app_name = "reviews"

urlpatterns = [
    path("write/<slug:slug>/", views.write, name="write"),
    path("how-was-it/<str:token>/", views.write_from_link, name="write-from-link"),
    path("<int:pk>/helpful/", views.helpful, name="helpful"),
]
