"""Request-time guards and ranking over cached candidates (shared by every placement)."""

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from decimal import Decimal

from django.conf import settings
from django.db.models import Exists, OuterRef, Prefetch

from catalog.models import Product, ProductAttributeValue, ProductImage
from recommendations.copurchase.selectors import Partner
from recommendations.selectors.candidates import Candidate, ProductCandidates, Source


@dataclass(frozen=True)
class Recommendation:
    """One recommended product, with why it is shown (reason) and its statistics (partner)."""

    product: Product
    source: str
    anchor_id: int
    reason: str
    pitch: str = ""
    partner: Partner | None = None
    # How many of the anchors (cart lines) it complements.
    complements_count: int = 1
    price_delta: Decimal | None = None

    @property
    def product_id(self) -> int:
        return self.product.pk


def fetch_products(ids: Iterable[int], *, user=None, with_attributes: bool = False) -> dict[int, Product]:
    """The products a page shows, in one query plus prefetches: active ones only, with prices
    and stock as they are now (never from the cache), and `bought_before` for a customer."""
    ids = set(ids)
    if not ids:
        return {}
    queryset = (
        Product.objects.active()
        .filter(pk__in=ids)
        .defer("description")
        .select_related("category")
        .prefetch_related(Prefetch("images", queryset=ProductImage.objects.order_by("position", "id")))
    )
    if with_attributes:
        queryset = queryset.prefetch_related(
            Prefetch("attribute_values", queryset=ProductAttributeValue.objects.select_related("attribute"))
        )
    if user is not None and user.is_authenticated:
        from shop.orders.models import OrderLine

        bought = OrderLine.objects.filter(product_id=OuterRef("pk"), order__user=user).exclude(order__status="cancelled")
        queryset = queryset.annotate(bought_before=Exists(bought))
    return {product.pk: product for product in queryset}


# How many candidates beyond a block's size are read in the first query: enough for the
# stock and "bought before" guards to rarely need the second one.
FETCH_MARGIN = 3


class ProductReader:
    """The products of a page's candidates, read in at most two queries: the head of the
    ranking (what will most likely be shown) plus the `extra` ids (anchors, tiers, bundle
    items) first, and the rest of the ranking only if the guards empty the head.

    Reading a whole pool (up to ~40 products with pictures) for three shown items was
    most of a product page's time."""

    def __init__(self, ranked_ids, *, head: int, extra=(), user=None, with_attributes: bool = False):
        ranked_ids = list(dict.fromkeys(ranked_ids))
        self.user = user
        self.products = fetch_products(set(ranked_ids[:head]) | set(extra), user=user, with_attributes=with_attributes)
        self.rest = [pid for pid in ranked_ids[head:] if pid not in self.products]

    def get(self, product_id: int) -> Product | None:
        if product_id not in self.products and self.rest and product_id in self.rest:
            self.products.update(fetch_products(self.rest, user=self.user))
            self.rest = []
        return self.products.get(product_id)

    def __getitem__(self, product_id: int) -> Product:
        return self.products[product_id]

    def __contains__(self, product_id: int) -> bool:
        return product_id in self.products


def percent(value) -> int:
    return round(float(value) * 100)


def reason_for(candidate: Candidate, *, anchor_name: str | None = None) -> str:
    who = f"bought {anchor_name}" if anchor_name else "bought this"
    if candidate.source == Source.CURATED:
        return f"Staff pick — {candidate.pitch}" if candidate.pitch else "Staff pick"
    if candidate.source == Source.COPURCHASE and candidate.partner is not None:
        return f"Bought together by {percent(candidate.partner.confidence)}% of customers who {who}"
    if candidate.source == Source.CATEGORY:
        return f"Often bought with {candidate.category_name}"
    if candidate.source == Source.BESTSELLER:
        return f"Popular in {candidate.category_name}"
    if candidate.source in (Source.UPGRADE, Source.LADDER):
        return candidate.pitch
    return ""


def recommendable(product: Product | None, *, blocked: set[int]) -> bool:
    """The guards every placement applies to a fetched product."""
    if product is None or product.pk in blocked:
        return False
    if not product.is_active or product.stock <= 0:
        return False
    # A customer is not offered what they already own, unless they use it up.
    if getattr(product, "bought_before", False) and not product.is_consumable:
        return False
    return True


def upgrade_allowed(product: Product, *, current_price: Decimal) -> bool:
    """Costs more, but only marginally more (RECOMMENDATIONS_UPGRADE_MAX_FACTOR)."""
    return current_price < product.price <= current_price * settings.RECOMMENDATIONS_UPGRADE_MAX_FACTOR


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
            if candidate.source in Source.COMPLEMENTS:
                complemented.setdefault(pid, set()).add(anchor_id)
            key = (_TIER[candidate.source], position, anchor_order)
            if pid not in best or key < best[pid][0]:
                best[pid] = (key, candidate)
    ranked = sorted(best, key=lambda pid: (-len(complemented.get(pid, ())), best[pid][0], pid))
    return [(best[pid][1], max(len(complemented.get(pid, ())), 1)) for pid in ranked]


def blocked_ids(anchor_ids: Iterable[int], candidates: dict[int, ProductCandidates]) -> set[int]:
    """Anchors, their exclusions and their tier siblings (siblings are upgrades, not complements)."""
    blocked = set(anchor_ids)
    for anchor_id in list(blocked):
        entry = candidates.get(anchor_id)
        if entry:
            blocked |= entry.excluded_ids | entry.sibling_ids
    return blocked
