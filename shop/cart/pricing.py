"""Cart totals: the one calculation the cart page, checkout and order placement share.

Discounts come from providers named in settings.CART_DISCOUNT_PROVIDERS (dotted paths to
`f(*, lines, context) -> list[Adjustment]`), so the cart imports no discount's app. They run in
the order listed (deal price → bundle → voucher → points) and each sees the adjustments of
those before it in `context.prior`, so a bundle is priced at deal prices and a voucher takes
its share of what is left. Service add-ons on
a line (`line.services`, prefetched with their service) are merchandise: charged per item at
their price for the item's price (shop.addons.pricing, which the cart builds on), inside the
subtotal.
"""

from collections.abc import Iterable
from dataclasses import dataclass, field, replace
from datetime import datetime
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
    # Set by a discount on one product's price (a deal): the saving per unit and the units
    # it covers, so later providers can price that product as charged.
    product_id: int | None = None
    unit_amount: Decimal = ZERO
    units: int = 0


@dataclass(frozen=True)
class PricingContext:
    """What providers may need beyond the lines. The default is a what-if price (a list of
    products): no cart, nobody, nothing locked.

    `placing` is True only inside order placement's transaction: providers then lock the rows
    whose limits they enforce (a deal's cap, a voucher's uses, a points balance) and read them
    under that lock."""

    cart: object = None
    user_id: int | None = None
    email: str = ""
    placing: bool = False
    now: datetime | None = None
    prior: tuple[Adjustment, ...] = ()


@dataclass
class Totals:
    subtotal: Decimal
    discount: Decimal
    adjustments: list[Adjustment] = field(default_factory=list)
    # Why a discount the shopper asked for gives nothing now (amount 0; see discount_adjustments).
    notices: list[Adjustment] = field(default_factory=list)
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


def lines_subtotal(lines: Iterable) -> Decimal:
    """The goods and their services at today's prices, before any discount."""
    return money(sum((line_total(line) + line_services_total(line) for line in lines), ZERO))


def discount_adjustments(*, lines: list, context: PricingContext) -> tuple[list[Adjustment], list[Adjustment]]:
    """(the discounts, the notices): a provider may say why it gives nothing (a voucher whose
    minimum spend isn't met) with an adjustment of 0 whose label is shown to the shopper."""
    adjustments: list[Adjustment] = []
    notices: list[Adjustment] = []
    for path in settings.CART_DISCOUNT_PROVIDERS:
        provider = import_string(path)
        for adj in provider(lines=lines, context=replace(context, prior=tuple(adjustments))):
            (adjustments if adj.amount > 0 else notices).append(adj)
    return adjustments, notices


def unit_prices_after(*, lines: Iterable, adjustments: Iterable[Adjustment]) -> dict[int, Decimal]:
    """Each product's unit price after the per-product discounts among `adjustments` (deal
    prices): what a later discount works from. A deal covering only some units still prices
    the product at the deal price: the discounted units are the ones a set uses first."""
    prices = {line.product_id: line.product.price for line in lines}
    for adj in adjustments:
        if adj.product_id in prices and adj.units > 0:
            prices[adj.product_id] = max(prices[adj.product_id] - adj.unit_amount, ZERO)
    return prices


def cart_pricing_context(cart) -> PricingContext:
    """The context the pages price a cart in: its customer and the address it knows."""
    if cart is None:
        return PricingContext()
    return PricingContext(cart=cart, user_id=cart.user_id, email=cart.email)


def calculate_totals(*, lines: Iterable, context: PricingContext | None = None) -> Totals:
    """Subtotal from the current product prices (and their service add-ons), discounts,
    shipping and total.

    Shipping is the flat rate while the discounted subtotal is under the free-shipping
    threshold, free at or above it, and free for an empty cart.
    """
    lines = list(lines)
    threshold = money(settings.FREE_SHIPPING_THRESHOLD)
    subtotal = lines_subtotal(lines)
    context = context if context is not None else PricingContext()
    adjustments, notices = discount_adjustments(lines=lines, context=context) if lines else ([], [])
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
        notices=notices,
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
