"""Small helpers shared by the shop's POST views (the cart's and the recommendations')."""

from collections.abc import Callable

from django.contrib import messages
from django.shortcuts import redirect
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme

from shop.cart.services import CartError


def redirect_back(request, default: str = "cart:detail"):
    """Redirect to the posted `next` when it is a URL on this site, else to `default`."""
    target = request.POST.get("next", "")
    if target and url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return redirect(target)
    return redirect(reverse(default))


def messages_from_form_errors(request, form) -> None:
    """Show each of a bound form's errors as an error message."""
    for errors in form.errors.values():
        for error in errors:
            messages.error(request, error)


def post_and_redirect_back(request, form, change: Callable[[dict], str]):
    """The skeleton of a POST that changes the visitor's cart and goes back where it came
    from, with a message either way:

    - a form that doesn't validate: its errors as messages, nothing changed;
    - `change(form.cleaned_data)` raises CartError: its message, nothing changed (the cart's
      services are all-or-nothing; a view refusing for its own reasons raises one too);
    - else the message `change` returns, as a success.
    """
    if not form.is_valid():
        messages_from_form_errors(request, form)
        return redirect_back(request)
    try:
        success = change(form.cleaned_data)
    except CartError as exc:
        messages.error(request, exc.message)
        return redirect_back(request)
    messages.success(request, success)
    return redirect_back(request)
