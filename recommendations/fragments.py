"""What the recommendation blocks add to a cached fragment's key (settings.FRAGMENT_VARY):
the live snapshot and the curation version, the visitor's holdout group and, on a product
page, the cart items among those its blocks offer a visitor without a cart (a cart holding
none of them sees the same page as no cart); on the home page, the hour and likewise the cart.
Fragments without a block (a category's listing) vary by none of this. A signed-in
customer's blocks also depend on what they bought: theirs are rendered live.
"""

from django.utils import timezone

from catalog import selectors as catalog_selectors
from catalog.fragments import versioned_value, versioned_value_put
from recommendations.caching import cache_generation
from recommendations.personal.history import History, history_for_request
from recommendations.selectors import placements
from recommendations.selectors.request import recommendations_enabled, request_cart_product_ids, request_user


def fragment_vary(request, *, name: str, args: tuple) -> str | None:
    if name not in ("product", "home", "cart"):
        return ""  # no recommendation block in it
    if request_user(request) is not None:
        return None
    if not recommendations_enabled(request):
        # The cart's totals apply the bundles' discounts for everyone.
        return "holdout:%s:%s" % cache_generation() if name == "cart" else "holdout"
    if name == "home":
        # A visitor with a history has a home page of their own; a first visit sees the best
        # sellers of the hour (as their selector caches them), bar the cart's.
        if not history_for_request(request).is_empty:
            return None
        hour = f"{timezone.now():%Y%m%d%H}"
        in_cart = request_cart_product_ids(request)
        held = in_cart & _home_offers(request, hour) if in_cart else set()
        return hour + (":" + ",".join(map(str, sorted(held))) if held else "")
    snapshot_id, curation_version = cache_generation()
    part = f"{snapshot_id}:{curation_version}"
    if name == "product" and args:
        in_cart = request_cart_product_ids(request)
        held = in_cart & _offered_without_cart(request, args[0]) if in_cart else set()
        if held:
            part += ":" + ",".join(map(str, sorted(held)))
    return part


def _offered_without_cart(request, product) -> frozenset[int]:
    """What the product page's blocks offer a visitor without a cart (cached under the pages
    version and the generation). The blocks pick greedily down a fixed ranking, so a cart
    holding none of these sees exactly the same blocks: the cart leaves out only what it holds."""
    return versioned_value(
        request, name="product-offers", args=(product.pk, cache_generation()),
        compute=lambda: _offers(product),
    )


def product_offers_remember(request, *, product_id: int, offered: frozenset[int]) -> None:
    """A render for a visitor without a cart found what the blocks offer: kept for the
    visitors with one (`_offered_without_cart`), who then need no selection of their own."""
    versioned_value_put(request, name="product-offers", args=(product_id, cache_generation()), value=offered)


def _home_offers(request, hour: str) -> frozenset[int]:
    """The best sellers a first visit without a cart is offered this hour (the same greedy
    pick: a cart holding none of them changes nothing)."""
    return versioned_value(request, name="home-offers", args=(hour,), compute=_home_bestseller_ids)


def _home_bestseller_ids() -> frozenset[int]:
    _, featured = catalog_selectors.products_for_home()
    on_page = {product.pk for product in [*featured, *catalog_selectors.products_newest()]}
    recs = placements.home_recommendations(history=History(), page_product_ids=on_page, now=timezone.now())
    return frozenset(item.product_id for item in [*recs.bestsellers, *recs.for_you])


def _offers(product) -> frozenset[int]:
    recs = placements.product_page_recommendations(product=product, cart_product_ids=(), user=None, shown=set())
    ids = {recs.upgrade.product_id} if recs.upgrade else set()
    if recs.fbt:
        ids |= {item.product_id for item in recs.fbt.items}
    return frozenset(ids)


