"""What each page shows, and in which order: the entry point of every placement.

One function per page (product page, cart, checkout, confirmation, e-mails through
`basket_recommendations`), all built the same way:

1. the cached candidates of the anchors (`candidates`), in their staff-then-statistics
   order, ranked across a whole basket by `rank_basket`;
2. fresh rows for those candidates and the guards (`products.fresh_products`, `guards`):
   `guards.take` walks the ranking and keeps the first items that pass the guards and the
   block rules (no two tiers of a ladder, best sellers of a category or substitutes);
3. display data for what is shown, read once (`products.display_products`);
4. the results, built from those objects: `Recommendation`s, with their reasons (`reasons`).

Each placement reads its products in one query plus the display reads, whatever the pool.
The personal placements (home page, My account, recently viewed, the e-mails about what a
customer owns) are built the same way in `personal` and `owned`, and exported from here.
"""

from collections.abc import Callable, Iterable, Mapping, Sequence
from decimal import Decimal

from django.conf import settings

from catalog.models import Product
from recommendations.bundles import BundleInfo, bundles_for_product
from recommendations.caching import pinned_generation
from recommendations.selectors.candidates import Candidate, ProductCandidates, candidates_for_many
from recommendations.selectors.guards import blocked_ids, first_upgrade, recommendable, take, upgrade_allowed
from recommendations.selectors.personal import (  # noqa: F401 (the personal placements, exported from here)
    AccountRecommendations,
    HomeRecommendations,
    account_recommendations,
    home_recommendations,
    recently_viewed,
    restock_items,
)
from recommendations.selectors.owned import UpgradeOffer, owned_upgrades  # noqa: F401 (exported from here)
from recommendations.selectors.products import FreshProduct, display_products, fresh_products
from recommendations.selectors.results import (  # noqa: F401 (the results, exported from here)
    ZERO,
    AlsoBought,
    BundleOffer,
    CartRecommendations,
    FrequentlyBoughtTogether,
    ProductPageRecommendations,
    Recommendation,
    recommendation_for,
)
from recommendations.selectors.tier_chart import tier_chart
from recommendations.vocabulary import COMPLEMENT_SOURCES, Source


# The order ----------------------------------------------------------------------------------

_TIER = {Source.CURATED: 0, Source.COPURCHASE: 1, Source.CATEGORY: 2, Source.BESTSELLER: 3}


def rank_basket(anchor_ids: Sequence[int], candidates: dict[int, ProductCandidates]) -> list[tuple[Candidate, int]]:
    """Whole-basket ranking: items that complement several anchors first, then curated before
    computed before fallbacks, then by their best rank in any anchor's list (and the earlier
    anchor on a tie). Returns (the best candidate for it, how many anchors it complements)."""
    best: dict[int, tuple[tuple, Candidate]] = {}
    complemented: dict[int, set[int]] = {}
    for anchor_order, anchor_id in enumerate(anchor_ids):
        entry = candidates.get(anchor_id)
        if entry is None:
            continue
        for position, candidate in enumerate(entry.complements):
            pid = candidate.product_id
            if candidate.source in COMPLEMENT_SOURCES:
                complemented.setdefault(pid, set()).add(anchor_id)
            key = (_TIER[candidate.source], position, anchor_order)
            if pid not in best or key < best[pid][0]:
                best[pid] = (key, candidate)
    ranked = sorted(best, key=lambda pid: (-len(complemented.get(pid, ())), best[pid][0], pid))
    return [(best[pid][1], max(len(complemented.get(pid, ())), 1)) for pid in ranked]


def _bundle_lines(bundles: list[BundleInfo], fresh: Mapping[int, FreshProduct]) -> BundleInfo | None:
    """The first bundle whose every item is available in its quantity."""
    for bundle in bundles:
        rows = [(fresh.get(pid), quantity) for pid, quantity in bundle.items]
        if len(rows) > 1 and all(row is not None and row.is_active and row.stock >= q for row, q in rows):
            return bundle
    return None


# The placements -----------------------------------------------------------------------------


