from django.apps import AppConfig


class OperationsConfig(AppConfig):
    name = "shop.operations"
    label = "operations"
    verbose_name = "Operations"
