"""The dashboard's uplift figures from plain rows: what each metric is, on which units it is
computed, and its interval.

`holdout_report` (selectors.py) reads the period's orders and visitor counts and hands them
here; the coverage study (coverage.py, `manage.py uplift_coverage`) hands simulated rows to
the same function, so what the study proves is what the dashboard shows.

The unit is the buyer, not the order. A buyer's orders are alike (same budget, same tastes)
and are all in one group, so treating them as independent understates every interval's
width; orders that share an account or an e-mail address are one buyer. The estimands:

- Average order value and items per order: Σ over the group's orders / number of orders
  (the pooled ratio; each order weighs the same), interval by the delta method over buyers.
- Revenue per visitor and conversion (orders per visitor): Σ over the group's orders /
  the group's visitors, each buyer's total one observation and every other visitor a zero.
"""

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import NamedTuple

from .holdout import CONTROL, TREATMENT
from .statistics import Comparison, Summary, compare

GROUPS = (TREATMENT, CONTROL)

# (key, label, unit) of each figure, in the dashboard's order. Conversion is orders per
# visitor (a visitor ordering twice converts twice), as shops usually count it.
METRICS = (
    ("aov", "Average order value", "money"),
    ("items", "Items per order", "count"),
    ("rpv", "Revenue per visitor", "money"),
    ("conversion", "Conversion", "percent"),
)


class OrderRow(NamedTuple):
    """One counted order of the period, as the dashboard reads it."""

    group: str
    user_id: int | None
    email: str
    total: float
    items: float


@dataclass(frozen=True)
class Metric:
    key: str
    label: str
    unit: str  # "money", "count" or "percent"
    comparison: Comparison


@dataclass(frozen=True)
class Buyers:
    """Per buyer of one group: how many orders, their value and their items (parallel lists)."""

    orders: list[float]
    revenue: list[float]
    items: list[float]

    @property
    def order_count(self) -> int:
        return int(sum(self.orders))


def buyers_by_group(orders: Iterable[OrderRow]) -> dict[str, Buyers]:
    """Group the orders into buyers: orders of one group that share an account or an e-mail
    address (case and surrounding spaces ignored) belong to one buyer, transitively (a guest
    order and a signed-in order with the same address join the account's other orders). An
    order with neither is a buyer of its own."""
    # Union–find over the orders' keys; only an order with both an account and an address
    # links two keys, so most keys are their own root and `parent` stays small.
    parent: dict = {}

    def root(key):
        top = key
        while (up := parent.get(top, top)) != top:
            top = up
        while key != top:
            parent[key], key = top, parent[key]
        return top

    keyed: list[tuple] = []
    for index, row in enumerate(orders):
        if row.group not in GROUPS:
            continue
        email = row.email.strip().lower() if row.email else ""
        key = ("email", row.group, email) if email else ("order", index)
        if row.user_id is not None:
            account = ("user", row.group, row.user_id)
            if email:
                a, b = root(account), root(key)
                if a != b:
                    parent[b] = a
            key = account
        keyed.append((key, row))
    sums: dict[str, dict] = {group: {} for group in GROUPS}
    for key, row in keyed:
        buyer = sums[row.group].get(top := root(key))
        if buyer is None:
            buyer = sums[row.group][top] = [0.0, 0.0, 0.0]
        buyer[0] += 1.0
        buyer[1] += float(row.total)
        buyer[2] += float(row.items or 0)
    return {
        group: Buyers(
            orders=[b[0] for b in buyers.values()],
            revenue=[b[1] for b in buyers.values()],
            items=[b[2] for b in buyers.values()],
        )
        for group, buyers in sums.items()
    }


def _per_visitor(values: list[float], *, visitors: int) -> Summary:
    """A mean over visitors from the buyers' totals: every visitor without an order is a
    zero. More buyers than visitors (visitors first seen before the period) count as they
    are."""
    n = max(visitors, len(values))
    return Summary.from_sums(n=n, total=sum(values), total_of_squares=sum(v * v for v in values))


def uplift_metrics(
    *, orders: Iterable[OrderRow], visitors: Mapping[str, int], min_sample: int
) -> tuple[list[Metric], dict[str, int]]:
    """The four figures, treatment against control, and each group's number of orders.

    The verdict needs `min_sample` orders in the smaller group, for every metric: a thousand
    visitors and two orders say nothing yet."""
    buyers = buyers_by_group(orders)
    order_counts = {group: buyers[group].order_count for group in GROUPS}
    fewest_orders = min(order_counts.values())

    def metric(key, label, unit, summaries: dict[str, Summary]) -> Metric:
        comparison = compare(
            treatment=summaries[TREATMENT],
            control=summaries[CONTROL],
            min_sample=min_sample,
            sample_size=fewest_orders,
        )
        return Metric(key, label, unit, comparison)

    def summary(key: str, group: str) -> Summary:
        of = buyers[group]
        if key == "aov":
            return Summary.of_ratio(numerators=of.revenue, denominators=of.orders)
        if key == "items":
            return Summary.of_ratio(numerators=of.items, denominators=of.orders)
        if key == "rpv":
            return _per_visitor(of.revenue, visitors=visitors.get(group, 0))
        return _per_visitor(of.orders, visitors=visitors.get(group, 0))

    metrics = [
        metric(key, label, unit, {group: summary(key, group) for group in GROUPS}) for key, label, unit in METRICS
    ]
    return metrics, order_counts