def product_page_recommendations(
    *, product: Product, cart_product_ids: Iterable[int] = (), user=None, shown: set[int] | None = None
) -> ProductPageRecommendations:
    """The upgrade offer, "Frequently bought together", the tier chart and a bundle offer for
    one product page, deduplicated between them (`shown` is updated for later blocks)."""
    shown = shown if shown is not None else set()
    with pinned_generation():
        entry = candidates_for_many([product.pk]).get(product.pk)
        if entry is None:
            return ProductPageRecommendations()
        bundles = bundles_for_product(product.pk)
    in_cart = set(cart_product_ids)
    ladder = entry.ladder
    blocked = {product.pk} | in_cart | set(entry.excluded_ids) | entry.substitute_ids | shown
    extra = {product.pk} | {c.product_id for c in entry.upgrades}
    extra |= set(ladder.product_ids) if ladder else set()
    extra |= {pid for bundle in bundles for pid in bundle.product_ids}
    ranked = [c.product_id for c in entry.complements if c.product_id not in blocked and c.product_id not in entry.sibling_ids]
    fresh = fresh_products(set(ranked) | extra, user=user)
    current = fresh.get(product.pk) or product

    upgrade = first_upgrade(entry.upgrades, fresh, blocked=blocked, current_price=current.price)
    if upgrade is not None:
        shown.add(upgrade.product_id)
        blocked.add(upgrade.product_id)

    fbt: list[Candidate] = []
    if current.is_active and current.stock > 0:
        fbt = take(entry.complements, fresh, blocked=blocked | entry.sibling_ids, limit=settings.RECOMMENDATIONS_PRODUCT_PAGE_LIMIT)
        shown.update(candidate.product_id for candidate in fbt)

    bundle = _bundle_lines(bundles, fresh)
    products = display_products(
        fresh,
        {product.pk}
        | ({upgrade.product_id} if upgrade else set())
        | {candidate.product_id for candidate in fbt}
        | (set(ladder.product_ids) if ladder else set())
        | (set(bundle.product_ids) if bundle else set()),
    )
    anchor = products.get(product.pk) or product
    return ProductPageRecommendations(
        upgrade=(
            recommendation_for(upgrade, products[upgrade.product_id], price_delta=products[upgrade.product_id].price - anchor.price)
            if upgrade else None
        ),
        fbt=(
            FrequentlyBoughtTogether(anchor=anchor, items=[recommendation_for(c, products[c.product_id]) for c in fbt])
            if fbt else None
        ),
        tier_chart=tier_chart(ladder, products, current=anchor) if ladder else None,
        bundle=BundleOffer(bundle=bundle, lines=[(products[pid], quantity) for pid, quantity in bundle.items]) if bundle else None,
    )


def basket_recommendations(
    *,
    product_ids: Sequence[int],
    exclude_ids: Iterable[int] = (),
    user=None,
    limit: int,
    shown: set[int] | None = None,
    min_price: Decimal | None = None,
    max_price: Decimal | None = None,
    name_anchor: bool = True,
) -> list[Recommendation]:
    """Complements of a whole basket (a cart, an order), ranked with `rank_basket`, guarded."""
    shown = shown if shown is not None else set()
    product_ids = list(dict.fromkeys(product_ids))
    candidates = candidates_for_many(product_ids)
    ranked = rank_basket(product_ids, candidates)
    blocked = blocked_ids(product_ids, candidates) | set(exclude_ids) | shown
    fresh = fresh_products({c.product_id for c, _ in ranked if c.product_id not in blocked} | set(product_ids), user=user)

    def in_range(product: FreshProduct) -> bool:
        return (min_price is None or product.price >= min_price) and (max_price is None or product.price <= max_price)

    picks = _take_rows(ranked, fresh, blocked=blocked, limit=limit, accept=in_range)
    products = display_products(fresh, [candidate.product_id for candidate, _ in picks])
    named = name_anchor and len(product_ids) > 1
    items = [
        recommendation_for(
            candidate, products[candidate.product_id], count=count, anchor_name=_name(fresh, candidate.anchor_id) if named else None
        )
        for candidate, count in picks
    ]
    shown.update(item.product_id for item in items)
    return items


def _take_rows(
    rows: Iterable[tuple[Candidate, int]],
    fresh: Mapping[int, FreshProduct],
    *,
    blocked: set[int],
    limit: int,
    accept: Callable[[FreshProduct], bool] = lambda product: True,
) -> list[tuple[Candidate, int]]:
    """`guards.take` for a basket's ranking (rows of candidate and count), one block."""
    accepted = [(c, n) for c, n in rows if c.product_id in fresh and accept(fresh[c.product_id])]
    counts = {c.product_id: n for c, n in accepted}
    return [(c, counts[c.product_id]) for c in take((c for c, _ in accepted), fresh, blocked=blocked, limit=limit)]


def _name(fresh: Mapping[int, FreshProduct], product_id: int) -> str | None:
    row = fresh.get(product_id)
    return row.name if row is not None else None


