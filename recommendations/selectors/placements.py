"""What each placement shows: one function per page, all built on the same candidates,
guards and ranking, and each reading its products in one query plus prefetches."""

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from decimal import Decimal

from django.conf import settings

from catalog.models import Attribute, Product
from recommendations.bundles import BundleInfo, bundles_for_product
from recommendations.selectors.candidates import LadderInfo, Source, candidates_for_many, pinned_generation
from recommendations.selectors.ranking import (
    ProductReader,
    Recommendation,
    blocked_ids,
    fetch_products,
    rank_basket,
    reason_for,
    recommendable,
    upgrade_allowed,
)

ZERO = Decimal("0.00")
TRUE_WORDS = {"yes", "y", "true", "1", "✓"}


class Placement:
    """Where a recommendation was shown; recorded on the cart line (CartLine.rec_placement)."""

    PRODUCT_FBT = "product_fbt"
    PRODUCT_TIERS = "product_tiers"
    PRODUCT_UPGRADE = "product_upgrade"
    PRODUCT_BUNDLE = "product_bundle"
    CART_COMPLETE = "cart_complete"
    CART_UPGRADE = "cart_upgrade"
    CART_SHIPPING = "cart_shipping"
    CHECKOUT_ADDONS = "checkout_addons"
    CONFIRMATION = "confirmation"
    EMAIL = "email"

    ALL = (
        PRODUCT_FBT, PRODUCT_TIERS, PRODUCT_UPGRADE, PRODUCT_BUNDLE, CART_COMPLETE,
        CART_UPGRADE, CART_SHIPPING, CHECKOUT_ADDONS, CONFIRMATION, EMAIL,
    )


@dataclass(frozen=True)
class FrequentlyBoughtTogether:
    anchor: Product
    items: list[Recommendation]

    @property
    def products(self) -> list[Product]:
        return [self.anchor, *(item.product for item in self.items)]

    @property
    def total(self) -> Decimal:
        return sum((product.price for product in self.products), ZERO)


@dataclass(frozen=True)
class TierColumn:
    product: Product
    label: str
    is_current: bool
    is_recommended: bool
    price_delta: Decimal

    @property
    def available(self) -> bool:
        return self.product.is_active and self.product.stock > 0


@dataclass(frozen=True)
class TierCell:
    text: str
    flag: bool | None = None  # for yes/no attributes: ✓ / ✗


@dataclass(frozen=True)
class TierRow:
    name: str
    cells: list[TierCell]
    differs: bool


@dataclass(frozen=True)
class TierChart:
    name: str
    columns: list[TierColumn]
    rows: list[TierRow]


@dataclass(frozen=True)
class BundleOffer:
    bundle: BundleInfo
    lines: list[tuple[Product, int]]

    @property
    def price(self) -> Decimal:
        return sum((product.price * quantity for product, quantity in self.lines), ZERO)

    @property
    def saving(self) -> Decimal:
        return self.bundle.discount_on(self.price)

    @property
    def final_price(self) -> Decimal:
        return self.price - self.saving


@dataclass(frozen=True)
class ProductPageRecommendations:
    upgrade: Recommendation | None = None
    fbt: FrequentlyBoughtTogether | None = None
    tier_chart: TierChart | None = None
    bundle: BundleOffer | None = None


@dataclass(frozen=True)
class CartRecommendations:
    complete: list[Recommendation] = field(default_factory=list)
    upgrades: dict[int, Recommendation] = field(default_factory=dict)  # cart line id → upgrade
    shipping_fillers: list[Recommendation] = field(default_factory=list)


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
    blocked = {product.pk} | in_cart | set(entry.excluded_ids) | shown
    extra = {product.pk} | {c.product_id for c in entry.upgrades}
    extra |= set(ladder.product_ids) if ladder else set()
    extra |= {pid for bundle in bundles for pid in bundle.product_ids}
    ranked = [c.product_id for c in entry.complements if c.product_id not in blocked and c.product_id not in entry.sibling_ids]
    products = ProductReader(set(ranked) | extra, user=user)
    anchor = products.get(product.pk) or product

    upgrade = None
    for candidate in entry.upgrades:
        offered = products.get(candidate.product_id)
        if recommendable(offered, blocked=blocked) and upgrade_allowed(offered, current_price=anchor.price):
            upgrade = Recommendation(
                product=offered, source=candidate.source, anchor_id=product.pk,
                reason=reason_for(candidate), pitch=candidate.pitch, price_delta=offered.price - anchor.price,
            )
            shown.add(offered.pk)
            blocked.add(offered.pk)
            break

    fbt = None
    if anchor.is_active and anchor.stock > 0:
        items = _take(entry.complements, products, blocked=blocked | entry.sibling_ids, limit=settings.RECOMMENDATIONS_PRODUCT_PAGE_LIMIT)
        if items:
            fbt = FrequentlyBoughtTogether(anchor=anchor, items=items)
            shown.update(item.product_id for item in items)

    bundle = _bundle_offer(bundles, products)
    products.display(
        {product.pk}
        | ({upgrade.product_id} if upgrade else set())
        | ({item.product_id for item in fbt.items} if fbt else set())
        | (set(ladder.product_ids) if ladder else set())
        | ({p.pk for p, _ in bundle.lines} if bundle else set())
    )
    tier_chart = _tier_chart(ladder, products, current=anchor) if ladder else None
    return ProductPageRecommendations(upgrade=upgrade, fbt=fbt, tier_chart=tier_chart, bundle=bundle)


