"""Pages the shop answers with when it refuses or fails: 429, the login lockout, CSRF, 500."""

import math

from django.conf import settings
from django.http import HttpResponseServerError
from django.shortcuts import render
from django.template import loader
from django.views.decorators.csrf import requires_csrf_token

# What the 429 page says was refused, by rate-limit rule (settings.RATE_LIMITS).
WHAT = {
    "cart_add": "adding to your cart",
    "checkout_details": "saving delivery details",
    "checkout_place": "placing orders",
    "signup": "creating accounts",
    "password_reset": "asking for password reset e-mails",
    "login": "logging in",
}


def too_many_requests(request, *, retry_after: int, rule: str):
    """The shop's 429 page, with Retry-After in seconds."""
    context = {
        "what": WHAT.get(rule, "this"),
        "retry_after": retry_after,
        "retry_minutes": max(math.ceil(retry_after / 60), 1),
        "is_login": rule == "login",
    }
    response = render(request, "429.html", context, status=429)
    response["Retry-After"] = str(retry_after)
    return response


def login_locked_out(request, original_response=None, credentials=None):
    """django-axes' lockout response (AXES_LOCKOUT_CALLABLE): the same 429 page. The wait is
    the whole cool-off, since every failure during the lockout starts it again."""
    return too_many_requests(request, retry_after=int(settings.AXES_COOLOFF_TIME.total_seconds()), rule="login")


@requires_csrf_token
def csrf_failure(request, reason=""):
    """CSRF_FAILURE_VIEW: an expired or missing form token, said in the shop's words."""
    return render(request, "403_csrf.html", status=403)


@requires_csrf_token
def server_error(request):
    """handler500: the standalone 500 page, rendered without the request or the database
    (either may be what failed), so no context processors and no template tags that query."""
    template = loader.get_template("500.html")
    return HttpResponseServerError(template.render({"SITE_NAME": settings.SITE_NAME}))
