"""Writes to the cart. Every function either succeeds or raises CartError with nothing changed."""

import re
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import timedelta

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone

from catalog.models import Product
from shop.addons.selectors import offered_services
from shop.operations.housekeeping import delete_in_batches

from .models import Cart, CartLine, CartLineService

# The session remembers the cart's id as well as its key: Django gives the session a new
# key at login (cycle_key), and the login hook must still find the anonymous cart.
SESSION_CART_ID = "cart_id"

# Where a recommendation add came from. The recommendations app names its placements and
# sources (recommendations.vocabulary); the cart, which must not import it, accepts any
# short lowercase slug that fits the CartLine columns, and only from an origin the shop
# signed on the form that offered the recommendation (origin.py): a hand-made POST credits
# nothing.
REC_PLACEMENT_MAX_LENGTH = CartLine._meta.get_field("rec_placement").max_length
REC_SOURCE_MAX_LENGTH = CartLine._meta.get_field("rec_source").max_length
_REC_SLUG = re.compile(r"^[a-z0-9][a-z0-9_-]*$")


@dataclass(frozen=True)
class RecOrigin:
    """Where a recommendation add came from."""

    placement: str
    source: str
    anchor_id: int | None = None


class CartError(ValidationError):
    """A cart change that was refused; the message is written for the shopper."""


def rec_origin_from_values(*, placement: str, source: str, anchor: str | int | None) -> RecOrigin | None:
    """A RecOrigin from untrusted form values, or None when they don't describe one.

    Invalid values are dropped rather than refused: attribution is a nice-to-have and
    must never stop a shopper from adding something to the cart.
    """
    placement, source = (placement or "").strip(), (source or "").strip()
    if not placement or not source:
        return None
    if len(placement) > REC_PLACEMENT_MAX_LENGTH or len(source) > REC_SOURCE_MAX_LENGTH:
        return None
    if not (_REC_SLUG.match(placement) and _REC_SLUG.match(source)):
        return None
    anchor_id = None
    if anchor not in (None, ""):
        try:
            anchor_id = int(anchor)
        except (TypeError, ValueError):
            anchor_id = None
        # An anchor that isn't a product would break the foreign key at commit time.
        if anchor_id is not None and (anchor_id <= 0 or not Product.objects.filter(pk=anchor_id).exists()):
            anchor_id = None
    return RecOrigin(placement=placement, source=source, anchor_id=anchor_id)


# Looking the cart up -------------------------------------------------------------------


def cart_get_for_request(request) -> Cart | None:
    """The visitor's cart, or None. Never writes: a visitor without a cart gets no session."""
    user = getattr(request, "user", None)
    if user is not None and user.is_authenticated:
        return Cart.objects.filter(user=user).first()
    session_key = request.session.session_key
    if not session_key:
        return None
    return Cart.objects.filter(session_key=session_key, user__isnull=True).first()


def cart_get_or_create_for_request(request) -> Cart:
    user = getattr(request, "user", None)
    if user is not None and user.is_authenticated:
        try:
            cart, _ = Cart.objects.get_or_create(user=user, defaults={"email": user.email})
        except IntegrityError:
            cart = Cart.objects.get(user=user)  # a parallel request created it
        return cart
    # Reading a value loads the session first: a stale cookie's key (an expired session)
    # is dropped by the load, so the cart is never keyed to a session that won't be saved.
    remembered_cart_id = request.session.get(SESSION_CART_ID)
    if not request.session.session_key:
        request.session.save()
    session_key = request.session.session_key
    try:
        cart, _ = Cart.objects.get_or_create(session_key=session_key, user__isnull=True)
    except IntegrityError:
        # Two first adds raced for the same new session: the other one created it.
        cart = Cart.objects.get(session_key=session_key)
    if remembered_cart_id != cart.pk:
        request.session[SESSION_CART_ID] = cart.pk
    return cart


def cart_get_for_change(request) -> Cart:
    """The visitor's cart, for a change to one of its lines (CartError when there is none)."""
    cart = cart_get_for_request(request)
    if cart is None:
        raise CartError("That item is not in your cart.", code="line")
    return cart


def cart_for_adding(*, request, product: Product) -> Cart:
    """The visitor's cart (created if need be) for adding `product`; a product that can't be
    bought is refused (CartError) before a cart, and a session, is created for the visitor."""
    if not product.is_available:
        raise CartError(f"Sorry, “{product.name}” can't be added: it's not available right now.", code="unavailable")
    return cart_get_or_create_for_request(request)