def _take(candidates, products, *, blocked: set[int], limit: int, anchor_name: str | None = None) -> list[Recommendation]:
    items = []
    for candidate in candidates:
        if len(items) >= limit:
            break
        offered = products.get(candidate.product_id)
        if not recommendable(offered, blocked=blocked):
            continue
        items.append(
            Recommendation(
                product=offered, source=candidate.source, anchor_id=candidate.anchor_id,
                reason=reason_for(candidate, anchor_name=anchor_name), pitch=candidate.pitch, partner=candidate.partner,
            )
        )
        blocked = blocked | {offered.pk}
    return items


def _tier_chart(ladder: LadderInfo, products: ProductReader, *, current: Product) -> TierChart | None:
    tiers = [tier for tier in ladder.tiers if tier.product_id in products]
    if len(tiers) < 2:
        return None
    columns = [
        TierColumn(
            product=products[tier.product_id],
            label=tier.label,
            is_current=tier.product_id == current.pk,
            is_recommended=tier.is_recommended,
            price_delta=products[tier.product_id].price - current.price,
        )
        for tier in tiers
    ]
    attributes: dict[int, Attribute] = {}
    values: dict[tuple[int, int], str] = {}
    for column in columns:
        for value in column.product.attribute_values.all():
            attributes[value.attribute_id] = value.attribute
            values[(column.product.pk, value.attribute_id)] = value.value
    rows = []
    for attribute in sorted(attributes.values(), key=lambda a: (a.position, a.name)):
        raw = [values.get((column.product.pk, attribute.pk)) for column in columns]
        differs = len({(v or "").strip().lower() for v in raw}) > 1
        if ladder.hide_identical_rows and not differs:
            continue
        rows.append(TierRow(name=attribute.name, cells=[_cell(attribute, v) for v in raw], differs=differs))
    return TierChart(name=ladder.name, columns=columns, rows=rows)


def _cell(attribute: Attribute, value: str | None) -> TierCell:
    if attribute.kind == Attribute.Kind.BOOLEAN:
        flag = (value or "").strip().lower() in TRUE_WORDS
        return TierCell(text="Yes" if flag else "No", flag=flag)
    if value in (None, ""):
        return TierCell(text="—")
    return TierCell(text=f"{value} {attribute.unit}".strip())


