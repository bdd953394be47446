"""The holdout experiment: which visitors see recommendations.

A share of visitors (settings.RECOMMENDATIONS_HOLDOUT_SHARE, default 10%) is kept in a
control group that never sees a recommendation. The group is decided once per session and
kept in it (under `SESSION_GROUP`, which the recommendations read to hide blocks and the
checkout copies onto the order); a signed-in customer's group is also stored on
`CustomerGroup` and wins over the session's, so it follows them to every device.

Bots and staff are left out of the experiment: they always see recommendations, get no
session from us and are never counted.
"""

import hashlib
import re
import secrets
from contextvars import ContextVar
from dataclasses import dataclass

from django.conf import settings
from django.db import IntegrityError, transaction

from shop.orders.models import REC_GROUP_SESSION_KEY

from .models import CustomerGroup, Group, Visitor

TREATMENT = Group.TREATMENT.value
CONTROL = Group.CONTROL.value

# The checkout reads the group under this key to copy it onto the order, so the name is
# the storefront's (shop.orders.models).
SESSION_GROUP = REC_GROUP_SESSION_KEY
SESSION_VISITOR = "rec_visitor"
# The customer whose stored group the session already follows: the customer's row is read
# once per login, not on every request.
SESSION_GROUP_USER = "rec_group_user"

# Crawlers, link previewers, uptime checkers, scripts. A request without any user agent is
# a script too: every browser sends one.
_BOT_USER_AGENT = re.compile(
    r"bot|crawl|spider|slurp|mediapartners|facebookexternalhit|embedly|bingpreview|headlesschrome|phantomjs"
    r"|curl|wget|python-requests|python-urllib|httpx|aiohttp|go-http-client|okhttp|java/|libwww|scrapy|pingdom"
    r"|uptime|monitor|lighthouse",
    re.IGNORECASE,
)


@dataclass(frozen=True)
class Visit:
    """What the measurement knows about the current request."""

    group: str
    visitor_key: str = ""
    counted: bool = False


NOT_COUNTED = Visit(group=TREATMENT)

# The current request's visit, for writes made below the request without access to it (an
# add to cart is recorded when the cart line is saved). Set by HoldoutMiddleware.
current_visit: ContextVar[Visit | None] = ContextVar("current_visit", default=None)


def is_bot(request) -> bool:
    user_agent = request.META.get("HTTP_USER_AGENT", "")
    return not user_agent.strip() or bool(_BOT_USER_AGENT.search(user_agent))


def is_staff_preview(request) -> bool:
    """Staff looking at the shop, or anyone on a page rendered as a preview, isn't a shopper."""
    user = getattr(request, "user", None)
    if user is not None and user.is_authenticated and user.is_staff:
        return True
    return bool(getattr(request, "rec_preview", False))


def bucket_for(stable_id: str) -> str:
    """The group of a stable id: a hash, so the same id always lands in the same group and the
    shares match the setting without any shared counter."""
    salt = settings.RECOMMENDATIONS_HOLDOUT_SALT
    digest = hashlib.sha256(f"{salt}:{stable_id}".encode()).digest()
    position = int.from_bytes(digest[:8], "big") / 2**64
    return CONTROL if position < settings.RECOMMENDATIONS_HOLDOUT_SHARE else TREATMENT


def _customer_group(user, *, session_group: str | None) -> str:
    """The customer's stored group; a customer seen for the first time keeps the group their
    session already had, so nothing they saw changes when they sign in."""
    stored = CustomerGroup.objects.filter(user=user).values_list("group", flat=True).first()
    if stored:
        return stored
    group = session_group or bucket_for(f"user:{user.pk}")
    try:
        with transaction.atomic():
            CustomerGroup.objects.create(user=user, group=group)
    except IntegrityError:
        # Two first requests of the same customer raced: the other one decided.
        group = CustomerGroup.objects.values_list("group", flat=True).get(user=user)
    return group


def visit_for_request(request) -> Visit:
    """Assign (or read back) the request's group. Writes the session only for people."""
    if is_bot(request) or is_staff_preview(request):
        return NOT_COUNTED
    session = request.session
    group = session.get(SESSION_GROUP)
    visitor_key = session.get(SESSION_VISITOR, "")
    if not group:
        visitor_key = secrets.token_hex(16)
        group = bucket_for(visitor_key)
        session[SESSION_VISITOR] = visitor_key
        session[SESSION_GROUP] = group
        Visitor.objects.create(key=visitor_key, group=group)
    user = getattr(request, "user", None)
    if user is not None and user.is_authenticated and session.get(SESSION_GROUP_USER) != user.pk:
        group = _customer_group(user, session_group=group)
        session[SESSION_GROUP] = group
        session[SESSION_GROUP_USER] = user.pk
    return Visit(group=group, visitor_key=visitor_key, counted=True)


def assign_group(request) -> str:
    """The request's group, "treatment" or "control" (assigned on first sight, then sticky)."""
    visit = getattr(request, "rec_visit", None)
    if visit is None:
        visit = visit_for_request(request)
        request.rec_visit = visit
    return visit.group
