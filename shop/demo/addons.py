"""The demo shop's service add-ons: 2-year protection for the kitchen appliances (named product
by product, priced as a share) and gift wrap for the gift categories (whole categories, a
fixed price). Both are marked as demo content, and `load_demo --reset` deletes them.

Plain data and one function; `shop.demo.services.demo_load` calls it.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from catalog.models import Category, Product
from shop.addons.models import Service


@dataclass(frozen=True)
class DemoService:
    code: str
    name: str
    description: str
    position: int
    price: Decimal | None = None
    share_percent: Decimal | None = None
    skus: tuple[str, ...] = ()  # hand-made products (shop/demo/handmade.py)
    categories: tuple[str, ...] = ()  # top-level demo categories (shop/demo/categories.py)


SERVICES: tuple[DemoService, ...] = (
    DemoService(
        code="demo-protection-2y",
        name="2-year protection",
        description="Repair or replacement if it breaks down in the two years after the maker's guarantee. No excess to pay.",
        position=10,
        share_percent=Decimal("15"),
        skus=("TD-TOAST-2", "TD-TOAST-4", "TD-TOAST-4B", "TD-KETTLE-15", "TD-KETTLE-17", "TD-KETTLE-17T"),
    ),
    DemoService(
        code="demo-gift-wrap",
        name="gift wrap",
        description="Wrapped in recycled paper with a ribbon and a blank card for your message.",
        position=20,
        price=Decimal("2.50"),
        categories=("Christmas", "Candles & Lights", "Jewellery", "Bath & Beauty", "Toys & Games", "Gifts & Other"),
    ),
)


def demo_services_create(*, categories: dict[tuple[str, str | None], Category], products: dict[str, Product]) -> int:
    """Create the demo services (skipping products and categories this load doesn't have)."""
    created = 0
    for spec in SERVICES:
        service = Service.objects.create(
            code=spec.code,
            name=spec.name,
            description=spec.description,
            position=spec.position,
            pricing=Service.Pricing.SHARE if spec.share_percent is not None else Service.Pricing.FIXED,
            price=spec.price,
            share_percent=spec.share_percent,
            is_demo=True,
        )
        service.products.set([products[sku] for sku in spec.skus if sku in products])
        service.categories.set([categories[(name, None)] for name in spec.categories if (name, None) in categories])
        created += 1
    return created
