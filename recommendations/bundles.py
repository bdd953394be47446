"""Bundles: the cart discount provider and the cached bundle definitions it reads.

Registered in settings.CART_DISCOUNT_PROVIDERS, so the cart calls it without importing this
app. A bundle applies once per complete set of its items in the cart (two kettles and two
descalers with a kettle + descaler bundle give the discount twice); when bundles overlap,
the one worth most is applied first and the lines it uses are not counted again.

The discount is worked out from the items' current prices every time the cart is read and
again under the stock lock at placement (both call `shop.cart.pricing.calculate_totals`),
and it never takes more than BUNDLE_MAX_DISCOUNT_PERCENT of the set's current price: a
bundle saved as "£10 off" keeps its set well above nothing when an item's price later
drops to £8, and a 100% bundle cannot give a set away.
"""

from collections import Counter
from dataclasses import dataclass
from decimal import ROUND_DOWN, ROUND_HALF_UP, Decimal

from django.conf import settings
from django.core.cache import cache

from recommendations.caching import cache_generation
from recommendations.models import Bundle, BundleItem
from shop.cart.pricing import Adjustment, PricingContext, unit_prices_after

CENT = Decimal("0.01")


@dataclass(frozen=True)
class BundleInfo:
    bundle_id: int
    name: str
    discount_type: str
    discount_value: Decimal
    items: tuple[tuple[int, int], ...]  # (product_id, quantity)

    @property
    def product_ids(self) -> list[int]:
        return [product_id for product_id, _ in self.items]

    def discount_on(self, price_of_set: Decimal) -> Decimal:
        """The saving on one set at `price_of_set` (today's prices), at most the floor allows."""
        if price_of_set <= 0:
            return Decimal("0.00")
        if self.discount_type == Bundle.DiscountType.PERCENT:
            amount = price_of_set * self.discount_value / Decimal(100)
        else:
            amount = self.discount_value
        return min(amount.quantize(CENT, rounding=ROUND_HALF_UP), bundle_discount_ceiling(price_of_set))

    def is_capped(self, price_of_set: Decimal) -> bool:
        """True when the floor, not the bundle's own discount, decides the saving (an item's
        price has dropped since the bundle was saved, or the discount is set too high)."""
        if self.discount_type == Bundle.DiscountType.PERCENT:
            wanted = price_of_set * self.discount_value / Decimal(100)
        else:
            wanted = self.discount_value
        return wanted.quantize(CENT, rounding=ROUND_HALF_UP) > self.discount_on(price_of_set)

    @property
    def label(self) -> str:
        if self.discount_type == Bundle.DiscountType.PERCENT:
            return f"Bundle: {self.name} ({self.discount_value.normalize():f}% off)"
        return f"Bundle: {self.name}"

    @property
    def code(self) -> str:
        return f"bundle:{self.bundle_id}"


def bundle_discount_ceiling(price_of_set: Decimal) -> Decimal:
    """The most a bundle may take off a set costing `price_of_set`, rounded down so the
    set never costs less than the floor."""
    share = Decimal(settings.BUNDLE_MAX_DISCOUNT_PERCENT) / Decimal(100)
    return max(price_of_set * share, Decimal("0")).quantize(CENT, rounding=ROUND_DOWN)


def bundle_info(bundle: Bundle, items: list[tuple[int, int]]) -> BundleInfo:
    return BundleInfo(
        bundle_id=bundle.pk,
        name=bundle.name,
        discount_type=bundle.discount_type,
        discount_value=bundle.discount_value,
        items=tuple(items),
    )


def active_bundles() -> list[BundleInfo]:
    """Every active bundle with its items, cached under the curation generation."""
    snapshot_id, version = cache_generation()
    key = f"recommendations:bundles:{version}"
    bundles = cache.get(key)
    if bundles is None:
        items: dict[int, list[tuple[int, int]]] = {}
        meta: dict[int, Bundle] = {}
        for item in BundleItem.objects.filter(bundle__is_active=True).select_related("bundle").order_by("bundle_id", "id"):
            items.setdefault(item.bundle_id, []).append((item.product_id, item.quantity))
            meta[item.bundle_id] = item.bundle
        bundles = [bundle_info(meta[bid], items[bid]) for bid in sorted(items)]
        cache.set(key, bundles, settings.RECOMMENDATIONS_CACHE_TIMEOUT)
    return bundles


def bundles_for_product(product_id: int) -> list[BundleInfo]:
    return [bundle for bundle in active_bundles() if product_id in bundle.product_ids]


def bundle_adjustments(*, quantities: dict[int, int], prices: dict[int, Decimal], bundles: list[BundleInfo]):
    """Pure: the discounts earned by `quantities` (product id → quantity in the cart)."""
    remaining = Counter(quantities)
    applicable = [b for b in bundles if b.items and all(remaining[pid] >= qty for pid, qty in b.items)]

    def set_price(bundle: BundleInfo) -> Decimal:
        return sum((prices[pid] * qty for pid, qty in bundle.items), Decimal("0"))

    applicable.sort(key=lambda b: (-b.discount_on(set_price(b)), b.bundle_id))
    adjustments = []
    for bundle in applicable:
        sets = min(remaining[pid] // qty for pid, qty in bundle.items)
        if sets <= 0:
            continue
        for pid, qty in bundle.items:
            remaining[pid] -= qty * sets
        amount = bundle.discount_on(set_price(bundle)) * sets
        if amount > 0:
            label = bundle.label if sets == 1 else f"{bundle.label} × {sets}"
            adjustments.append(Adjustment(label=label, amount=amount, code=bundle.code))
    return adjustments


def cart_discounts(*, lines, context: PricingContext) -> list:
    """CART_DISCOUNT_PROVIDERS entry: `lines` have .product (with .price), .product_id and .quantity.

    A set is priced at the prices the providers before this one left (a deal price), so the
    bundle's share is of what the shopper pays for the set."""
    lines = list(lines)
    if not lines:
        return []
    bundles = active_bundles()
    if not bundles:
        return []
    quantities: Counter = Counter()
    for line in lines:
        quantities[line.product_id] += line.quantity
    prices = unit_prices_after(lines=lines, adjustments=context.prior)
    return bundle_adjustments(quantities=dict(quantities), prices=prices, bundles=bundles)