def cart_recommendations(
    *, lines: Sequence, free_shipping_gap: Decimal = ZERO, user=None, shown: set[int] | None = None
) -> CartRecommendations:
    """All the cart page's blocks: an upgrade per line, "Complete your purchase" and the
    free-shipping gap fillers, from one candidate read and one product read."""
    shown = shown if shown is not None else set()
    if not lines:
        return CartRecommendations()
    anchor_ids = list(dict.fromkeys(line.product_id for line in lines))
    candidates = candidates_for_many(anchor_ids)
    ranked = rank_basket(anchor_ids, candidates)
    upgrade_ids = {c.product_id for pid in anchor_ids if pid in candidates for c in candidates[pid].upgrades}
    in_cart = set(anchor_ids)
    fresh = fresh_products(
        {c.product_id for c, _ in ranked if c.product_id not in in_cart and c.product_id not in shown} | upgrade_ids, user=user
    )

    upgrades: dict[int, tuple[Candidate, Product]] = {}  # line id → (its upgrade, the line's product)
    taken = in_cart | shown
    for line in lines:
        entry = candidates.get(line.product_id)
        if entry is None:
            continue
        upgrade = first_upgrade(entry.upgrades, fresh, blocked=taken | set(entry.excluded_ids), current_price=line.product.price)
        if upgrade is not None:
            upgrades[line.pk] = (upgrade, line.product)
            taken.add(upgrade.product_id)

    blocked = blocked_ids(anchor_ids, candidates) | taken
    limit, filler_limit = settings.RECOMMENDATIONS_CART_LIMIT, settings.RECOMMENDATIONS_SHIPPING_FILLERS
    complete = _take_rows(ranked, fresh, blocked=blocked, limit=limit)
    used = {candidate.product_id for candidate, _ in complete}
    fillers: list[tuple[Candidate, int]] = []
    if free_shipping_gap > 0:
        # Items whose price closes the gap; complements of the basket before fallbacks.
        closing = sorted(ranked, key=lambda row: row[0].source not in COMPLEMENT_SOURCES)
        fillers = _take_rows(
            closing, fresh, blocked=blocked | used, limit=filler_limit, accept=lambda product: product.price >= free_shipping_gap
        )

    offered = used | {candidate.product_id for candidate, _ in fillers} | {upgrade.product_id for upgrade, _ in upgrades.values()}
    products = display_products(fresh, offered)
    shown.update(offered)
    names = {line.product_id: line.product.name for line in lines}

    def recommendation(candidate: Candidate, count: int) -> Recommendation:
        anchor_name = names.get(candidate.anchor_id) if len(anchor_ids) > 1 else None
        return recommendation_for(candidate, products[candidate.product_id], anchor_name=anchor_name, count=count)

    return CartRecommendations(
        complete=[recommendation(*row) for row in complete],
        upgrades={
            line_id: recommendation_for(
                upgrade, products[upgrade.product_id], price_delta=products[upgrade.product_id].price - current.price
            )
            for line_id, (upgrade, current) in upgrades.items()
        },
        shipping_fillers=[recommendation(*row) for row in fillers],
    )


def upgrade_targets(*, product: Product) -> list[Recommendation]:
    """Every upgrade currently allowed for `product` (the swap endpoint re-checks with it)."""
    entry = candidates_for_many([product.pk]).get(product.pk)
    if entry is None:
        return []
    fresh = fresh_products({c.product_id for c in entry.upgrades})
    blocked = {product.pk} | set(entry.excluded_ids)
    allowed = [
        c for c in entry.upgrades
        if recommendable(fresh.get(c.product_id), blocked=blocked) and upgrade_allowed(fresh[c.product_id], current_price=product.price)
    ]
    products = display_products(fresh, [c.product_id for c in allowed])
    return [
        recommendation_for(c, products[c.product_id], price_delta=products[c.product_id].price - product.price) for c in allowed
    ]


def checkout_addons(*, product_ids: Sequence[int], user=None, shown: set[int] | None = None) -> list[Recommendation]:
    """Up to RECOMMENDATIONS_CHECKOUT_LIMIT cheap complements of the basket."""
    return basket_recommendations(
        product_ids=product_ids, user=user, shown=shown, limit=settings.RECOMMENDATIONS_CHECKOUT_LIMIT,
        max_price=settings.RECOMMENDATIONS_ADDON_MAX_PRICE,
    )


def also_bought(*, product_ids: Sequence[int], user=None, limit: int | None = None) -> AlsoBought | None:
    """"Customers who bought X also bought": X is the order's first product that has computed
    partners (else its first product); the order's own products are never offered."""
    product_ids = list(dict.fromkeys(pid for pid in product_ids if pid))
    if not product_ids:
        return None
    candidates = candidates_for_many(product_ids)
    anchor_id = next(
        (pid for pid in product_ids if pid in candidates and any(c.source == Source.COPURCHASE for c in candidates[pid].complements)),
        product_ids[0],
    )
    entry = candidates.get(anchor_id)
    if entry is None:
        return None
    blocked = blocked_ids(product_ids, candidates)
    fresh = fresh_products({c.product_id for c in entry.complements if c.product_id not in blocked} | {anchor_id}, user=user)
    picks = take(entry.complements, fresh, blocked=blocked, limit=limit or settings.RECOMMENDATIONS_CART_LIMIT)
    if not picks:
        return None
    products = display_products(fresh, {anchor_id} | {c.product_id for c in picks})
    # An anchor no longer on sale is still named: it is what the customer bought.
    anchor = products.get(anchor_id) or Product.objects.get(pk=anchor_id)
    return AlsoBought(anchor=anchor, items=[recommendation_for(c, products[c.product_id], anchor_name=anchor.name) for c in picks])
