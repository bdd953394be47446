from django.apps import AppConfig


class MeasurementConfig(AppConfig):
    name = "recommendations.measurement"
    label = "measurement"
    verbose_name = "Recommendation measurement"
