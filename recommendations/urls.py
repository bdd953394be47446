from django.urls import path

from . import views

app_name = "recommendations"

urlpatterns = [
    path("add/", views.add_recommended, name="add"),
    path("together/add/", views.add_fbt, name="add-fbt"),
    path("upgrade/", views.upgrade_line, name="upgrade-line"),
    path("bundle/add/", views.add_bundle, name="add-bundle"),
]
