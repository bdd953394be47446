from django.urls import path

from . import views

app_name = "measurement"

urlpatterns = [
    path("r/<str:token>/", views.click, name="click"),
]
