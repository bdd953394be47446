from django.apps import AppConfig


class OrdersConfig(AppConfig):
    name = "shop.orders"
    label = "orders"
    verbose_name = "Orders"

    def ready(self):
        # Registers the tasks by name: shop.broker publishes them by name.
        from . import tasks  # noqa: F401
