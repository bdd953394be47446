"""Applies settings.RATE_LIMITS to the views they name, before the view runs."""

from .ratelimits import rate_limit_check, rule_for_view
from .views import too_many_requests


class RateLimitMiddleware:
    """Placed after CSRF: a POST refused for its token never reaches a counter."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        return self.get_response(request)

    def process_view(self, request, view_func, view_args, view_kwargs):
        if request.method != "POST":
            return None
        match = getattr(request, "resolver_match", None)
        rule_name = rule_for_view(match.view_name if match else None)
        if rule_name is None:
            return None
        refusal = rate_limit_check(request, rule_name=rule_name)
        if refusal is None:
            return None
        return too_many_requests(request, retry_after=refusal.retry_after, rule=refusal.rule)
