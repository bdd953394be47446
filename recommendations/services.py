"""Writes: cache invalidation on curation edits, suggestion-queue actions, and the
recommendation adds (which go through the cart's own services)."""

from collections.abc import Sequence
from dataclasses import dataclass

from django.db import transaction
from django.db.models import F, Max

from catalog.models import Product
from recommendations.bundles import BundleInfo, active_bundles
from recommendations.caching import invalidate_cache_generation
from recommendations.models import Complement, CurationVersion, Exclusion
from recommendations.selectors.placements import upgrade_targets
from recommendations.vocabulary import Placement, Source
from shop.cart.models import Cart, CartLine
from shop.cart.services import CartError, RecOrigin, cart_add_product, cart_swap_line


def curation_version_bump() -> None:
    """Invalidate every cached recommendation block: the version is part of every key."""
    if not CurationVersion.objects.filter(pk=1).update(version=F("version") + 1):
        CurationVersion.objects.get_or_create(pk=1, defaults={"version": 1})
    invalidate_cache_generation()
    # A reader between now and the commit may cache the old state under the new key's
    # neighbour; dropping the state once more after the commit closes that window.
    transaction.on_commit(invalidate_cache_generation)


@transaction.atomic
def complement_pin(*, product: Product, complement: Product, pitch: str = "") -> Complement:
    """Pin a computed pair as a curated complement, after the product's existing links."""
    if product.pk == complement.pk:
        raise ValueError("A product cannot complement itself.")
    last = Complement.objects.filter(product=product).aggregate(last=Max("position"))["last"]
    link, _ = Complement.objects.get_or_create(
        product=product, complement=complement, defaults={"position": (last or 0) + 1, "pitch": pitch}
    )
    curation_version_bump()
    return link


@transaction.atomic
def exclusion_create(*, product_a: Product, product_b: Product, note: str = "") -> Exclusion:
    if product_a.pk == product_b.pk:
        raise ValueError("A product cannot be excluded from itself.")
    a, b = sorted((product_a.pk, product_b.pk))
    exclusion, _ = Exclusion.objects.get_or_create(product_a_id=a, product_b_id=b, defaults={"note": note})
    curation_version_bump()
    return exclusion


@transaction.atomic
def fbt_add_to_cart(
    *, cart, anchor: Product, partners: Sequence[tuple[Product, Source]], placement: Placement | None, include_anchor: bool
):
    """"Add all / selected to cart" from the FBT block: all or nothing.

    The anchor is the product the shopper is looking at, so its line carries no
    recommendation origin; each partner's line records the placement and its own source.
    `placement` None (the form's origin was not signed): the lines record no origin.
    """
    lines = []
    if include_anchor:
        lines.append(cart_add_product(cart=cart, product=anchor))
    for product, source in partners:
        origin = RecOrigin(placement=placement, source=source, anchor_id=anchor.pk) if placement else None
        lines.append(cart_add_product(cart=cart, product=product, origin=origin))
    return lines


@transaction.atomic
def bundle_add_to_cart(*, cart, bundle_items: Sequence[tuple[Product, int]], origin: RecOrigin | None):
    """A whole bundle, all or nothing; every line but the anchor's records `origin` (the
    bundle placement and source, from the form's signed origin; None: no origin)."""
    anchor_id = origin.anchor_id if origin else None
    return [
        cart_add_product(cart=cart, product=product, quantity=quantity, origin=None if product.pk == anchor_id else origin)
        for product, quantity in bundle_items
    ]


@dataclass(frozen=True)
class LineUpgrade:
    """A cart line swapped to its upgrade: the product it had, the upgrade, and the line now."""

    previous: Product
    upgrade: Product
    line: CartLine


def cart_line_upgrade(
    *, cart: Cart | None, line_id: int, product: Product, placement: Placement | None, offered_for: int | None = None
) -> LineUpgrade:
    """Swap a cart line to `product`, which must be an upgrade offered for it right now
    (`upgrade_targets`: the same guards as the offer), keeping the quantity as far as stock
    allows. The line records the upgrade as its recommendation origin under `placement`;
    None records none (an API swap without a valid token), and so does an `offered_for`
    (the product a signed token names the offer for) other than the line's. Raises CartError."""
    line = CartLine.objects.select_related("product").filter(cart=cart, pk=line_id).first() if cart else None
    if line is None:
        raise CartError("That item is not in your cart.", code="line")
    offer = next((r for r in upgrade_targets(product=line.product) if r.product_id == product.pk), None)
    if offer is None:
        raise CartError(f"“{product.name}” isn't an upgrade we offer for “{line.product.name}”.", code="not_offered")
    credited = placement is not None and offered_for in (None, line.product_id)
    origin = RecOrigin(placement=placement, source=offer.source, anchor_id=line.product_id) if credited else None
    swapped = cart_swap_line(cart=cart, line_id=line.pk, product=offer.product, origin=origin)
    return LineUpgrade(previous=line.product, upgrade=offer.product, line=swapped)


def bundle_for_cart(*, bundle_id: int) -> tuple[BundleInfo, list[tuple[Product, int]]]:
    """An active bundle and its (product, quantity) items, all in stock now; CartError
    otherwise. Read before the visitor's cart is created."""
    bundle = next((b for b in active_bundles() if b.bundle_id == bundle_id), None)
    if bundle is None:
        raise CartError("That bundle isn't available.", code="bundle")
    products = Product.objects.in_bulk([pid for pid, _ in bundle.items])
    items = [(products.get(pid), quantity) for pid, quantity in bundle.items]
    if any(p is None or not p.is_active or p.stock < q for p, q in items):
        raise CartError("Sorry, that bundle isn't available right now: an item in it is out of stock.", code="out_of_stock")
    return bundle, items
