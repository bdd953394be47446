"""Reading a customer's history back: what they viewed (a signed cookie for guests,
`ViewedProduct` for customers) and what they bought (their orders that count). Reads only,
memoised on the request so the blocks of one page share them.

A guest's views live in the browser, not in the shop: a signed cookie (VIEWED_COOKIE) holding
at most RECOMMENDATIONS_RECENTLY_VIEWED_KEEP (product id, time) pairs, newest first. So a
browsing guest costs no session and no row (a first visit writes nothing, issue 12), and the
list survives sessions as long as the cookie does. Signing keeps a visitor from planting ids
in it by hand; a value that does not verify, has expired or does not parse reads as no views.
"""

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from django.conf import settings
from django.db.models import Max, Q
from django.utils.http import base36_to_int, int_to_base36

from shop.orders.models import Order, OrderLine

from .models import ViewedProduct

# The guest's cookie: "<id>.<POSIX seconds>" pairs in base 36, joined by "-", newest first
# (about 11 characters a view). The salt names the encoding: a new one gets a new salt, and
# cookies written in the old one then read as empty instead of being misread.
VIEWED_COOKIE = "rec_viewed"
VIEWED_COOKIE_SALT = "personal.viewed.v1"
# Distinct products read back from a customer's orders, the most recently bought first.
BOUGHT_LIMIT = 200

# How far apart two views read back from the same second are (`viewed_from_cookie_value`).
_TIE = timedelta(milliseconds=1)
# Product ids fit a signed 64-bit column: a larger one never reaches a query.
_MAX_ID = 2**63 - 1

_VIEWED_MEMO = "_rec_viewed"
_BOUGHT_MEMO = "_rec_bought"
# Set when the page read a guest's cookie: the response then varies on it.
_READ_COOKIE = "_rec_viewed_read_cookie"

Visits = tuple[tuple[int, datetime], ...]


@dataclass(frozen=True)
class History:
    """What one customer viewed and bought, newest first: (product id, when) pairs, one per
    product (the last view, the last purchase)."""

    viewed: Visits = ()
    bought: Visits = ()

    @property
    def is_empty(self) -> bool:
        return not self.viewed and not self.bought

    @property
    def viewed_ids(self) -> list[int]:
        return [pid for pid, _ in self.viewed]

    @property
    def bought_ids(self) -> list[int]:
        return [pid for pid, _ in self.bought]


def viewed_cookie_value(visits: Visits) -> str:
    """The cookie's (unsigned) value for these views, newest first."""
    return "-".join(f"{int_to_base36(pid)}.{int_to_base36(int(when.timestamp()))}" for pid, when in visits)


def viewed_from_cookie_value(value: str | None) -> Visits:
    """The views in a cookie's (verified) value; items that do not parse, repeats and
    anything beyond the cap are left out.

    The list's order is the truth: views in the same second (the cookie keeps whole
    seconds) read as a millisecond apart, newest first, so a merge at login keeps them in
    the order they were seen."""
    if not isinstance(value, str):
        return ()
    visits, seen = [], set()
    for item in value.split("-")[: settings.RECOMMENDATIONS_RECENTLY_VIEWED_KEEP]:
        pid, _, stamp = item.partition(".")
        try:
            pid, when = base36_to_int(pid), datetime.fromtimestamp(base36_to_int(stamp), tz=UTC)
        except (ValueError, OverflowError, OSError):
            continue
        if not 0 < pid <= _MAX_ID or pid in seen:
            continue
        if visits and when >= visits[-1][1]:
            when = visits[-1][1] - _TIE
        seen.add(pid)
        visits.append((pid, when))
    return tuple(visits)


def viewed_cookie_max_age() -> int:
    return settings.RECOMMENDATIONS_RECENTLY_VIEWED_COOKIE_DAYS * 24 * 60 * 60


def cookie_viewed(request) -> Visits:
    """A guest's views as their browser sent them back (no query)."""
    value = request.get_signed_cookie(
        VIEWED_COOKIE, default=None, salt=VIEWED_COOKIE_SALT, max_age=viewed_cookie_max_age()
    )
    return viewed_from_cookie_value(value)


def viewed_by(*, user) -> Visits:
    """A customer's recently viewed products, newest first (one query)."""
    rows = (
        ViewedProduct.objects.filter(user=user)
        .order_by("-viewed_at", "-id")
        .values_list("product_id", "viewed_at")[: settings.RECOMMENDATIONS_RECENTLY_VIEWED_KEEP]
    )
    return tuple(rows)


def bought_by(*, user=None, emails: Iterable[str] = (), limit: int = BOUGHT_LIMIT) -> Visits:
    """The products a customer bought in orders that count (their account's orders, and
    those placed with their addresses), each with the last time, newest first (one query)."""
    who = Q(pk__in=[])
    if user is not None:
        who |= Q(user=user)
    for email in {e.strip().lower() for e in emails if e}:
        who |= Q(email__iexact=email)
    rows = (
        OrderLine.objects.filter(order__in=Order.objects.counted().filter(who), product__isnull=False)
        .values("product_id")
        .annotate(last=Max("order__placed_at"))
        .order_by("-last", "product_id")
        .values_list("product_id", "last")[:limit]
    )
    return tuple(rows)


def _user(request):
    user = getattr(request, "user", None)
    return user if user is not None and user.is_authenticated else None


def viewed_for_request(request) -> Visits:
    """The visitor's recently viewed products: the account's when signed in, else the
    cookie's."""
    memo = request.__dict__.get(_VIEWED_MEMO)
    if memo is None:
        user = _user(request)
        if user is not None:
            memo = viewed_by(user=user)
        else:
            memo = cookie_viewed(request)
            request.__dict__[_READ_COOKIE] = True
        request.__dict__[_VIEWED_MEMO] = memo
    return memo


def read_viewed_cookie(request) -> bool:
    """Whether this request's page was built from the guest's cookie."""
    return bool(request.__dict__.get(_READ_COOKIE))


def remember_viewed(request, visits: Visits) -> None:
    """The views as they stand after this request recorded one (`services`)."""
    request.__dict__[_VIEWED_MEMO] = tuple(visits)


def forget_viewed(request) -> None:
    """The next read goes back to the store (the views moved to the account at login)."""
    request.__dict__.pop(_VIEWED_MEMO, None)


def history_for_request(request, *, views: bool = True) -> History:
    """The visitor's history: their views (unless `views` is false), and for a signed-in
    customer their purchases."""
    viewed = viewed_for_request(request) if views else ()
    user = _user(request)
    if user is None:
        return History(viewed=viewed)
    bought = request.__dict__.get(_BOUGHT_MEMO)
    if bought is None:
        bought = bought_by(user=user)
        request.__dict__[_BOUGHT_MEMO] = bought
    return History(viewed=viewed, bought=bought)
