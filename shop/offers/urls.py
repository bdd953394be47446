from django.urls import path

from . import views

app_name = "offers"

urlpatterns = [
    path("voucher/", views.voucher_apply, name="voucher-apply"),
    path("voucher/remove/", views.voucher_remove, name="voucher-remove"),
    path("points/", views.points_apply, name="points-apply"),
]
