from django.urls import path

from . import views

app_name = "payments"

urlpatterns = [
    path("webhook/", views.webhook, name="webhook"),
    path("return/<str:token>/", views.payment_return, name="return"),
    path("pay/<str:token>/", views.pay, name="pay"),
]
