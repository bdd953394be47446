"""Request-time guards and ranking over cached candidates (shared by every placement)."""

import pickle
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from decimal import Decimal

from django.conf import settings
from django.core.cache import cache
from django.db.models import Exists, OuterRef, Prefetch

from catalog.models import Product, ProductAttributeValue, ProductImage
from recommendations.copurchase.selectors import Partner
from recommendations.selectors.candidates import Candidate, LocalLRU, ProductCandidates, Source


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


# Display copies (name, slug, category, pictures, attributes) of products, cached. Prices,
# stock and availability are never taken from them: every request reads those fresh.
DISPLAY_TIMEOUT = 10 * 60
# Per-process copies of the same, pickled: model instances are mutable (their _state and
# prefetch caches), so each request unpickles its own rather than sharing one object.
_local_display = LocalLRU(limit=4096, timeout=DISPLAY_TIMEOUT)


def _display_key(product_id: int, updated_at) -> str:
    return f"recommendations:product:{product_id}:{updated_at.timestamp():.6f}"


def _load_display(ids: set[int]) -> dict[int, Product]:
    queryset = (
        Product.objects.filter(pk__in=ids)
        .defer("description")
        .select_related("category")
        .prefetch_related(
            Prefetch("images", queryset=ProductImage.objects.order_by("position", "id")),
            Prefetch("attribute_values", queryset=ProductAttributeValue.objects.select_related("attribute")),
        )
    )
    return {product.pk: product for product in queryset}


def _fresh_rows(ids: set[int], *, user=None) -> dict[int, Product]:
    """Light Product instances with only what the guards and reasons need, read fresh in one
    query: price, stock, availability, consumable, name, updated_at, the rating (moderation
    changes it without touching updated_at, the display copies' key) and `bought_before`."""
    fresh = Product.objects.active().filter(pk__in=ids)
    fields = ["pk", "price", "stock", "is_active", "is_consumable", "updated_at", "name"]
    fields += ["rating_average", "rating_count"]
    if user is not None and user.is_authenticated:
        from shop.orders.models import OrderLine

        bought = OrderLine.objects.filter(product_id=OuterRef("pk"), order__user=user).exclude(order__status="cancelled")
        fresh = fresh.annotate(bought_before=Exists(bought))
        fields.append("bought_before")
    rows = {}
    for row in fresh.values_list(*fields):
        product = Product(
            id=row[0], price=row[1], stock=row[2], is_active=row[3], is_consumable=row[4], updated_at=row[5], name=row[6]
        )
        product.rating_average, product.rating_count = row[7], row[8]
        product.bought_before = row[9] if len(row) > 9 else False
        rows[product.pk] = product
    return rows


class ProductReader:
    """The products a page considers. Every candidate's price, stock and availability are
    read fresh in one light query (never from a cache), so the guards and price rules run
    on all of them; only the few products actually shown then get their display data
    (name, slug, category, pictures, attributes), from cached copies keyed by the product's
    `updated_at`, or on a miss in one query plus prefetches.

    Reading full products with pictures for a whole candidate pool (up to ~40 per anchor)
    to show three of them was most of a page's time."""

    def __init__(self, ids, *, user=None):
        self.products = _fresh_rows(set(ids), user=user)
        self._displayed: set[int] = set()

    def get(self, product_id: int) -> Product | None:
        return self.products.get(product_id)

    def __getitem__(self, product_id: int) -> Product:
        return self.products[product_id]

    def __contains__(self, product_id: int) -> bool:
        return product_id in self.products

    def display(self, ids) -> None:
        """Give the products `ids` their display data, in place: references already handed
        out (in Recommendations) see it too. Fresh fields are kept."""
        wanted = {pid for pid in ids if pid in self.products and pid not in self._displayed}
        if not wanted:
            return
        keys = {_display_key(pid, self.products[pid].updated_at): pid for pid in wanted}
        local = _local_display.get_many(keys)
        copies = {keys[key]: pickle.loads(data) for key, data in local.items()}
        if len(copies) < len(keys):
            shared = cache.get_many([key for key in keys if key not in local])
            _local_display.set_many({key: pickle.dumps(copy, pickle.HIGHEST_PROTOCOL) for key, copy in shared.items()})
            copies.update({keys[key]: copy for key, copy in shared.items()})
        missing = wanted - set(copies)
        if missing:
            loaded = _load_display(missing)
            values = {_display_key(pid, p.updated_at): p for pid, p in loaded.items()}
            cache.set_many(values, DISPLAY_TIMEOUT)
            _local_display.set_many({key: pickle.dumps(copy, pickle.HIGHEST_PROTOCOL) for key, copy in values.items()})
            copies.update(loaded)
        for pid, copy in copies.items():
            light = self.products[pid]
            fresh = {name: light.__dict__[name] for name in FRESH_FIELDS}
            light.__dict__.update(copy.__dict__)
            light.__dict__.update(fresh)
            self._displayed.add(pid)


FRESH_FIELDS = ("price", "stock", "is_active", "is_consumable", "rating_average", "rating_count", "bought_before")


def fetch_products(ids: Iterable[int], *, user=None) -> dict[int, Product]:
    """Active products with fresh prices and stock and their display data (for the admin
    preview and the swap check, which show or check everything they read)."""
    reader = ProductReader(ids, user=user)
    reader.display(list(reader.products))
    return reader.products


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