def _bundle_offer(bundles: list[BundleInfo], products: ProductReader) -> BundleOffer | None:
    for bundle in bundles:
        lines = [(products.get(pid), quantity) for pid, quantity in bundle.items]
        if len(lines) > 1 and all(p is not None and p.is_active and p.stock >= q for p, q in lines):
            return BundleOffer(bundle=bundle, lines=lines)
    return None


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
    products = ProductReader({c.product_id for c, _ in ranked if c.product_id not in blocked} | set(product_ids), user=user)
    items: list[Recommendation] = []
    for candidate, count in ranked:
        if len(items) >= limit:
            break
        offered = products.get(candidate.product_id)
        if not recommendable(offered, blocked=blocked):
            continue
        if (min_price is not None and offered.price < min_price) or (max_price is not None and offered.price > max_price):
            continue
        anchor = products.get(candidate.anchor_id)
        anchor_name = anchor.name if (anchor is not None and name_anchor and len(product_ids) > 1) else None
        items.append(
            Recommendation(
                product=offered, source=candidate.source, anchor_id=candidate.anchor_id,
                reason=reason_for(candidate, anchor_name=anchor_name), pitch=candidate.pitch,
                partner=candidate.partner, complements_count=count,
            )
        )
        blocked.add(offered.pk)
    products.display(item.product_id for item in items)
    shown.update(item.product_id for item in items)
    return items


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
    products = ProductReader(
        {c.product_id for c, _ in ranked if c.product_id not in in_cart and c.product_id not in shown} | upgrade_ids, user=user
    )

    upgrades: dict[int, Recommendation] = {}
    taken = in_cart | shown
    for line in lines:
        entry = candidates.get(line.product_id)
        if entry is None:
            continue
        blocked = taken | set(entry.excluded_ids)
        for candidate in entry.upgrades:
            offered = products.get(candidate.product_id)
            if recommendable(offered, blocked=blocked) and upgrade_allowed(offered, current_price=line.product.price):
                upgrades[line.pk] = Recommendation(
                    product=offered, source=candidate.source, anchor_id=line.product_id,
                    reason=reason_for(candidate), pitch=candidate.pitch, price_delta=offered.price - line.product.price,
                )
                taken.add(offered.pk)
                break

    blocked = blocked_ids(anchor_ids, candidates) | taken
    names = {line.product_id: line.product.name for line in lines}
    limit, filler_limit = settings.RECOMMENDATIONS_CART_LIMIT, settings.RECOMMENDATIONS_SHIPPING_FILLERS

    available = [
        (candidate, count, products.get(candidate.product_id))
        for candidate, count in ranked
        if recommendable(products.get(candidate.product_id), blocked=blocked)
    ]

    def recommendation(candidate, count, offered) -> Recommendation:
        anchor_name = names.get(candidate.anchor_id) if len(anchor_ids) > 1 else None
        return Recommendation(
            product=offered, source=candidate.source, anchor_id=candidate.anchor_id,
            reason=reason_for(candidate, anchor_name=anchor_name), pitch=candidate.pitch,
            partner=candidate.partner, complements_count=count,
        )

    complete = [recommendation(*row) for row in available[:limit]]
    used = {item.product_id for item in complete}
    fillers: list[Recommendation] = []
    if free_shipping_gap > 0:
        # Items whose price closes the gap; complements of the basket before fallbacks.
        closing = [row for row in available if row[2].pk not in used and row[2].price >= free_shipping_gap]
        closing.sort(key=lambda row: row[0].source not in Source.COMPLEMENTS)
        fillers = [recommendation(*row) for row in closing[:filler_limit]]
    offered = used | {item.product_id for item in fillers} | {u.product_id for u in upgrades.values()}
    products.display(offered)
    shown.update(offered)
    return CartRecommendations(complete=complete, upgrades=upgrades, shipping_fillers=fillers)


def upgrade_targets(*, product: Product) -> list[Recommendation]:
    """Every upgrade currently allowed for `product` (the swap endpoint re-checks with it)."""
    entry = candidates_for_many([product.pk]).get(product.pk)
    if entry is None:
        return []
    products = fetch_products({c.product_id for c in entry.upgrades})
    blocked = {product.pk} | set(entry.excluded_ids)
    return [
        Recommendation(product=products[c.product_id], source=c.source, anchor_id=product.pk, reason=reason_for(c),
                       pitch=c.pitch, price_delta=products[c.product_id].price - product.price)
        for c in entry.upgrades
        if recommendable(products.get(c.product_id), blocked=blocked)
        and upgrade_allowed(products[c.product_id], current_price=product.price)
    ]


def checkout_addons(*, product_ids: Sequence[int], user=None, shown: set[int] | None = None) -> list[Recommendation]:
    """Up to RECOMMENDATIONS_CHECKOUT_LIMIT cheap complements of the basket."""
    return basket_recommendations(
        product_ids=product_ids, user=user, shown=shown, limit=settings.RECOMMENDATIONS_CHECKOUT_LIMIT,
        max_price=settings.RECOMMENDATIONS_ADDON_MAX_PRICE,
    )


@dataclass(frozen=True)
class AlsoBought:
    anchor: Product
    items: list[Recommendation]


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
    limit = limit or settings.RECOMMENDATIONS_CART_LIMIT
    products = ProductReader({c.product_id for c in entry.complements if c.product_id not in blocked} | {anchor_id}, user=user)
    products.display([anchor_id])
    anchor = products.get(anchor_id) or Product.objects.get(pk=anchor_id)
    items = _take(entry.complements, products, blocked=blocked, limit=limit, anchor_name=anchor.name)
    products.display(item.product_id for item in items)
    return AlsoBought(anchor=anchor, items=items) if items else None
