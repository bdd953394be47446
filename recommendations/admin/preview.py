"""Reads for the curation admin: the storefront preview of a product and the suggestion queue."""

from dataclasses import dataclass

from django.db.models import Q

from catalog.models import Product
from recommendations.copurchase.models import Snapshot
from recommendations.copurchase.selectors import Partner, live_snapshot, partners_for_many
from recommendations.models import Complement, Exclusion
from recommendations.selectors.candidates import candidates_for_many
from recommendations.selectors.guards import recommendable
from recommendations.selectors.placements import (
    ProductPageRecommendations,
    Recommendation,
    basket_recommendations,
    product_page_recommendations,
)
from recommendations.selectors.products import display_products, fresh_products
from recommendations.vocabulary import Source

# The queue looks at the partners of the best sellers: the strongest pairs (most orders
# together) are necessarily among them.
QUEUE_ANCHORS = 300
QUEUE_PARTNERS = 5


@dataclass(frozen=True)
class PoolRow:
    product: Product | None
    product_id: int
    source: Source
    pitch: str
    partner: Partner | None
    status: str  # "shown", or why not


@dataclass(frozen=True)
class ProductPreview:
    product: Product
    page: ProductPageRecommendations
    cart: list[Recommendation]
    pool: list[PoolRow]
    snapshot: Snapshot | None


def product_preview(*, product: Product) -> ProductPreview:
    """What each storefront block shows for `product` now (for a visitor with an empty cart),
    and the whole ranked candidate pool with why each item is or isn't shown."""
    page = product_page_recommendations(product=product)
    cart = basket_recommendations(product_ids=[product.pk], limit=4)
    entry = candidates_for_many([product.pk]).get(product.pk)
    pool_candidates = list(entry.complements) if entry else []
    fresh = fresh_products({c.product_id for c in pool_candidates})
    products = display_products(fresh, fresh)
    shown = {item.product_id for item in page.fbt.items} if page.fbt else set()
    rows = []
    for candidate in pool_candidates:
        offered = fresh.get(candidate.product_id)
        if candidate.product_id in shown:
            status = "shown"
        elif offered is None:
            status = "inactive"
        elif not recommendable(offered, blocked=set()):
            status = "out of stock"
        else:
            status = "below the block limit"
        rows.append(
            PoolRow(
                products.get(candidate.product_id), candidate.product_id, candidate.source, candidate.pitch,
                candidate.partner, status,
            )
        )
    return ProductPreview(product=product, page=page, cart=cart, pool=rows, snapshot=live_snapshot())


@dataclass(frozen=True)
class Suggestion:
    product: Product
    partner_product: Product
    partner: Partner


def suggestion_queue(*, limit: int = 50) -> list[Suggestion]:
    """The strongest computed pairs staff have neither curated (either way) nor excluded."""
    anchors = list(Product.objects.active().order_by("-sales_count", "id").values_list("id", flat=True)[:QUEUE_ANCHORS])
    partners = partners_for_many(product_ids=anchors, limit=QUEUE_PARTNERS)
    pairs: dict[tuple[int, int], tuple[int, Partner]] = {}
    for anchor_id, rows in partners.items():
        for partner in rows:
            key = tuple(sorted((anchor_id, partner.product_id)))
            if key not in pairs or partner.confidence > pairs[key][1].confidence:
                pairs[key] = (anchor_id, partner)
    if not pairs:
        return []
    ids = {pid for key in pairs for pid in key}
    curated = {
        tuple(sorted(pair))
        for pair in Complement.objects.filter(product_id__in=ids, complement_id__in=ids).values_list("product_id", "complement_id")
    }
    excluded = set(Exclusion.objects.filter(product_a_id__in=ids, product_b_id__in=ids).values_list("product_a_id", "product_b_id"))
    open_pairs = [value for key, value in pairs.items() if key not in curated and key not in excluded]
    open_pairs.sort(key=lambda value: (-value[1].count_ab, -value[1].score))
    open_pairs = open_pairs[:limit]
    products = Product.objects.in_bulk({pid for anchor_id, p in open_pairs for pid in (anchor_id, p.product_id)})
    return [
        Suggestion(product=products[anchor_id], partner_product=products[p.product_id], partner=p)
        for anchor_id, p in open_pairs
        if anchor_id in products and p.product_id in products
    ]


def curated_or_excluded(*, a_id: int, b_id: int) -> bool:
    low, high = sorted((a_id, b_id))
    return (
        Complement.objects.filter(Q(product_id=a_id, complement_id=b_id) | Q(product_id=b_id, complement_id=a_id)).exists()
        or Exclusion.objects.filter(product_a_id=low, product_b_id=high).exists()
    )
