"""The API's middleware: who is calling (api.clients), CSRF for cookie clients' writes, and
JSON for every answer under /api/, including the ones that other layers make (a 404 for an
unknown path, the rate limiter's 429, a 500).

Goes right after AuthenticationMiddleware and before HoldoutMiddleware: the holdout, the
rate limits and the views behind it must see the API caller's user, session and visitor,
and the visitor cookie the holdout sets for a header client is moved into its session (or
its token) on the way out.
"""

from django.conf import settings
from django.utils.cache import patch_vary_headers

from shop.security.ratelimits import rule_for_view
from shop.security.views import WHAT

from .clients import SESSION_TOKEN_HEADER, Channel, api_client_enter, api_client_leave, csrf_refused
from .errors import ApiError, error_response

API_PATH_PREFIX = "/api/"
SAFE_METHODS = ("GET", "HEAD", "OPTIONS", "TRACE")


class ApiClientMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if not request.path_info.startswith(API_PATH_PREFIX):
            return self.get_response(request)
        try:
            client = api_client_enter(request)
        except ApiError as error:
            return error_response(error.status, error.code, error.message)
        request.api_client = client
        response = self.get_response(request)
        api_client_leave(request, response, client=client)
        # Who is calling (and so the cart, the group, the recommendations) comes from these.
        patch_vary_headers(response, ("Authorization", SESSION_TOKEN_HEADER, "Cookie"))
        return _as_json(request, response)

    def process_view(self, request, view_func, view_args, view_kwargs):
        client = getattr(request, "api_client", None)
        if client is None or client.channel is not Channel.COOKIE or request.method in SAFE_METHODS:
            return None
        if csrf_refused(request):
            return error_response(
                403, "csrf_failed",
                "CSRF check failed: a write with the shop's cookies needs the csrftoken cookie's value in the "
                "X-CSRFToken header (or use a Bearer token or X-Session-Token, which need none).",
            )
        return None


def _as_json(request, response):
    """An error answered by another layer, as HTML or text, in the API's JSON shape."""
    if response.status_code < 400 or response.get("Content-Type", "").startswith("application/json"):
        return response
    status = response.status_code
    if status == 500 and settings.DEBUG:
        return response  # the debug page is worth more to a developer than a JSON line
    if status == 429:
        match = getattr(request, "resolver_match", None)
        what = WHAT.get(rule_for_view(match.view_name if match else None), "this")
        retry = response.get("Retry-After", "")
        message = f"Too many requests for {what}: please wait {retry} seconds and try again."
        answer = error_response(429, "rate_limited", message)
    elif status == 404:
        answer = error_response(404, "not_found", f"There is no {request.path} in this API: see /api/v1/docs.")
    elif status == 405:
        allowed = response.get("Allow", "")
        answer = error_response(405, "method_not_allowed", f"{request.method} isn't allowed here; use {allowed}.")
    elif status >= 500:
        answer = error_response(status, "server_error", "Something went wrong on our side. Please try again later.")
    else:
        answer = error_response(status, "error", response.reason_phrase)
    for header in ("Retry-After", "Allow", "Vary", SESSION_TOKEN_HEADER):
        if header in response:
            answer[header] = response[header]
    return answer
