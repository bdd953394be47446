"""Turning a cart into an order."""

from dataclasses import dataclass
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone

from catalog.models import Product, StockMovement
from catalog.services import StockChange, stock_move
from shop.addons.models import SERVICE_SOURCE
from shop.cart.models import Cart, CartLine
from shop.cart.pricing import (
    PricingContext,
    calculate_totals,
    line_service_total,
    line_service_unit_price,
    line_total,
)
from shop.cart.selectors import line_problem, line_service_problems, line_services_prefetch
from shop.cart.services import cart_clear
from shop.orders.emails import order_email_queue
from shop.orders.models import Order, OrderAdjustment, OrderEmail, OrderLine
from shop.offers.selectors import deal_change_messages
from shop.offers.points import points_record_redeemed
from shop.offers.services import deals_record_sales, vouchers_record_use
from shop.orders.services import order_number_generate
from shop.payments.providers import available_providers


@dataclass(frozen=True)
class ShippingAddress:
    name: str
    line1: str
    city: str
    postcode: str
    line2: str = ""
    country: str = "United Kingdom"
    phone: str = ""


class CheckoutError(ValidationError):
    """The order could not be placed; the message is written for the shopper. Nothing changed."""

    def __init__(self, message, code=None, params=None):
        super().__init__(message, code, params)
        # A list of messages keeps no code in ValidationError; the views route on it.
        self.code = code


def order_place(
    *,
    cart: Cart,
    email: str,
    address: ShippingAddress,
    payment_method: str,
    idempotency_key: str,
    user=None,
    rec_group: str = "",
    expected_total: Decimal | None = None,
    seen_adjustments: dict[str, int] | None = None,
) -> Order:
    """Place the order for everything in the cart, in one transaction.

    The products are locked (in id order, so two checkouts never deadlock) and stock,
    availability and prices are checked again under the lock: a product is never sold
    twice. Submitting the same form twice (same idempotency key) returns the first order.
    `expected_total` is the total the shopper saw on the review page: when prices have
    changed since, the order is refused so they can look again. The discounts are decided
    here, under the same lock as the stock (a deal's units left, a voucher's uses):
    `seen_adjustments` (code → units, from the review page) only words the refusal when a
    deal the shopper saw has ended or sold out meanwhile; it is never a price.
    """
    if not idempotency_key or len(idempotency_key) > 64:
        raise CheckoutError("This checkout form has expired. Please review your order again.", code="token")
    provider = available_providers().get(payment_method)
    if provider is None:
        raise CheckoutError("Please choose a way to pay.", code="payment")
    if rec_group not in Order.Group.values:
        rec_group = Order.Group.NONE

    existing = Order.objects.filter(idempotency_key=idempotency_key).first()
    if existing is not None:
        return existing
    try:
        with transaction.atomic():
            # Serialises submits for the same cart: a second submit waits here, then finds
            # the first one's order below.
            Cart.objects.select_for_update().filter(pk=cart.pk).first()
            existing = Order.objects.filter(idempotency_key=idempotency_key).first()
            if existing is not None:
                return existing
            return _place(
                cart=cart,
                email=email,
                address=address,
                provider=provider,
                idempotency_key=idempotency_key,
                user=user,
                rec_group=rec_group,
                expected_total=expected_total,
                seen_adjustments=seen_adjustments or {},
            )
    except IntegrityError:
        # Two submits with the same key raced past the checks; the unique key let one win.
        existing = Order.objects.filter(idempotency_key=idempotency_key).first()
        if existing is None:
            raise
        return existing


