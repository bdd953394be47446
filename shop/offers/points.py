"""Loyalty points: earned per whole £1 of goods paid, spent at checkout, kept in an
append-only ledger per customer.

Earning and reversing follow the order's status changes (shop.orders.workflow calls
`points_order_paid` and `points_order_undone` in its transaction); spending is a discount
provider (shop.offers.pricing.points_adjustments) checked against the balance under the
account's row lock at placement, then written by `points_record_redeemed`.
"""

from decimal import ROUND_DOWN, Decimal

from django.core.cache import cache
from django.db import IntegrityError, transaction
from django.db.models import F

from .models import OfferSettings, PointsAccount, PointsEntry

POINTS_CODE = "points:redeem"
_SETTINGS_KEY = "offers:settings"
SETTINGS_CACHE_TIMEOUT = 300


def offer_settings() -> OfferSettings:
    """The one settings row, cached (replaced when staff save it: receivers); its defaults
    until staff first save it. A read never writes: a page view shouldn't create the row."""
    tuning = cache.get(_SETTINGS_KEY)
    if tuning is None:
        tuning = OfferSettings.objects.filter(pk=1).first() or OfferSettings(pk=1)
        cache.set(_SETTINGS_KEY, tuning, SETTINGS_CACHE_TIMEOUT)
    return tuning


def offer_settings_forget() -> None:
    cache.delete(_SETTINGS_KEY)


def points_for(amount: Decimal, *, tuning: OfferSettings | None = None) -> int:
    """Points earned on `amount` of goods: per whole pound, never for pennies."""
    tuning = tuning or offer_settings()
    if amount <= 0:
        return 0
    return int(amount.to_integral_value(rounding=ROUND_DOWN)) * tuning.points_per_pound


def points_balance(*, user_id: int | None, lock: bool = False) -> int:
    if not user_id:
        return 0
    queryset = PointsAccount.objects.filter(user_id=user_id)
    if lock:
        queryset = queryset.select_for_update()
    return queryset.values_list("balance", flat=True).first() or 0


def points_history(*, user_id: int, limit: int = 50) -> list[PointsEntry]:
    return list(
        PointsEntry.objects.filter(account__user_id=user_id).select_related("order").order_by("-created_at", "-id")[:limit]
    )


def points_value(points: int, *, tuning: OfferSettings | None = None) -> Decimal:
    tuning = tuning or offer_settings()
    return (Decimal(points) * tuning.point_value).quantize(Decimal("0.01"), rounding=ROUND_DOWN)


# Writes -------------------------------------------------------------------------------------


def _write(*, user_id: int, kind: str, points: int, order) -> bool:
    """One ledger entry and the balance beside it; False (nothing written) when the order
    already has an entry of this kind."""
    if not points:
        return False
    account, _ = PointsAccount.objects.get_or_create(user_id=user_id)
    try:
        with transaction.atomic():
            PointsEntry.objects.create(account=account, kind=kind, points=points, order=order)
    except IntegrityError:
        return False
    PointsAccount.objects.filter(pk=account.pk).update(balance=F("balance") + points)
    return True


def points_record_redeemed(*, order, adjustments) -> None:
    """Spend the points an order was placed with. In placement's transaction, after the
    totals locked the account and read its balance."""
    used = next((adj.units for adj in adjustments if adj.code == POINTS_CODE), 0)
    if used and order.user_id:
        _write(user_id=order.user_id, kind=PointsEntry.Kind.REDEEMED, points=-used, order=order)


def _earned_on(order) -> int:
    return points_for(order.subtotal - order.discount)


def points_order_paid(*, order) -> None:
    """Credit a customer's points for a paid order (once per order). An expired order that a
    late payment reinstates keeps its points discount, so the points its expiry gave back are
    spent again (the balance may go below zero if they were spent since)."""
    if not order.user_id:
        return
    _write(user_id=order.user_id, kind=PointsEntry.Kind.EARNED, points=_earned_on(order), order=order)
    returned = (
        PointsEntry.objects.filter(order=order, kind=PointsEntry.Kind.REDEEMED_RETURNED).values_list("points", flat=True).first()
    )
    if returned:
        _write(user_id=order.user_id, kind=PointsEntry.Kind.REDEEMED_AGAIN, points=-returned, order=order)


def points_order_undone(*, orders) -> None:
    """An order cancelled, expired or refunded: take back what it earned and give back what
    it spent, each once. A balance may go below zero when the earned points were spent
    since: the next order's points make it up."""
    for order in orders:
        if not order.user_id:
            continue
        entries = dict(
            PointsEntry.objects.filter(order=order, kind__in=[PointsEntry.Kind.EARNED, PointsEntry.Kind.REDEEMED])
            .values_list("kind", "points")
        )
        if entries.get(PointsEntry.Kind.EARNED):
            _write(user_id=order.user_id, kind=PointsEntry.Kind.EARNED_REVERSED,
                   points=-entries[PointsEntry.Kind.EARNED], order=order)
        if entries.get(PointsEntry.Kind.REDEEMED):
            _write(user_id=order.user_id, kind=PointsEntry.Kind.REDEEMED_RETURNED,
                   points=-entries[PointsEntry.Kind.REDEEMED], order=order)
