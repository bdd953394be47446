"""Reads of the deals: what pages show (from a short cache, no query per item) and what the
totals charge (fresh rows, locked at placement)."""

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal

from django.core.cache import cache
from django.utils import timezone

from .models import Deal, deal_unit_price

# Pages show deals from this cache. A staff edit or a sell-out replaces it at once
# (receivers, services); otherwise the units left shown may lag by this long. The totals
# never read it.
DEALS_CACHE_TIMEOUT = 60
_VERSION_KEY = "offers:deals:version"
DEAL_CODE_PREFIX = "deal"


@dataclass(frozen=True)
class DealInfo:
    pk: int
    product_id: int
    kind: str
    deal_price: Decimal | None
    percent_off: Decimal | None
    starts_at: datetime
    ends_at: datetime
    quantity_cap: int | None
    units_sold: int

    @classmethod
    def of(cls, deal: Deal) -> "DealInfo":
        return cls(
            pk=deal.pk, product_id=deal.product_id, kind=deal.kind, deal_price=deal.deal_price,
            percent_off=deal.percent_off, starts_at=deal.starts_at, ends_at=deal.ends_at,
            quantity_cap=deal.quantity_cap, units_sold=deal.units_sold,
        )

    @property
    def remaining(self) -> int | None:
        return None if self.quantity_cap is None else max(self.quantity_cap - self.units_sold, 0)

    def is_live(self, now: datetime) -> bool:
        return self.starts_at <= now < self.ends_at and self.remaining != 0

    def unit_price(self, list_price: Decimal) -> Decimal:
        return deal_unit_price(
            kind=self.kind, deal_price=self.deal_price, percent_off=self.percent_off, list_price=list_price
        )


@dataclass(frozen=True)
class DealOffer:
    """A live deal on one product as pages show it."""

    deal: DealInfo
    price: Decimal
    was_price: Decimal

    @property
    def saving(self) -> Decimal:
        return self.was_price - self.price

    @property
    def percent(self) -> int:
        """Whole percent off, rounded down: "−20% today" never promises more than it gives."""
        return int(self.saving * 100 / self.was_price) if self.was_price > 0 else 0

    @property
    def ends_at(self) -> datetime:
        return self.deal.ends_at

    @property
    def remaining(self) -> int | None:
        return self.deal.remaining


def deals_cache_version() -> int:
    return cache.get_or_set(_VERSION_KEY, 1, None)


def deals_cache_bump() -> None:
    try:
        cache.incr(_VERSION_KEY)
    except ValueError:
        cache.set(_VERSION_KEY, 2, None)


def _upcoming_deals() -> list[DealInfo]:
    """Every deal not yet over, cached: the set is small (a few a day)."""
    key = f"offers:deals:{deals_cache_version()}"
    deals = cache.get(key)
    if deals is None:
        rows = Deal.objects.filter(ends_at__gt=timezone.now()).order_by("starts_at", "id")
        deals = [DealInfo.of(deal) for deal in rows]
        cache.set(key, deals, DEALS_CACHE_TIMEOUT)
    return deals


def live_deals(*, now: datetime | None = None) -> dict[int, DealInfo]:
    """Product id → its live deal (started, not over, not sold out), from the cache."""
    now = now or timezone.now()
    return {deal.product_id: deal for deal in _upcoming_deals() if deal.is_live(now)}


def upcoming_deal_product_ids(*, now: datetime) -> set[int]:
    """Products with a deal running at `now` by the cache, sold out or not (the totals
    read the units left fresh)."""
    return {deal.product_id for deal in _upcoming_deals() if deal.starts_at <= now < deal.ends_at}


def deal_offer(*, deal: DealInfo | None, list_price: Decimal) -> DealOffer | None:
    if deal is None:
        return None
    price = deal.unit_price(list_price)
    return DealOffer(deal=deal, price=price, was_price=list_price) if price < list_price else None


def deal_offers_for(products: Iterable, *, now: datetime | None = None) -> dict[int, DealOffer]:
    """Product id → its deal as shown, for products with a current `price`; no query."""
    deals = live_deals(now=now)
    offers = {}
    for product in products:
        offer = deal_offer(deal=deals.get(product.pk), list_price=product.price)
        if offer is not None:
            offers[product.pk] = offer
    return offers


def deals_for_pricing(*, product_ids: Iterable[int], now: datetime, lock: bool = False) -> dict[int, Deal]:
    """The deals live at `now` on these products, read fresh in one query; locked (in id
    order, after the products order placement has locked) when `lock`."""
    queryset = Deal.objects.live_at(now).filter(product_id__in=set(product_ids))
    if lock:
        queryset = queryset.select_for_update().order_by("id")
    return {deal.product_id: deal for deal in queryset}


def deal_id_of(code: str) -> int | None:
    """The deal's id in an adjustment code ("deal:12"), None for other codes."""
    prefix, _, rest = code.partition(":")
    return int(rest) if prefix == DEAL_CODE_PREFIX and rest.isdigit() else None


def deal_change_messages(*, seen: dict[str, int], adjustments: Iterable, names: dict[int, str]) -> list[str]:
    """Why deals the shopper saw on the review page (code → units) no longer apply as they
    did, in words: ended, sold out, or covering fewer units. One query."""
    units_now = {adj.code: adj.units for adj in adjustments if deal_id_of(adj.code)}
    changed = {
        deal_id: (units_now.get(code, 0))
        for code, units in seen.items()
        if (deal_id := deal_id_of(code)) and units_now.get(code, 0) < units
    }
    if not changed:
        return []
    deals = Deal.objects.in_bulk(list(changed))
    now = timezone.now()
    messages = []
    for deal_id, left in changed.items():
        deal = deals.get(deal_id)
        name = names.get(deal.product_id, "an item") if deal else "an item"
        if deal is None or not deal.starts_at <= now < deal.ends_at:
            messages.append(f"The deal of the day on {name} has ended: it is back to its usual price.")
        elif left == 0:
            messages.append(f"The deal of the day on {name} has sold out: it is back to its usual price.")
        else:
            messages.append(
                f"Only {left} more of {name} can be sold at the deal price: the rest are at the usual price."
            )
    return messages
