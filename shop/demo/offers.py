"""The demo shop's deals of the day, so that a fresh `make run` shows them: a fortnight from
the load on two of the hand-made kitchen products, one with a quantity cap. They go with their
products on `load_demo --reset` (a deal is deleted with its product). After the fortnight the
demo has none, as a shop between deals has none; staff schedule more under Offers › Deals.

Plain data and one function; `shop.demo.services.demo_load` calls it.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta
from decimal import Decimal

from django.utils import timezone

from catalog.models import Product
from shop.offers.models import Deal

DEAL_DAYS = 14


@dataclass(frozen=True)
class DemoDeal:
    sku: str  # a hand-made product (shop/demo/handmade.py)
    percent_off: Decimal
    quantity_cap: int | None = None


DEALS: tuple[DemoDeal, ...] = (
    DemoDeal("TD-TOAST-2", Decimal("20")),
    DemoDeal("TD-DESCALE", Decimal("25"), quantity_cap=40),
)


def demo_deals_create(*, products: dict[str, Product], now=None) -> int:
    """Create the demo deals (skipping products this load doesn't have)."""
    now = now or timezone.now()
    deals = [
        Deal(
            product=products[spec.sku],
            kind=Deal.Kind.PERCENT,
            percent_off=spec.percent_off,
            starts_at=now,
            ends_at=now + timedelta(days=DEAL_DAYS),
            quantity_cap=spec.quantity_cap,
        )
        for spec in DEALS
        if spec.sku in products
    ]
    Deal.objects.bulk_create(deals)
    return len(deals)
