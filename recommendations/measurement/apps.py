from django.apps import AppConfig
from django.db.models.signals import post_save, pre_save


class MeasurementConfig(AppConfig):
    name = "recommendations.measurement"
    label = "measurement"
    verbose_name = "Recommendation measurement"

    def ready(self):
        from shop.cart.models import Cart, CartLine, CartLineService

        from .receivers import record_recommendation_add, record_service_add, stamp_cart_group

        post_save.connect(record_recommendation_add, sender=CartLine, dispatch_uid="measurement.recommendation_add")
        post_save.connect(record_service_add, sender=CartLineService, dispatch_uid="measurement.service_add")
        pre_save.connect(stamp_cart_group, sender=Cart, dispatch_uid="measurement.cart_group")
