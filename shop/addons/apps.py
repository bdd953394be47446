from django.apps import AppConfig


class AddonsConfig(AppConfig):
    name = "shop.addons"
    label = "addons"
    verbose_name = "Service add-ons"