def cart_add_for_visitor(*, request, product: Product, quantity: int = 1, origin: RecOrigin | None = None) -> CartLine:
    """Add `product` to the visitor's cart (created if need be): every single-product "Add
    to cart" (the product page's, a recommendation's, the API's). Raises CartError."""
    return cart_add_product(cart=cart_for_adding(request=request, product=product), product=product, quantity=quantity, origin=origin)


# Changing lines --------------------------------------------------------------------------


def _check_can_buy(*, product: Product, quantity: int) -> None:
    if not product.is_active:
        raise CartError(f"Sorry, “{product.name}” is no longer available.", code="inactive")
    if product.stock <= 0:
        raise CartError(f"Sorry, “{product.name}” is out of stock.", code="out_of_stock")
    if quantity < 1:
        raise CartError("Please choose a quantity of at least 1.", code="quantity")
    limit = product.max_quantity
    if quantity > limit:
        if limit < settings.MAX_LINE_QUANTITY:
            message = f"Sorry, only {limit} of “{product.name}” in stock."
        else:
            message = f"You can buy at most {limit} of “{product.name}” at a time."
        raise CartError(message, code="quantity")


def _too_many_lines_message() -> str:
    return (
        f"Your cart can hold up to {settings.MAX_CART_LINES} different items. "
        "Remove something to make room, or check out what you have first."
    )


def _check_room_for_a_line(cart: Cart) -> None:
    """Refuse a new line when the cart has MAX_CART_LINES already. The cart row is locked
    first, so two adds at once can't both take the last place."""
    Cart.objects.select_for_update().filter(pk=cart.pk).values_list("pk", flat=True).first()
    if CartLine.objects.filter(cart=cart).count() >= settings.MAX_CART_LINES:
        raise CartError(_too_many_lines_message(), code="too_many_lines")


REC_FIELDS = ["rec_placement", "rec_source", "rec_anchor", "rec_added_at"]


def _set_origin(line: CartLine, origin: RecOrigin | None) -> list[str]:
    """Record the origin on the line; returns the fields changed, for save(update_fields=…).

    Saves name their fields: measurement listens to CartLine saves and records a
    recommendation add only when rec_added_at is written.
    """
    if origin is None:
        return []
    line.rec_placement = origin.placement
    line.rec_source = origin.source
    line.rec_anchor_id = origin.anchor_id
    line.rec_added_at = timezone.now()
    return REC_FIELDS


@transaction.atomic
def cart_add_product(*, cart: Cart, product: Product, quantity: int = 1, origin: RecOrigin | None = None) -> CartLine:
    """Add a product, summing with the line already in the cart (1..min(stock, 99) in all)."""
    if quantity < 1:
        raise CartError("Please choose a quantity of at least 1.", code="quantity")
    line = CartLine.objects.select_for_update().filter(cart=cart, product=product).first()
    current = line.quantity if line else 0
    if current and product.is_available and current + quantity > product.max_quantity:
        room = max(product.max_quantity - current, 0)
        raise CartError(
            f"You already have {current} of “{product.name}” in your cart"
            + (f"; {room} more can be added." if room else ", as many as we can sell you."),
            code="quantity",
        )
    _check_can_buy(product=product, quantity=current + quantity)
    if line is None:
        _check_room_for_a_line(cart)
        line = CartLine(cart=cart, product=product, quantity=quantity)
        # A line added by hand keeps no recommendation origin; one added from a
        # recommendation keeps the first recommendation that brought it in.
        _set_origin(line, origin)
        try:
            with transaction.atomic():
                line.save()
        except IntegrityError:
            # Another request added the same product to this cart a moment ago.
            raise CartError("Your cart changed at the same moment. Please try again.", code="conflict") from None
    else:
        line.quantity = current + quantity
        changed = [] if line.rec_placement else _set_origin(line, origin)
        line.save(update_fields=["quantity", *changed])
    Cart.objects.filter(pk=cart.pk).update(updated_at=timezone.now())
    return line


