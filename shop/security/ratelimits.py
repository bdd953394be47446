"""Per-IP and per-visitor limits on the POSTs that write to the database or send e-mail.

The counting is django-ratelimit's (`get_usage`): a fixed window per key in the default
cache, keyed by a hash of the group, the window and the value, IPv6 addresses grouped by
/64 so that one machine can't rotate through its own block, and let through when the cache
is unavailable (RATELIMIT_FAIL_OPEN). Its decorator is not used: a view here has several
counters (address, visitor, the e-mail asked for), the refusal needs the time left for
Retry-After, and the rules are applied by view name from settings.RATE_LIMITS so that the
views themselves stay untouched.
"""

import logging
from dataclasses import dataclass

from django.conf import settings
from django_ratelimit.core import get_usage

logger = logging.getLogger(__name__)

# The counters a rule may set, in the order they are checked.
KEY_NAMES = ("ip", "session", "email")
# The longest e-mail address (RFC 5321); anything longer is counted by its first part.
EMAIL_MAX_LENGTH = 254


@dataclass(frozen=True)
class Refusal:
    """A request over one of its limits: which rule and counter, and when to try again."""

    rule: str
    key: str
    retry_after: int


def rule_for_view(view_name: str | None) -> str | None:
    if not view_name:
        return None
    for name, rule in settings.RATE_LIMITS.items():
        if view_name in rule["views"]:
            return name
    return None


def visitor_key(request) -> str | None:
    """The signed-in customer, else the browser's session; None for a visitor without one
    (the per-IP counter still applies)."""
    user = getattr(request, "user", None)
    if user is not None and user.is_authenticated:
        return f"user:{user.pk}"
    session = getattr(request, "session", None)
    if session is None:
        return None
    # Reading a value loads the session: a forged or expired cookie's key is dropped by the
    # load, so made-up keys can't each open a fresh counter.
    session.get("_")
    return f"session:{session.session_key}" if session.session_key else None


def posted_email(request) -> str | None:
    email = request.POST.get("email", "").strip().lower()[:EMAIL_MAX_LENGTH]
    return f"email:{email}" if email else None


def _ratelimit_key(key_name: str, request):
    """The `key` argument for django-ratelimit, or None when the request has no such value."""
    if key_name == "ip":
        return "ip"  # the library's own: RATELIMIT_IP_META_KEY (client_ip), then the IPv6 /64 mask
    value = visitor_key(request) if key_name == "session" else posted_email(request)
    if value is None:
        return None
    return lambda group, request: value


def rate_limit_check(request, *, rule_name: str) -> Refusal | None:
    """Count this request against every counter of the rule; a Refusal when any of them is
    over its rate. Only POSTs are counted."""
    if request.method != "POST" or not settings.RATE_LIMITS_ENABLED:
        return None
    rule = settings.RATE_LIMITS[rule_name]
    refusal = None
    for key_name in KEY_NAMES:
        rate = rule.get(key_name)
        key = _ratelimit_key(key_name, request) if rate else None
        if key is None:
            continue
        usage = get_usage(request, group=f"{rule_name}:{key_name}", key=key, rate=rate, increment=True)
        if usage is not None and usage["should_limit"] and refusal is None:
            refusal = Refusal(rule=rule_name, key=key_name, retry_after=max(usage["time_left"], 1))
    if refusal is not None:
        logger.warning("Rate limit %s (per %s) refused %s %s", refusal.rule, refusal.key, request.method, request.path)
    return refusal
