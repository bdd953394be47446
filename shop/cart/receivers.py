from .services import cart_attach_on_login


def attach_cart_on_login(sender, request, user, **kwargs):
    """Merge the anonymous visitor's cart into the customer's cart when they sign in."""
    if request is None or not hasattr(request, "session"):
        return
    cart_attach_on_login(request=request, user=user)
