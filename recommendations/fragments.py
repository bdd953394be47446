"""What the recommendation blocks add to a cached fragment's key (settings.FRAGMENT_VARY):
the live snapshot and the curation version, the visitor's holdout group and, on a product
page, the cart items its blocks could have offered (a cart holding none of them sees the
same page as no cart); on the home page, the cart and the hour. Fragments without a block
(a category's listing) vary by none of this. A signed-in customer's blocks also depend on what they bought:
theirs are rendered live.
"""

from django.utils import timezone

from recommendations.bundles import bundles_for_product
from recommendations.personal.history import history_for_request
from recommendations.caching import cache_generation
from recommendations.selectors.candidates import candidates_for_many
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
        return f"{timezone.now():%Y%m%d%H}:" + ",".join(map(str, sorted(request_cart_product_ids(request))))
    snapshot_id, curation_version = cache_generation()
    part = f"{snapshot_id}:{curation_version}"
    if name == "product" and args:
        in_cart = request_cart_product_ids(request)
        if in_cart:
            product_id = int(str(args[0]).rsplit(":", 1)[-1])
            part += ":" + ",".join(map(str, sorted(in_cart & _offered_ids(product_id))))
    return part


def _offered_ids(product_id: int) -> set[int]:
    """Every product the product page's blocks might offer beside `product_id` (the ones the
    cart filters out: complements and upgrades)."""
    entry = candidates_for_many([product_id]).get(product_id)
    ids = {product_id}
    if entry is not None:
        ids |= {c.product_id for c in entry.complements} | {c.product_id for c in entry.upgrades}
    for bundle in bundles_for_product(product_id):
        ids |= set(bundle.product_ids)
    return ids
