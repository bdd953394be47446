"""A service's price for one item: fixed, or a share of the item's price rounded to the penny.

Pure: the cart's totals (shop.cart.pricing) and order placement charge through this, so a
price-share service follows its item's price wherever the item's price is read.
"""

from decimal import ROUND_HALF_UP, Decimal

from .models import Service

CENT = Decimal("0.01")
HUNDRED = Decimal("100")


def service_unit_price(*, service: Service, item_price: Decimal) -> Decimal:
    """What the service costs per item priced `item_price`."""
    if service.pricing == Service.Pricing.SHARE:
        return (Decimal(item_price) * service.share_percent / HUNDRED).quantize(CENT, rounding=ROUND_HALF_UP)
    return Decimal(service.price).quantize(CENT, rounding=ROUND_HALF_UP)
