"""Where an API add came from: the signed token of the recommendation it was added from.

The pages' add forms carry a signed origin (`shop.cart.origin`). An API client sends back
the `token` its recommendation came with, as `rec_token`: the click token
(`recommendations.measurement.clicks`), which names the placement, the source, the anchor
and the product, signed by the shop. An add is credited only to a token that is the shop's,
fits what is added (its product, its anchor) and is younger than the pages' attribution
window (`shop.cart.origin.MAX_AGE`). Anything else (no token, a forged or tampered one,
another product's, a stale one) leaves the add as it is, credited to nothing: attribution
never stops an add, as on the pages.

A bundle offer has no item to click: it carries the page's own signed bundle origin, which
POST /cart/bundles hands to the page's form (`recommendations.forms.BundleAddForm`).
"""

from collections.abc import Sequence

from catalog.models import Product
from recommendations.measurement.clicks import ClickTarget, click_target_load
from recommendations.vocabulary import Placement, Source
from shop.cart.origin import MAX_AGE
from shop.cart.services import RecOrigin, rec_origin_from_values


def _target(rec_token: str | None) -> ClickTarget | None:
    if not rec_token:
        return None
    target = click_target_load(rec_token, max_age=MAX_AGE)
    if target is None or target.placement not in Placement.values or target.source not in Source.values:
        return None
    return target


def origin_for_item(rec_token: str | None, *, product: Product) -> RecOrigin | None:
    """One product's add (POST /cart/items): the token must be that product's."""
    target = _target(rec_token)
    if target is None or target.product_id != product.pk:
        return None
    return rec_origin_from_values(placement=target.placement, source=target.source, anchor=target.anchor_id)


def placement_for_fbt(rec_token: str | None, *, anchor: Product, partners: Sequence[tuple[Product, str]]) -> str | None:
    """"Add all / selected" (POST /cart/fbt): the token of one of the items added, offered
    with this anchor, credits the block's placement to every item added with it (each with
    its own source, as offered), as the page's one signed origin for the block does."""
    target = _target(rec_token)
    if target is None or target.anchor_id != anchor.pk or target.product_id not in {p.pk for p, _ in partners}:
        return None
    return target.placement


def upgrade_claim(rec_token: str | None, *, product: Product) -> tuple[str, int] | None:
    """A line's upgrade (POST /cart/upgrades): (placement, the product it was offered for)
    from the upgrade's own token; the swap credits it only if that is the line's product."""
    target = _target(rec_token)
    if target is None or target.product_id != product.pk or target.anchor_id is None:
        return None
    return target.placement, target.anchor_id
