"""What the placements hand to the pages and e-mails: frozen results built from the display
copies (`products.display_products`), never changed after they are handed out."""

from dataclasses import dataclass, field
from decimal import Decimal

from catalog.models import Product
from recommendations.bundles import BundleInfo
from recommendations.copurchase.selectors import Partner
from recommendations.selectors.candidates import Candidate
from recommendations.selectors.reasons import reason_for
from recommendations.selectors.tier_chart import TierChart
from recommendations.vocabulary import Source

ZERO = Decimal("0.00")


@dataclass(frozen=True)
class Recommendation:
    """One recommended product, with why it is shown (reason) and its statistics (partner)."""

    product: Product
    source: Source
    # The product it is recommended for (None for the visitor's own history).
    anchor_id: int | None
    reason: str
    pitch: str = ""
    partner: Partner | None = None
    # How many of the anchors (cart lines) it complements.
    complements_count: int = 1
    price_delta: Decimal | None = None

    @property
    def product_id(self) -> int:
        return self.product.pk


def charged_price(product: Product) -> Decimal:
    """The price the cart charges today: the deal price while a deal is live
    (`product.deal`, set by products.display_products)."""
    deal = getattr(product, "deal", None)
    return deal.price if deal is not None else product.price


@dataclass(frozen=True)
class FrequentlyBoughtTogether:
    anchor: Product
    items: list[Recommendation]

    @property
    def products(self) -> list[Product]:
        return [self.anchor, *(item.product for item in self.items)]

    @property
    def total(self) -> Decimal:
        """At deal prices where a deal is live: what the cart will charge for them."""
        return sum((charged_price(product) for product in self.products), ZERO)


@dataclass(frozen=True)
class BundleOffer:
    bundle: BundleInfo
    lines: list[tuple[Product, int]]

    @property
    def price(self) -> Decimal:
        """At deal prices, as the cart prices a set (shop.cart.pricing.unit_prices_after)."""
        return sum((charged_price(product) * quantity for product, quantity in self.lines), ZERO)

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


@dataclass(frozen=True)
class AlsoBought:
    anchor: Product
    items: list[Recommendation]


def recommendation_for(
    candidate: Candidate,
    product: Product,
    *,
    anchor_name: str | None = None,
    count: int = 1,
    price_delta: Decimal | None = None,
    reason: str | None = None,
) -> Recommendation:
    """The result for a candidate that passed the guards (its reason from `reasons` unless
    the placement words it itself)."""
    return Recommendation(
        product=product, source=candidate.source, anchor_id=candidate.anchor_id,
        reason=reason if reason is not None else reason_for(candidate, anchor_name=anchor_name),
        pitch=candidate.pitch, partner=candidate.partner, complements_count=count, price_delta=price_delta,
    )
