from django.apps import AppConfig


class CartConfig(AppConfig):
    name = "shop.cart"
    label = "cart"
    verbose_name = "Cart"

    def ready(self):
        from django.contrib.auth.signals import user_logged_in

        from .receivers import attach_cart_on_login

        user_logged_in.connect(attach_cart_on_login, dispatch_uid="cart_attach_on_login")
