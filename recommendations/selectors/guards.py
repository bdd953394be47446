"""The guards every placement applies: what may never be offered, whatever the ranking says."""

from collections.abc import Iterable
from decimal import Decimal

from django.conf import settings

from recommendations.selectors.candidates import ProductCandidates
from recommendations.selectors.products import FreshProduct


def recommendable(product: FreshProduct | None, *, blocked: set[int]) -> bool:
    """Active, in stock, not blocked, and not something the customer already owns (unless
    they use it up)."""
    if product is None or product.pk in blocked:
        return False
    if not product.is_active or product.stock <= 0:
        return False
    if product.bought_before and not product.is_consumable:
        return False
    return True


def upgrade_allowed(product: FreshProduct, *, current_price: Decimal) -> bool:
    """Costs more, but only marginally more (RECOMMENDATIONS_UPGRADE_MAX_FACTOR)."""
    return current_price < product.price <= current_price * settings.RECOMMENDATIONS_UPGRADE_MAX_FACTOR


def blocked_ids(anchor_ids: Iterable[int], candidates: dict[int, ProductCandidates]) -> set[int]:
    """Anchors, their exclusions and their tier siblings (siblings are upgrades, not complements)."""
    blocked = set(anchor_ids)
    for anchor_id in list(blocked):
        entry = candidates.get(anchor_id)
        if entry:
            blocked |= entry.excluded_ids | entry.sibling_ids
    return blocked
