"""How often a customer buys a consumable again: pure functions, no database.

A customer's interval for a product is the median of the gaps between their purchases of it
(purchases on one day count once). A customer who bought it once has no gaps of their own:
the product's interval, the median of every customer's gaps, stands in. A product nobody has
bought twice yet has no interval, and nobody is reminded of it: a guess would be spam.
"""

from collections.abc import Hashable, Iterable, Mapping
from datetime import datetime, timedelta
from statistics import median

# Gaps shorter than this are a second order placed to add something forgotten, not a
# repurchase.
MIN_GAP_DAYS = 2


def purchase_gaps(when: Iterable[datetime]) -> list[float]:
    """The days between consecutive purchase days (same-day and near-duplicate orders merged)."""
    days = sorted({moment.date() for moment in when})
    if not days:
        return []
    gaps: list[float] = []
    previous = days[0]
    for day in days[1:]:
        gap = (day - previous).days
        if gap >= MIN_GAP_DAYS:
            gaps.append(float(gap))
            previous = day
    return gaps


def product_intervals(histories: Mapping[tuple[Hashable, int], Iterable[datetime]]) -> dict[int, float]:
    """Each product's median gap across customers, from {(customer, product): purchase times}."""
    gaps: dict[int, list[float]] = {}
    for (_, product_id), when in histories.items():
        gaps.setdefault(product_id, []).extend(purchase_gaps(when))
    return {product_id: median(values) for product_id, values in gaps.items() if values}


def customer_interval(when: Iterable[datetime], *, product_interval: float | None) -> float | None:
    """The customer's own median gap, or the product's when they bought it once (None when
    neither is known)."""
    own = purchase_gaps(when)
    return median(own) if own else product_interval


def restock_due(when: Iterable[datetime], *, product_interval: float | None) -> datetime | None:
    """When the customer is expected to run out: their last purchase plus their interval."""
    when = list(when)
    interval = customer_interval(when, product_interval=product_interval)
    if interval is None or not when:
        return None
    return max(when) + timedelta(days=interval)
