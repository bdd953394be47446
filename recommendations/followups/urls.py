from django.urls import path

from . import views

app_name = "followups"

urlpatterns = [
    path("unsubscribe/<str:token>/", views.unsubscribe, name="unsubscribe"),
    path("cart/<str:token>/", views.restore, name="restore"),
]