def _place(*, cart, email, address, provider, idempotency_key, user, rec_group, expected_total, seen_adjustments) -> Order:
    lines = list(CartLine.objects.filter(cart=cart).prefetch_related(line_services_prefetch()))
    if not lines:
        raise CheckoutError("Your cart is empty.", code="empty")
    products = {
        product.pk: product
        for product in Product.objects.select_for_update().filter(pk__in=[line.product_id for line in lines]).order_by("id")
    }
    for line in lines:
        line.product = products[line.product_id]
    problems = [f"{line.product.name}: {problem}" for line in lines if (problem := line_problem(line))]
    problems += line_service_problems(lines)
    if problems:
        raise CheckoutError(["Some items in your cart can't be bought right now.", *problems], code="unavailable")

    placed_at = timezone.now()
    customer = user if user is not None and user.is_authenticated else None
    context = PricingContext(
        cart=cart, user_id=customer.pk if customer else None, email=email, placing=True, now=placed_at
    )
    totals = calculate_totals(lines=lines, context=context)
    if expected_total is not None and totals.total != expected_total:
        names = {line.product_id: line.product.name for line in lines}
        raise CheckoutError(
            [
                *deal_change_messages(seen=seen_adjustments, adjustments=totals.adjustments, names=names),
                # A discount that now gives nothing says why ("Voucher X: this code has been used up.").
                *(notice.label for notice in totals.notices if notice.code in seen_adjustments),
                f"Prices have changed since you reviewed your order: the total is now £{totals.total}. "
                "Please check your order and place it again.",
            ],
            code="price_changed",
        )

    order = Order.objects.create(
        number=order_number_generate(),
        user=customer,
        email=email,
        status=Order.Status.AWAITING_PAYMENT,
        placed_at=placed_at,
        # The stock taken below is held until then; unpaid, the order expires (shop.orders.holds).
        payment_due_at=placed_at + provider.payment_window(),
        payment_method=provider.code,
        shipping_name=address.name,
        shipping_line1=address.line1,
        shipping_line2=address.line2,
        shipping_city=address.city,
        shipping_postcode=address.postcode,
        shipping_country=address.country,
        phone=address.phone,
        subtotal=totals.subtotal,
        discount=totals.discount,
        shipping=totals.shipping,
        total=totals.total,
        rec_group=rec_group,
        idempotency_key=idempotency_key,
    )
    item_lines = OrderLine.objects.bulk_create(
        OrderLine(
            order=order,
            product=line.product,
            sku=line.product.sku,
            name=line.product.name,
            unit_price=line.product.price,
            quantity=line.quantity,
            line_total=line_total(line),
            rec_placement=line.rec_placement,
            rec_source=line.rec_source,
            rec_anchor_id=line.rec_anchor_id,
        )
        for line in lines
    )
    _snapshot_services(order=order, lines=lines, item_lines=item_lines)
    OrderAdjustment.objects.bulk_create(
        OrderAdjustment(order=order, label=adj.label, code=adj.code, amount=adj.amount) for adj in totals.adjustments
    )
    deals_record_sales(adjustments=totals.adjustments)
    vouchers_record_use(order=order, adjustments=totals.adjustments)
    points_record_redeemed(order=order, adjustments=totals.adjustments)
    stock_move(
        changes=[StockChange(line.product_id, -line.quantity, order.number) for line in lines],
        kind=StockMovement.Kind.SALE,
    )
    # The products are locked: arithmetic on the values read under the lock is safe.
    for line in lines:
        line.product.sales_count += 1
    Product.objects.bulk_update(list(products.values()), ["sales_count"])

    provider.prepare(order=order)
    cart_clear(cart=cart)
    if email and cart.email != email:
        Cart.objects.filter(pk=cart.pk).update(email=email)
    # In the outbox, in this transaction: sent after the commit, or by the sweeper if the
    # broker is down; never holds up the shopper's confirmation.
    order_email_queue(order=order, kind=OrderEmail.Kind.RECEIVED)
    return order


def _snapshot_services(*, order: Order, lines: list[CartLine], item_lines: list[OrderLine]) -> None:
    """Each service add-on as an order line under its item's (bulk_create has set their ids),
    with its name and price as charged by the totals; credited to the offer it was taken from."""
    OrderLine.objects.bulk_create(
        OrderLine(
            order=order,
            parent=item_line,
            service=line_service.service,
            sku=line_service.service.code,
            name=line_service.service.name,
            unit_price=line_service_unit_price(line, line_service),
            quantity=line.quantity,
            line_total=line_service_total(line, line_service),
            rec_placement=line_service.rec_placement,
            rec_source=SERVICE_SOURCE if line_service.rec_placement else "",
            rec_anchor_id=line.product_id if line_service.rec_placement else None,
        )
        for line, item_line in zip(lines, item_lines, strict=True)
        for line_service in line.services.all()
    )
