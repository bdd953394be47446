from django.urls import path

from . import views

app_name = "orders"

urlpatterns = [
    path("confirmation/<str:token>/", views.confirmation, name="confirmation"),
    path("<str:number>/", views.detail, name="detail"),
]
