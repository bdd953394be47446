"""Service add-ons on cart lines: taking one with an item, giving it back.

A taken service is a `CartLineService` row on the item's line, never a line of its own, so the
cart's line rules (one line per product, the caps, stock) stay as they are: the service is
bought as many times as its item, goes when its line goes, and a line has each service at
most once. Like the other cart writes, each function succeeds or raises CartError with
nothing changed. What may be taken is decided by `shop.addons.selectors.offered_services`,
the same rule the pages offer by and order placement checks.
"""

from collections.abc import Sequence

from django.db import IntegrityError, transaction
from django.utils import timezone

from catalog.models import Product
from shop.addons.models import OfferedAt, Service
from shop.addons.selectors import offered_services

from .models import Cart, CartLine, CartLineService
from .services import CartError, RecOrigin, _line_of, cart_add_product


def _placement(value: str) -> str:
    """Where the offer was taken, for the measurement; anything else is dropped, never refused."""
    return value if value in OfferedAt.values else ""


def _check_offered(*, product: Product, services: Sequence[Service]) -> None:
    offered = {service.pk for service in offered_services(products=[product]).get(product.pk, [])}
    for service in services:
        if not service.is_active:
            raise CartError(f"Sorry, “{service.name}” is no longer offered.", code="service_inactive")
        if service.pk not in offered:
            raise CartError(f"Sorry, “{service.name}” isn't offered with “{product.name}”.", code="service_not_offered")


def _lock_cart(cart: Cart) -> None:
    """Order placement locks the cart row first too: a service taken while the order is being
    placed is either in the order or refused (its line is gone), never dropped unnoticed."""
    Cart.objects.select_for_update().filter(pk=cart.pk).values_list("pk", flat=True).first()


def _take(*, line: CartLine, service: Service, placement: str) -> CartLineService:
    taken = CartLineService(line=line, service=service, rec_placement=_placement(placement))
    try:
        with transaction.atomic():
            taken.save()
    except IntegrityError:
        # The same service was added to this line by another request a moment ago.
        raise CartError("Your cart changed at the same moment. Please try again.", code="conflict") from None
    return taken


@transaction.atomic
def cart_line_service_add(*, cart: Cart, line_id: int, service: Service, placement: str = "") -> CartLineService:
    """Take `service` with the item of one of the cart's lines."""
    _lock_cart(cart)
    line = _line_of(cart, line_id, lock=True)
    product = line.product
    if not product.is_available:
        raise CartError(
            f"Sorry, “{product.name}” can't be bought right now, so “{service.name}” can't be added to it.",
            code="unavailable",
        )
    _check_offered(product=product, services=[service])
    if CartLineService.objects.filter(line=line, service=service).exists():
        raise CartError(f"“{product.name}” already has “{service.name}”.", code="service_taken")
    taken = _take(line=line, service=service, placement=placement)
    Cart.objects.filter(pk=cart.pk).update(updated_at=timezone.now())
    return taken


@transaction.atomic
def cart_line_service_remove(*, cart: Cart, line_id: int, service: Service) -> CartLineService:
    """Give back a service taken with one of the cart's lines (the item stays)."""
    line = _line_of(cart, line_id, lock=True)
    taken = CartLineService.objects.select_related("line__product", "service").filter(line=line, service=service).first()
    if taken is None:
        raise CartError(f"“{line.product.name}” doesn't have “{service.name}”.", code="service_missing")
    taken.delete()
    Cart.objects.filter(pk=cart.pk).update(updated_at=timezone.now())
    return taken


@transaction.atomic
def cart_add_product_with_services(
    *,
    cart: Cart,
    product: Product,
    quantity: int = 1,
    services: Sequence[Service] = (),
    origin: RecOrigin | None = None,
    placement: str = OfferedAt.PRODUCT,
) -> CartLine:
    """`cart_add_product`, then the services ticked beside it (the product page's "Add 2-year
    protection"): all or nothing. A service the line has already is kept as it is: it
    follows the line's new quantity by itself."""
    _lock_cart(cart)
    line = cart_add_product(cart=cart, product=product, quantity=quantity, origin=origin)
    if services:
        _check_offered(product=product, services=services)
        taken = set(CartLineService.objects.filter(line=line).values_list("service_id", flat=True))
        for service in services:
            if service.pk not in taken:
                # One save each, not a bulk insert: the measurement records an add per saved row.
                _take(line=line, service=service, placement=placement)
                taken.add(service.pk)
    return line
