from django.contrib import messages

from .services import cart_attach_on_login, cart_merge_left_out_message


def attach_cart_on_login(sender, request, user, **kwargs):
    """Merge the anonymous visitor's cart into the customer's cart when they sign in."""
    if request is None or not hasattr(request, "session"):
        return
    merge = cart_attach_on_login(request=request, user=user)
    if merge is not None and merge.left_out:
        messages.warning(request, cart_merge_left_out_message(merge), fail_silently=True)