def cart_add_products(*, cart: Cart, products: Iterable[Product], origin: RecOrigin | None = None) -> list[CartLine]:
    """Add one of each product, all or nothing ("Add all to cart")."""
    with transaction.atomic():
        return [cart_add_product(cart=cart, product=product, quantity=1, origin=origin) for product in products]


def _line_of(cart: Cart, line_id, *, lock: bool = False) -> CartLine:
    try:
        line_id = int(line_id)
    except (TypeError, ValueError):
        raise CartError("That item is not in your cart.", code="line") from None
    queryset = CartLine.objects.select_related("product")
    if lock:
        queryset = queryset.select_for_update()
    line = queryset.filter(cart=cart, pk=line_id).first()
    if line is None:
        raise CartError("That item is not in your cart.", code="line")
    return line


@transaction.atomic
def cart_set_quantity(*, cart: Cart, line_id: int, quantity: int) -> CartLine:
    line = _line_of(cart, line_id, lock=True)
    if quantity < 1:
        raise CartError("Please choose a quantity of at least 1, or remove the item.", code="quantity")
    # Lowering the quantity of a flagged line is allowed (it moves towards what's in stock);
    # raising it is checked against stock like an add.
    if quantity > line.quantity or line.product.is_available:
        _check_can_buy(product=line.product, quantity=quantity)
    line.quantity = quantity
    line.save(update_fields=["quantity"])
    Cart.objects.filter(pk=cart.pk).update(updated_at=timezone.now())
    return line


@transaction.atomic
def cart_remove_line(*, cart: Cart, line_id: int) -> CartLine:
    line = _line_of(cart, line_id, lock=True)
    line.delete()
    Cart.objects.filter(pk=cart.pk).update(updated_at=timezone.now())
    return line


@transaction.atomic
def cart_swap_line(*, cart: Cart, line_id: int, product: Product, origin: RecOrigin | None = None) -> CartLine:
    """Replace a line's product (an upgrade), keeping its quantity as far as stock allows.

    When the cart already holds the new product, the two lines are merged.
    """
    line = _line_of(cart, line_id, lock=True)
    if line.product_id == product.pk:
        return line
    _check_can_buy(product=product, quantity=1)
    existing = CartLine.objects.select_for_update().filter(cart=cart, product=product).first()
    wanted = line.quantity + (existing.quantity if existing else 0)
    quantity = min(wanted, product.max_quantity)
    _services_follow(line=line, to_line=existing or line, product=product)
    if existing is not None:
        line.delete()
        existing.quantity = quantity
        changed = [] if existing.rec_placement else _set_origin(existing, origin)
        existing.save(update_fields=["quantity", *changed])
        result = existing
    else:
        line.product = product
        line.quantity = quantity
        changed = _set_origin(line, origin)
        line.save(update_fields=["product", "quantity", *changed])
        result = line
    Cart.objects.filter(pk=cart.pk).update(updated_at=timezone.now())
    return result


def _services_follow(*, line: CartLine, to_line: CartLine, product: Product) -> None:
    """A swapped line's service add-ons follow it to `product` (on `to_line`, the line that
    holds it afterwards) where they are offered with it and not there already; the others go
    (an upgrade to a product without the warranty drops the warranty)."""
    offered = {service.pk for service in offered_services(products=[product]).get(product.pk, [])}
    mine = CartLineService.objects.filter(line=line)
    if to_line.pk != line.pk:
        present = CartLineService.objects.filter(line=to_line).values_list("service_id", flat=True)
        # A move, not a new add: update() sends no post_save, so the measurement records nothing.
        mine.filter(service_id__in=offered).exclude(service_id__in=present).update(line=to_line)
    else:
        mine.exclude(service_id__in=offered).delete()


@dataclass(frozen=True)
class CartMerge:
    """The merged cart, and the names of the source's products that didn't fit in it."""

    cart: Cart
    left_out: tuple[str, ...] = ()


def cart_merge(*, source: Cart, target: Cart) -> Cart:
    """cart_merge_lines, for callers that only need the cart."""
    return cart_merge_lines(source=source, target=target).cart


