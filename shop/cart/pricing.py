"""Cart totals: the one calculation the cart page, checkout and order placement share.

Discounts come from providers named in settings.CART_DISCOUNT_PROVIDERS (dotted paths to
`f(*, lines) -> list[Adjustment]`), so the cart imports no discount's app. Service add-ons on
a line (`line.services`, prefetched with their service) are merchandise: charged per item at
their price for the item's price (shop.addons.pricing, which the cart builds on), inside the
subtotal.
"""

from collections.abc import Iterable
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal

from django.conf import settings
from django.utils.module_loading import import_string

from shop.addons.pricing import service_unit_price

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


def line_service_unit_price(line, line_service) -> Decimal:
    """A service's price for one of the line's items: a price share follows the item's price."""
    return service_unit_price(service=line_service.service, item_price=line.product.price)


def line_service_total(line, line_service) -> Decimal:
    """A service is bought as many times as its item: its quantity is the line's."""
    return money(line_service_unit_price(line, line_service) * line.quantity)


def line_services_total(line) -> Decimal:
    """The line's service charges. A line-like value without `services` (the what-if totals
    of a list of products) has none."""
    services = getattr(line, "services", None)
    if services is None:
        return ZERO
    return sum((line_service_total(line, line_service) for line_service in services.all()), ZERO)


def discount_adjustments(*, lines: list) -> list[Adjustment]:
    adjustments: list[Adjustment] = []
    for path in settings.CART_DISCOUNT_PROVIDERS:
        provider = import_string(path)
        adjustments.extend(adj for adj in provider(lines=lines) if adj.amount > 0)
    return adjustments


def calculate_totals(*, lines: Iterable) -> Totals:
    """Subtotal from the current product prices (and their service add-ons), discounts,
    shipping and total.

    Shipping is the flat rate while the discounted subtotal is under the free-shipping
    threshold, free at or above it, and free for an empty cart.
    """
    lines = list(lines)
    threshold = money(settings.FREE_SHIPPING_THRESHOLD)
    subtotal = money(sum((line_total(line) + line_services_total(line) for line in lines), ZERO))
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
