"""Recording what a visitor looks at, and keeping it when they sign in.

Who gets a write:

- bots get none (`measurement.holdout.is_bot`, the same rule as the experiment), nor do
  staff previews;
- a signed-in customer: one upsert of (customer, product, now), and, when the view adds a
  product to a full list, one delete of the oldest rows beyond the cap;
- a guest: the list lives in their session, and is written only to a session that exists
  already (the request came with a valid session cookie) or that this request is saving
  anyway (something else modified it). A first-time visitor without a cookie gets no session
  from a product view alone; their views count from the moment the visit has a session (an
  add to cart, a sign-in, or whatever else the shop keeps in it). Viewing the product that is
  already the newest changes nothing and writes nothing.
"""

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from catalog.models import Product
from recommendations.measurement.holdout import is_bot

from .history import SESSION_VIEWED, Visits, forget_viewed, remember_viewed, session_viewed, viewed_for_request
from .models import ViewedProduct


def _recorded(request) -> bool:
    return not is_bot(request) and not getattr(request, "rec_preview", False)


def product_view_record(*, request, product_id: int, now=None) -> None:
    """Note that the visitor is looking at a product (see the module docstring for when this
    writes, and what)."""
    if not _recorded(request):
        return
    now = now or timezone.now()
    user = getattr(request, "user", None)
    if user is not None and user.is_authenticated:
        _record_for_customer(request, user=user, product_id=product_id, now=now)
    else:
        _record_for_guest(request, product_id=product_id, now=now)


def _record_for_customer(request, *, user, product_id: int, now) -> None:
    before = viewed_for_request(request)
    ViewedProduct.objects.bulk_create(
        [ViewedProduct(user=user, product_id=product_id, viewed_at=now)],
        update_conflicts=True,
        unique_fields=["user", "product"],
        update_fields=["viewed_at"],
    )
    keep = settings.RECOMMENDATIONS_RECENTLY_VIEWED_KEEP
    after = ((product_id, now), *((pid, when) for pid, when in before if pid != product_id))
    if len(after) > keep:
        # The list read before was full and this product is new to it: the oldest go.
        ViewedProduct.objects.filter(user=user, viewed_at__lt=after[keep - 1][1]).delete()
    remember_viewed(request, after[:keep])


def _record_for_guest(request, *, product_id: int, now) -> None:
    session = getattr(request, "session", None)
    if session is None:
        return
    before = session_viewed(session)  # loads the session: a stale cookie's key is dropped here
    if before and before[0][0] == product_id:
        return
    if session.session_key is None and not session.modified:
        return
    after = ((product_id, now), *((pid, when) for pid, when in before if pid != product_id))
    after = after[: settings.RECOMMENDATIONS_RECENTLY_VIEWED_KEEP]
    session[SESSION_VIEWED] = _stored(after)
    remember_viewed(request, after)


def _stored(visits: Visits) -> list[list]:
    return [[pid, round(when.timestamp(), 3)] for pid, when in visits]


def viewed_merge_at_login(*, request, user) -> int:
    """Move the guest's recently viewed products (from the session) onto the account: each
    product's later view wins, the cap is applied, the session's list is dropped. Returns how
    many views were brought in."""
    session = getattr(request, "session", None)
    visits = session_viewed(session)
    if not visits:
        if session is not None and SESSION_VIEWED in session:
            del session[SESSION_VIEWED]
        return 0
    ids = [pid for pid, _ in visits]
    with transaction.atomic():
        stored = dict(
            ViewedProduct.objects.select_for_update()
            .filter(user=user, product_id__in=ids)
            .values_list("product_id", "viewed_at")
        )
        newer = [
            ViewedProduct(user=user, product_id=pid, viewed_at=when)
            for pid, when in visits
            if pid not in stored or stored[pid] < when
        ]
        # Products deleted since the guest looked at them are left out.
        existing = set(Product.objects.filter(pk__in=ids).values_list("pk", flat=True))
        newer = [row for row in newer if row.product_id in existing]
        if newer:
            ViewedProduct.objects.bulk_create(
                newer, update_conflicts=True, unique_fields=["user", "product"], update_fields=["viewed_at"]
            )
        viewed_trim(user=user)
    del session[SESSION_VIEWED]
    forget_viewed(request)
    return len(newer)


def viewed_trim(*, user) -> int:
    """Delete a customer's views beyond RECOMMENDATIONS_RECENTLY_VIEWED_KEEP (the oldest)."""
    keep = settings.RECOMMENDATIONS_RECENTLY_VIEWED_KEEP
    kept = list(
        ViewedProduct.objects.filter(user=user).order_by("-viewed_at", "-id").values_list("pk", flat=True)[:keep]
    )
    deleted, _ = ViewedProduct.objects.filter(user=user).exclude(pk__in=kept).delete()
    return deleted