@transaction.atomic
def cart_merge_lines(*, source: Cart, target: Cart) -> CartMerge:
    """Move the source cart's lines into the target (on login), then delete the source.

    Quantities of a product in both are summed and capped by stock (and MAX_LINE_QUANTITY);
    a line the shop can't supply any more is kept as it is so the cart page can flag it.
    The target keeps all its own lines; the source's new products join it, oldest first,
    while it has fewer than MAX_CART_LINES, and the rest are left out and reported.
    """
    if source.pk == target.pk:
        return CartMerge(cart=target)
    target_lines = {line.product_id: line for line in CartLine.objects.select_for_update().filter(cart=target)}
    room = settings.MAX_CART_LINES - len(target_lines)
    left_out = []
    for line in CartLine.objects.select_for_update().select_related("product").filter(cart=source):
        existing = target_lines.get(line.product_id)
        if existing is None:
            if room <= 0:
                left_out.append(line.product.name)
                continue
            room -= 1
            line.cart = target
            line.save(update_fields=["cart"])
            continue
        # The customer's line takes the guest line's service add-ons it hasn't got (same product,
        # so the same offers); the rest go with the source cart.
        CartLineService.objects.filter(line=line).exclude(
            service_id__in=CartLineService.objects.filter(line=existing).values("service_id")
        ).update(line=existing)
        wanted = existing.quantity + line.quantity
        cap = line.product.max_quantity
        existing.quantity = min(wanted, cap) if cap >= 1 else max(existing.quantity, line.quantity)
        changed = ["quantity"]
        if not existing.rec_placement and line.rec_placement:
            # The origin moves with its original time: it is the same add, already recorded.
            existing.rec_placement, existing.rec_source = line.rec_placement, line.rec_source
            existing.rec_anchor_id, existing.rec_added_at = line.rec_anchor_id, line.rec_added_at
            changed += REC_FIELDS
        # A queryset update sends no post_save: moving an add that measurement has already
        # recorded must not count as a new one.
        columns = [CartLine._meta.get_field(name).attname for name in changed]
        CartLine.objects.filter(pk=existing.pk).update(**{column: getattr(existing, column) for column in columns})
    if source.email and not target.email:
        target.email = source.email
    target.save()
    source.delete()
    return CartMerge(cart=target, left_out=tuple(left_out))


def cart_merge_left_out_message(merge: CartMerge) -> str:
    names = ", ".join(f"“{name}”" for name in merge.left_out)
    return (
        f"Your cart can hold up to {settings.MAX_CART_LINES} different items, so "
        f"{len(merge.left_out)} from before you signed in {'was' if len(merge.left_out) == 1 else 'were'} "
        f"not added: {names}."
    )


def cart_attach_on_login(*, request, user) -> CartMerge | None:
    """Give the customer the cart they filled in before signing in.

    Called from the user_logged_in signal, after Django has already changed the session
    key, so the anonymous cart is found by the id the session remembers.
    """
    cart_id = request.session.get(SESSION_CART_ID)
    anonymous = Cart.objects.filter(pk=cart_id, user__isnull=True).first() if cart_id else None
    if anonymous is None:
        return None
    with transaction.atomic():
        target = Cart.objects.select_for_update().filter(user=user).first()
        if target is None:
            anonymous.user = user
            anonymous.session_key = None
            anonymous.email = anonymous.email or user.email
            anonymous.save()
            merge = CartMerge(cart=anonymous)
        else:
            merge = cart_merge_lines(source=anonymous, target=target)
    request.session.pop(SESSION_CART_ID, None)
    return merge


def cart_remember_email(*, cart: Cart, email: str) -> None:
    """Keep the address typed at checkout on the cart (for an abandoned-cart reminder)."""
    if cart.email != email:
        cart.email = email
        cart.save(update_fields=["email", "updated_at"])


def cart_clear(*, cart: Cart) -> None:
    """Empty the cart after its order: the lines, and the voucher code and points it was placed with."""
    CartLine.objects.filter(cart=cart).delete()
    Cart.objects.filter(pk=cart.pk).exclude(voucher_code="", points_to_redeem=0).update(voucher_code="", points_to_redeem=0)


def carts_delete_idle(*, now=None, days: int | None = None) -> int:
    """Delete guests' carts untouched for `days` (settings.CART_IDLE_DAYS): the visitor has
    long gone, and their session with it. Customers' carts are kept: they follow the
    customer to every device. Returns how many carts went (their lines with them)."""
    now = now or timezone.now()
    days = settings.CART_IDLE_DAYS if days is None else days
    idle = Cart.objects.filter(user__isnull=True, updated_at__lt=now - timedelta(days=days))
    return delete_in_batches(idle)
