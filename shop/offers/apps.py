from django.apps import AppConfig


class OffersConfig(AppConfig):
    name = "shop.offers"
    label = "offers"
    verbose_name = "Offers"

    def ready(self):
        from . import receivers  # noqa: F401 (cache invalidation on staff edits)
