"""Reading a customer's history back: what they viewed (the session for guests, `ViewedProduct`
for customers) and what they bought (their orders that count). Reads only, memoised on the
request so the blocks of one page share them."""

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime

from django.conf import settings
from django.db.models import Max, Q

from shop.orders.models import Order, OrderLine

from .models import ViewedProduct

# The session key of a guest's recently viewed products: [[product id, POSIX time], …],
# newest first.
SESSION_VIEWED = "rec_viewed"
# Distinct products read back from a customer's orders, the most recently bought first.
BOUGHT_LIMIT = 200

_VIEWED_MEMO = "_rec_viewed"
_BOUGHT_MEMO = "_rec_bought"

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


def session_viewed(session) -> Visits:
    """A guest's views as stored in the session; anything malformed is left out (a session is
    data from an earlier release, or a hand-edited cookie with the signed-cookie backend)."""
    raw = session.get(SESSION_VIEWED) if session is not None else None
    if not isinstance(raw, list):
        return ()
    visits, seen = [], set()
    for item in raw[: settings.RECOMMENDATIONS_RECENTLY_VIEWED_KEEP]:
        if not (isinstance(item, list | tuple) and len(item) == 2):
            continue
        pid, stamp = item
        if isinstance(pid, int) and not isinstance(pid, bool) and pid > 0 and isinstance(stamp, int | float) and pid not in seen:
            seen.add(pid)
            visits.append((pid, datetime.fromtimestamp(stamp, tz=UTC)))
    return tuple(visits)


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
    session's. Reading never creates a session."""
    memo = request.__dict__.get(_VIEWED_MEMO)
    if memo is None:
        user = _user(request)
        memo = viewed_by(user=user) if user else session_viewed(getattr(request, "session", None))
        request.__dict__[_VIEWED_MEMO] = memo
    return memo


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
