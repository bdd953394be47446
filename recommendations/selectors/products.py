"""Loading the products a page considers, in two steps.

1. `fresh_products`: every candidate's price, stock and availability (and, for a signed-in
   customer, whether they bought it before), read fresh in one light query, never from a
   cache. The guards and price rules run on these rows.
2. `display_products`: for the few products a page actually shows, complete `Product`
   instances with their display data (name, slug, category, pictures, attributes), from
   cached copies keyed by the product's `updated_at`, or on a miss in one query plus
   prefetches; the fresh fields are written over each copy.

A placement decides what it shows with the rows of step 1, then asks step 2 once for all
of it and builds its results from the objects step 2 returns: new objects on every call,
never changed after they are handed out. Reading full products with pictures for a whole
candidate pool to show three of them would make a page's reads grow with the pool.
"""

import pickle
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal

from django.core.cache import cache
from django.db.models import Exists, OuterRef, Prefetch

from catalog.models import Product, ProductAttributeValue, ProductImage
from recommendations.caching import LocalLRU
from shop.offers.selectors import deal_offers_for
from shop.orders.selectors import counted_purchases


@dataclass(frozen=True)
class FreshProduct:
    """What the guards, the price rules and the reasons need about a product, read fresh."""

    pk: int
    name: str
    price: Decimal
    stock: int
    is_active: bool
    is_consumable: bool
    updated_at: datetime
    # Moderation changes the rating without touching updated_at (the display copies' key),
    # so it is read fresh with the rest.
    rating_average: Decimal | None = None
    rating_count: int = 0
    category_id: int | None = None
    # The tier ladder it belongs to, if any: a block never holds two tiers of one ladder.
    ladder_id: int | None = None
    # Signed-in customers only: they have bought it in an order that counts.
    bought_before: bool = False


# The fields a display copy takes from the fresh row: prices, stock and availability are
# never shown from a cache.
FRESH_FIELDS = ("price", "stock", "is_active", "is_consumable", "rating_average", "rating_count", "bought_before")

# Display copies (name, slug, category, pictures, attributes) of products, cached.
DISPLAY_TIMEOUT = 10 * 60
# Per-process copies of the same, pickled: model instances are mutable (their _state and
# prefetch caches), so each request unpickles its own rather than sharing one object.
_local_display = LocalLRU(limit=4096, timeout=DISPLAY_TIMEOUT)


def fresh_products(ids: Iterable[int], *, user=None) -> dict[int, FreshProduct]:
    """The active products among `ids`, in one query."""
    fresh = Product.objects.active().filter(pk__in=set(ids))
    fields = [
        "pk", "name", "price", "stock", "is_active", "is_consumable", "updated_at", "rating_average", "rating_count",
        "category_id", "ladder_tier__ladder_id",
    ]
    names = [*fields[:-1], "ladder_id"]
    if user is not None and user.is_authenticated:
        fresh = fresh.annotate(bought_before=Exists(counted_purchases(user=user).filter(product_id=OuterRef("pk"))))
        fields.append("bought_before")
        names.append("bought_before")
    return {row[0]: FreshProduct(**dict(zip(names, row, strict=True))) for row in fresh.values_list(*fields)}


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


def _display_copies(wanted: Mapping[int, FreshProduct]) -> dict[int, Product]:
    """Display copies of `wanted`: local, then shared cache, then the database."""
    keys = {_display_key(pid, row.updated_at): pid for pid, row in wanted.items()}
    local = _local_display.get_many(keys)
    copies = {keys[key]: pickle.loads(data) for key, data in local.items()}
    if len(copies) < len(keys):
        shared = cache.get_many([key for key in keys if key not in local])
        _local_display.set_many({key: pickle.dumps(copy, pickle.HIGHEST_PROTOCOL) for key, copy in shared.items()})
        copies.update({keys[key]: copy for key, copy in shared.items()})
    missing = set(wanted) - set(copies)
    if missing:
        loaded = _load_display(missing)
        values = {_display_key(pid, product.updated_at): product for pid, product in loaded.items()}
        cache.set_many(values, DISPLAY_TIMEOUT)
        _local_display.set_many({key: pickle.dumps(copy, pickle.HIGHEST_PROTOCOL) for key, copy in values.items()})
        copies.update(loaded)
    return copies


def display_products(fresh: Mapping[int, FreshProduct], ids: Iterable[int]) -> dict[int, Product]:
    """New `Product` instances for the products `ids` among `fresh`, each with its display
    data and the fresh fields. A product whose display copy cannot be read (deleted since)
    is built from its fresh row alone."""
    wanted = {pid: fresh[pid] for pid in ids if pid in fresh}
    if not wanted:
        return {}
    copies = _display_copies(wanted)
    products = {}
    for pid, row in wanted.items():
        product = copies.get(pid)
        if product is None:
            product = Product(
                id=row.pk, name=row.name, price=row.price, stock=row.stock, is_active=row.is_active,
                is_consumable=row.is_consumable, updated_at=row.updated_at,
            )
        product.__dict__.update({name: getattr(row, name) for name in FRESH_FIELDS})
        products[pid] = product
    # A live deal (shop.offers.selectors.DealOffer or None) from the deals' cache: no query.
    deals = deal_offers_for(products.values())
    for pid, product in products.items():
        product.deal = deals.get(pid)
    return products


def fetch_products(ids: Iterable[int], *, user=None) -> dict[int, Product]:
    """Active products with fresh prices and stock and their display data (for the admin
    preview and the swap check, which show or check everything they read)."""
    fresh = fresh_products(ids, user=user)
    return display_products(fresh, fresh)
