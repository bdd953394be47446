from django.contrib import messages
from django.contrib.auth.views import redirect_to_login
from django.http import HttpResponseRedirect
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_http_methods

from shop.cart.models import Cart

from .services import cart_restore, opt_out
from .tokens import restore_cart_id, unsubscribe_email


# The signed token is the credential here, not a session: CSRF protection has nothing to
# protect, and mail clients' one-click unsubscribe (RFC 8058) POSTs without any cookie.
@csrf_exempt
@require_http_methods(["GET", "POST"])
def unsubscribe(request, token):
    email = unsubscribe_email(token)
    if email is None:
        return render(request, "followups/link_invalid.html", {"what": "unsubscribe"}, status=404)
    if request.method == "POST":
        opt_out(email=email)
        return render(request, "followups/unsubscribed.html", {"email": email})
    return render(request, "followups/unsubscribe.html", {"email": email})


@require_http_methods(["GET", "POST"])
def restore(request, token):
    """The link in an abandoned-cart reminder: shows the cart, and a POST brings it back."""
    cart_id = restore_cart_id(token)
    cart = Cart.objects.filter(pk=cart_id).first() if cart_id else None
    if cart is None:
        return render(request, "followups/link_invalid.html", {"what": "restore"}, status=404)
    if cart.user_id:
        # A customer's cart is theirs already once they sign in: nothing to move.
        if not request.user.is_authenticated:
            return redirect_to_login(request.get_full_path())
        if request.user.pk != cart.user_id:
            return render(request, "followups/link_invalid.html", {"what": "restore"}, status=404)
        return redirect("cart:detail")
    if request.method == "POST":
        cart_restore(request=request, cart=cart)
        messages.success(request, "Welcome back: your cart is just as you left it.")
        return HttpResponseRedirect(reverse("cart:detail"))
    lines = cart.lines.select_related("product__category").prefetch_related("product__images")
    return render(request, "followups/restore.html", {"cart": cart, "lines": lines})
