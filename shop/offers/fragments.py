"""What the offers add to a cached page fragment's key (settings.FRAGMENT_VARY).

Deals change prices by the clock, with no write at the moment a deal starts or ends, so the
product page (and its structured data), home and cart fragments (deal prices, "Today's deals",
the FBT total, the cart's deal lines) vary by the set of deals live now and by the deals' cache version (a staff edit, a
sell-out) — both from the short deals cache the pages read anyway. A cart with a voucher is
rendered live: whether the code still applies depends on its dates, its uses and staff edits.
Points are only shown to signed-in customers, whose pages are rendered live.
"""

from shop.cart.selectors import CART_ROW_FIELDS, cart_rows_for_request

from .selectors import deals_cache_version, live_deals

_VOUCHER = CART_ROW_FIELDS.index("cart__voucher_code")


def fragment_vary(request, *, name: str, args: tuple) -> str | None:
    if name not in ("product", "product-head", "home", "cart"):
        return ""
    if name == "cart" and any(row[_VOUCHER] for row in cart_rows_for_request(request)):
        return None
    live = ",".join(str(deal.pk) for deal in sorted(live_deals().values(), key=lambda deal: deal.pk))
    return f"deals:{deals_cache_version()}:{live}"
