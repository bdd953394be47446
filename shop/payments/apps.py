from django.apps import AppConfig


class PaymentsConfig(AppConfig):
    name = "shop.payments"
    label = "payments"
    verbose_name = "Payments"

    def ready(self):
        from . import checks  # noqa: F401 - registers the settings checks
        from . import tasks  # noqa: F401 - registers the tasks by name for shop.broker
