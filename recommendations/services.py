"""Writes: cache invalidation on curation edits, suggestion-queue actions, and the
recommendation adds (which go through the cart's own services)."""

from collections.abc import Sequence

from django.db import transaction
from django.db.models import F, Max

from catalog.models import Product
from recommendations.caching import invalidate_cache_generation
from recommendations.models import Complement, CurationVersion, Exclusion
from recommendations.vocabulary import Placement, Source
from shop.cart.services import RecOrigin, cart_add_product


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
