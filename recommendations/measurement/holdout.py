"""The holdout experiment: which visitors see recommendations.

A share of visitors (settings.RECOMMENDATIONS_HOLDOUT_SHARE, default 10%) is kept in a
control group that never sees a recommendation. A visitor's key and group are decided on
their first request and kept in a long-lived signed cookie (VISITOR_COOKIE, a year), so a
guest keeps their group across sessions; a signed-in customer's group is also stored on
`CustomerGroup` and wins, so it follows them to every device. Once the visitor has a
session, the group is copied into it (under `SESSION_GROUP`, which the checkout copies
onto the order).

A first visit writes nothing: the cookie alone carries the group, no session and no row.
The visitor is recorded (a `Visitor` row, the dashboard's denominator) when they come back
with the cookie — a second page, a click — or when they do something that needs a session
(add to cart, sign in, check out), whichever comes first; `visit_finish` does it once the
view has run. So a "visitor" is a browser that kept our cookie for a second request or
started a cart or an account: a one-page bounce and a client that keeps no cookies (most
bots that pass for browsers) are not counted, in either group alike.

Bots and staff are left out of the experiment: they always see recommendations, get no
session or cookie from us and are never counted.
"""

import hashlib
import logging
import re
import secrets
import time
from contextvars import ContextVar
from dataclasses import dataclass, replace
from datetime import UTC, datetime

from django.conf import settings
from django.db import DatabaseError, IntegrityError, transaction
from django.http import HttpRequest

from shop.orders.models import REC_GROUP_SESSION_KEY

from .models import CustomerGroup, Group, Visitor

logger = logging.getLogger(__name__)

TREATMENT = Group.TREATMENT.value
CONTROL = Group.CONTROL.value

# The checkout reads the group under this key to copy it onto the order, so the name is
# the storefront's (shop.orders.models).
SESSION_GROUP = REC_GROUP_SESSION_KEY
SESSION_VISITOR = "rec_visitor"
# The customer whose stored group the session already follows: the customer's row is read
# once per login, not on every request.
SESSION_GROUP_USER = "rec_group_user"

# The browser's visitor key and group: "key:group:first seen (epoch seconds):recorded (0/1)",
# signed; the salt names the experiment, so a new RECOMMENDATIONS_HOLDOUT_SALT starts
# every visitor afresh.
VISITOR_COOKIE = "rec_visitor"
_VISITOR_STATE = "_rec_visitor_state"

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


@dataclass(frozen=True)
class VisitorState:
    """The visitor cookie as read, and what the response must do about it."""

    key: str
    group: str
    first_seen: int
    recorded: bool  # a Visitor row exists for the key (as far as this browser knows)
    came_back: bool  # the request carried the cookie
    changed: bool = False  # the cookie must be (re)written

    def value(self) -> str:
        return f"{self.key}:{self.group}:{self.first_seen}:{int(self.recorded)}"


def _cookie_salt() -> str:
    return f"measurement.visitor:{settings.RECOMMENDATIONS_HOLDOUT_SALT}"


def _visitor_cookie(request) -> VisitorState | None:
    value = request.get_signed_cookie(VISITOR_COOKIE, default=None, salt=_cookie_salt())
    try:
        key, group, first_seen, recorded = value.split(":")
        first_seen = int(first_seen)
    except (AttributeError, ValueError):
        return None
    if len(key) != 32 or group not in (TREATMENT, CONTROL):
        return None
    return VisitorState(key=key, group=group, first_seen=first_seen, recorded=recorded == "1", came_back=True)


def visit_for_request(request) -> Visit:
    """Assign (or read back) the request's group. Writes nothing for a visitor without a
    session (the group goes into a cookie, see `visit_finish`); a signed-in customer's
    session follows their stored group."""
    if is_bot(request) or is_staff_preview(request):
        return NOT_COUNTED
    session = request.session
    cookie = _visitor_cookie(request)
    # Reading the session costs nothing (no query, no row) when the browser has none.
    group = session.get(SESSION_GROUP) if getattr(session, "session_key", None) else None
    visitor_key = session.get(SESSION_VISITOR, "") if group else ""
    if group and visitor_key:
        state = cookie if cookie is not None and cookie.key == visitor_key else VisitorState(
            key=visitor_key, group=group, first_seen=int(time.time()), recorded=False, came_back=cookie is not None
        )
    elif cookie is not None:
        state = cookie
    else:
        key = secrets.token_hex(16)
        state = VisitorState(key=key, group=bucket_for(key), first_seen=int(time.time()), recorded=False, came_back=False)
    group = group or state.group
    user = getattr(request, "user", None)
    if user is not None and user.is_authenticated and session.get(SESSION_GROUP_USER) != user.pk:
        group = _customer_group(user, session_group=group)
        session[SESSION_GROUP] = group
        session[SESSION_VISITOR] = state.key
        session[SESSION_GROUP_USER] = user.pk
    if state.group != group or cookie is None or cookie != state:
        state = replace(state, group=group, changed=True)
    request.__dict__[_VISITOR_STATE] = state
    return Visit(group=group, visitor_key=state.key, counted=True)


def visit_finish(request, response) -> None:
    """After the view: record the visitor once they came back or got a session, copy the
    group into a session that has none yet, and (re)write the visitor cookie if it changed."""
    state: VisitorState | None = request.__dict__.get(_VISITOR_STATE)
    if state is None:
        return
    session = getattr(request, "session", None)
    has_session = session is not None and bool(session.session_key) and not session.is_empty()
    if has_session and not session.get(SESSION_GROUP):
        session[SESSION_GROUP] = state.group
        session[SESSION_VISITOR] = state.key
    if not state.recorded and (state.came_back or has_session):
        first_seen = datetime.fromtimestamp(state.first_seen, tz=UTC)
        try:
            Visitor.objects.get_or_create(key=state.key, defaults={"group": state.group, "first_seen": first_seen})
        except DatabaseError:  # measurement never breaks a page: the next request tries again
            logger.exception("Could not record visitor %s", state.key)
        else:
            state = replace(state, recorded=True, changed=True)
    if state.changed:
        response.set_signed_cookie(
            VISITOR_COOKIE,
            state.value(),
            salt=_cookie_salt(),
            max_age=settings.RECOMMENDATIONS_VISITOR_COOKIE_DAYS * 24 * 60 * 60,
            secure=settings.SESSION_COOKIE_SECURE,
            httponly=True,
            samesite="Lax",
        )


def visitor_cookie_group(value: str) -> tuple[str, str] | None:
    """(visitor key, group) from a visitor cookie's value, for tools that drive the shop
    from outside a request (simulate_shoppers); None if it is not one of ours."""
    request = HttpRequest()
    request.COOKIES[VISITOR_COOKIE] = value
    state = _visitor_cookie(request)
    return (state.key, state.group) if state else None


def assign_group(request) -> str:
    """The request's group, "treatment" or "control" (assigned on first sight, then sticky)."""
    visit = getattr(request, "rec_visit", None)
    if visit is None:
        visit = visit_for_request(request)
        request.rec_visit = visit
    return visit.group
