"""Recording what a visitor looks at, and keeping it when they sign in.

Who gets a write:

- bots get none (`measurement.holdout.is_bot`, the same rule as the experiment), nor do
  staff previews: no row, no cookie;
- a signed-in customer: one upsert of (customer, product, now), and, when the view adds a
  product to a full list, one delete of the oldest rows beyond the cap;
- a guest: no database write and no session at all. The list lives in a signed cookie
  (`history.VIEWED_COOKIE`); a view updates it on the request, and `RecentlyViewedMiddleware`
  writes the new cookie on the response (`viewed_cookie_finish`). Viewing the product that
  is already the newest changes nothing and sends no cookie.

At login the cookie's views move onto the account (`viewed_merge_at_login`, from the
`user_logged_in` signal) and the response clears the cookie: the account's list is the one
read from then on, and a shared computer keeps no trace of it once they sign out.
"""

from django.conf import settings
from django.db import transaction
from django.utils import timezone
from django.utils.cache import patch_vary_headers

from catalog.models import Product
from recommendations.measurement.holdout import is_bot

from .history import (
    VIEWED_COOKIE,
    VIEWED_COOKIE_SALT,
    Visits,
    cookie_viewed,
    forget_viewed,
    read_viewed_cookie,
    remember_viewed,
    viewed_cookie_max_age,
    viewed_cookie_value,
    viewed_for_request,
)
from .models import ViewedProduct

# What the response must do with the guest's cookie: the views to write, or _CLEAR.
_COOKIE_PENDING = "_rec_viewed_pending"
_CLEAR = object()


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
    before = viewed_for_request(request)
    if before and before[0][0] == product_id:
        return
    after = ((product_id, now), *((pid, when) for pid, when in before if pid != product_id))
    after = after[: settings.RECOMMENDATIONS_RECENTLY_VIEWED_KEEP]
    remember_viewed(request, after)
    request.__dict__[_COOKIE_PENDING] = after


def viewed_cookie_set(*, response, visits: Visits) -> None:
    """Put a guest's views in the response's signed cookie."""
    response.set_signed_cookie(
        VIEWED_COOKIE,
        viewed_cookie_value(visits),
        salt=VIEWED_COOKIE_SALT,
        max_age=viewed_cookie_max_age(),
        secure=settings.SESSION_COOKIE_SECURE,
        httponly=True,
        samesite="Lax",
    )


def viewed_cookie_finish(*, request, response) -> None:
    """After the view: write the cookie a guest's view changed, or clear the one merged at
    login. A page built from the cookie varies on it (no shared cache may serve one guest's
    list to another)."""
    pending = request.__dict__.pop(_COOKIE_PENDING, None)
    if pending is not None or read_viewed_cookie(request):
        patch_vary_headers(response, ("Cookie",))
    if pending is _CLEAR:
        response.delete_cookie(VIEWED_COOKIE, samesite="Lax")
    elif pending is not None:
        viewed_cookie_set(response=response, visits=pending)


def viewed_merge_at_login(*, request, user) -> int:
    """Move the guest's recently viewed products (from their cookie) onto the account: each
    product's later view wins, the cap is applied, and the response clears the cookie.
    Returns how many views were brought in."""
    visits = cookie_viewed(request)
    if VIEWED_COOKIE in request.COOKIES:
        request.__dict__[_COOKIE_PENDING] = _CLEAR
    forget_viewed(request)
    if not visits:
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
    return len(newer)


def viewed_trim(*, user) -> int:
    """Delete a customer's views beyond RECOMMENDATIONS_RECENTLY_VIEWED_KEEP (the oldest)."""
    keep = settings.RECOMMENDATIONS_RECENTLY_VIEWED_KEEP
    kept = list(
        ViewedProduct.objects.filter(user=user).order_by("-viewed_at", "-id").values_list("pk", flat=True)[:keep]
    )
    deleted, _ = ViewedProduct.objects.filter(user=user).exclude(pk__in=kept).delete()
    return deleted
