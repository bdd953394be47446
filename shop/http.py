"""Small helpers shared by the shop's POST views."""

from django.contrib import messages
from django.shortcuts import redirect
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme


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
