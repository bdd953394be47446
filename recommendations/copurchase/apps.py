from django.apps import AppConfig


class CopurchaseConfig(AppConfig):
    name = "recommendations.copurchase"
    label = "copurchase"
    verbose_name = "Co-purchase statistics"
