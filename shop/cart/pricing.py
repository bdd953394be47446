"""Cart totals: the one calculation the cart page, checkout and order placement share.

Discounts come from providers named in settings.CART_DISCOUNT_PROVIDERS (dotted paths to
`f(*, lines) -> list[Adjustment]`), so the cart imports no other app.
"""

from collections.abc import Iterable
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal

from django.conf import settings
from django.utils.module_loading import import_string

CENT = Decimal("0.01")
ZERO = Decimal("0.00")


def money(value) -> Decimal:
    return Decimal(value).quantize(CENT, rounding=ROUND_HALF_UP)


@dataclass(frozen=True)
class Adjustment:
    label: str
    amount: Decimal  # positive = discount
    code: str = ""


@dataclass
class Totals:
    subtotal: Decimal
    discount: Decimal
    adjustments: list[Adjustment] = field(default_factory=list)
    shipping: Decimal = ZERO
    total: Decimal = ZERO
    free_shipping_threshold: Decimal = ZERO
    free_shipping_gap: Decimal = ZERO  # 0 once the threshold is reached


def line_total(line) -> Decimal:
    return money(line.product.price * line.quantity)


def discount_adjustments(*, lines: list) -> list[Adjustment]:
    adjustments: list[Adjustment] = []
    for path in settings.CART_DISCOUNT_PROVIDERS:
        provider = import_string(path)
        adjustments.extend(adj for adj in provider(lines=lines) if adj.amount > 0)
    return adjustments


def calculate_totals(*, lines: Iterable) -> Totals:
    """Subtotal from the current product prices, discounts, shipping and total.

    Shipping is the flat rate while the discounted subtotal is under the free-shipping
    threshold, free at or above it, and free for an empty cart.
    """
    lines = list(lines)
    threshold = money(settings.FREE_SHIPPING_THRESHOLD)
    subtotal = money(sum((line_total(line) for line in lines), ZERO))
    adjustments = discount_adjustments(lines=lines) if lines else []
    # A discount never makes the merchandise cost less than nothing.
    discount = min(money(sum((adj.amount for adj in adjustments), ZERO)), subtotal)
    merchandise = subtotal - discount
    if not lines or merchandise >= threshold:
        shipping = ZERO
    else:
        shipping = money(settings.SHIPPING_FLAT_RATE)
    return Totals(
        subtotal=subtotal,
        discount=discount,
        adjustments=adjustments,
        shipping=shipping,
        total=money(merchandise + shipping),
        free_shipping_threshold=threshold,
        free_shipping_gap=max(threshold - merchandise, ZERO),
    )


def free_shipping_progress(totals: Totals) -> int:
    """How far the cart is towards free delivery, in percent (0–100; 100 once reached)."""
    if totals.free_shipping_threshold <= 0 or totals.free_shipping_gap <= 0:
        return 100
    progress = int((totals.free_shipping_threshold - totals.free_shipping_gap) * 100 / totals.free_shipping_threshold)
    return max(0, min(progress, 100))
