"""Does the dashboard's 95% interval contain the true effect 95% of the time? A simulation
with a known effect, run through the dashboard's own code (uplift.uplift_metrics).

Each run draws a shop's period: visitors split at random between the groups, each of a
type that sets how likely they are to buy, how many orders they place and what their items
cost; a buyer's own price level and basket size tie their orders together (the reason
orders are not independent); in treatment an order takes a recommendation (one more item) with a known
chance, and some types convert more. The rows go to `uplift_metrics` exactly as the
selector's query gives them, and each metric's interval is checked against the truth.

The truth is the estimand the dashboard reports, worked out exactly from the model, on the
same population: per visitor, the expected orders, revenue and items; order value and items
per order are the ratios of those expectations (a pooled mean over orders, in which a buyer
with three orders counts three times — not the average of each buyer's mean). With types
that convert differently in each group the pooled order value moves with the mix of buyers
as well as with the recommendation, and the truth includes both.

`naive_metrics` is the dashboard's computation before it counted buyers (every order an
independent observation): kept so the study shows what it catches.
"""

import math
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field

import numpy as np

from .holdout import CONTROL, TREATMENT
from .statistics import Summary, compare
from .uplift import GROUPS, METRICS, Metric, OrderRow, uplift_metrics

METRIC_KEYS = tuple(key for key, _, _ in METRICS)


@dataclass(frozen=True)
class VisitorType:
    share: float  # of all visitors
    conversion: float  # chance a control visitor places at least one order
    conversion_lift: float  # the chance's multiplier in treatment
    repeat_orders: float  # mean number of orders after the first (Poisson)
    extra_items: float  # mean number of items after the first, per order (Poisson)
    item_price: float  # median price of one item
    price_spread: float  # σ of the log of an item's price


@dataclass(frozen=True)
class Scenario:
    name: str
    visitors: int
    control_share: float
    types: tuple[VisitorType, ...]
    accept: float  # chance a treatment order takes a recommendation: one more item
    rec_price: float  # median price of the recommended item
    rec_spread: float  # σ of the log of its price
    buyer_spread: float  # σ of the log of a buyer's price multiplier (its mean is 1)
    basket_spread: float  # coefficient of variation of a buyer's basket-size multiplier (mean 1)
    accounts: float = 0.3  # share of buyers with an account (some of their orders as guests)

    def __post_init__(self):
        if not math.isclose(sum(t.share for t in self.types), 1.0):
            raise ValueError(f"{self.name}: visitor type shares must add up to 1")


def _lognormal_mean(spread: float) -> float:
    return math.exp(spread * spread / 2)


def true_values(scenario: Scenario, group: str) -> dict[str, float]:
    """The expected figures of one group, from the model (no sampling)."""
    orders = revenue = items = 0.0
    accept = scenario.accept if group == TREATMENT else 0.0
    rec_value = accept * scenario.rec_price * _lognormal_mean(scenario.rec_spread)
    for t in scenario.types:
        conversion = min(t.conversion * (t.conversion_lift if group == TREATMENT else 1.0), 1.0)
        orders_per_visitor = t.share * conversion * (1 + t.repeat_orders)
        base_value = (1 + t.extra_items) * t.item_price * _lognormal_mean(t.price_spread)
        orders += orders_per_visitor
        revenue += orders_per_visitor * (base_value + rec_value)
        items += orders_per_visitor * (1 + t.extra_items + accept)
    return {"aov": revenue / orders, "items": items / orders, "rpv": revenue, "conversion": orders}


def true_effects(scenario: Scenario) -> dict[str, float]:
    treatment, control = true_values(scenario, TREATMENT), true_values(scenario, CONTROL)
    return {key: treatment[key] - control[key] for key in METRIC_KEYS}


def _mean_one_gamma(rng: np.random.Generator, spread: float, size: int) -> np.ndarray:
    """Multipliers with mean 1 and coefficient of variation `spread` (all 1 when it is 0)."""
    if spread <= 0:
        return np.ones(size)
    shape = 1 / (spread * spread)
    return rng.gamma(shape, 1 / shape, size)


def simulate_period(scenario: Scenario, rng: np.random.Generator) -> tuple[list[OrderRow], dict[str, int]]:
    """One period's counted orders (as the selector reads them) and visitors per group."""
    control_visitors = int(rng.binomial(scenario.visitors, scenario.control_share))
    visitors = {TREATMENT: scenario.visitors - control_visitors, CONTROL: control_visitors}
    rows: list[OrderRow] = []
    next_buyer = 0
    for group in GROUPS:
        by_type = rng.multinomial(visitors[group], [t.share for t in scenario.types])
        accept = scenario.accept if group == TREATMENT else 0.0
        for t, n in zip(scenario.types, by_type, strict=True):
            conversion = min(t.conversion * (t.conversion_lift if group == TREATMENT else 1.0), 1.0)
            buyers = int(rng.binomial(n, conversion))
            if not buyers:
                continue
            spend = rng.lognormal(-scenario.buyer_spread**2 / 2, scenario.buyer_spread, buyers)
            basket = _mean_one_gamma(rng, scenario.basket_spread, buyers)
            has_account = rng.random(buyers) < scenario.accounts
            order_counts = 1 + rng.poisson(t.repeat_orders, buyers)
            buyer_of_order = np.repeat(np.arange(buyers), order_counts)
            n_orders = len(buyer_of_order)
            base_items = 1 + rng.poisson(t.extra_items * basket[buyer_of_order])
            prices = t.item_price * rng.lognormal(0.0, t.price_spread, int(base_items.sum()))
            base_value = np.bincount(np.repeat(np.arange(n_orders), base_items), weights=prices, minlength=n_orders)
            took = rng.random(n_orders) < accept
            rec_value = np.where(took, scenario.rec_price * rng.lognormal(0.0, scenario.rec_spread, n_orders), 0.0)
            totals = np.round(spend[buyer_of_order] * (base_value + rec_value), 2)
            signed_in = has_account[buyer_of_order] & (rng.random(n_orders) < 0.7)
            item_counts = base_items + took
            emails = [f"buyer{next_buyer + b}@sim.example" for b in range(buyers)]
            rows.extend(
                OrderRow(group, next_buyer + b if signed else None, emails[b], total, count)
                for b, total, count, signed in zip(
                    buyer_of_order.tolist(), totals.tolist(), item_counts.tolist(), signed_in.tolist(), strict=True
                )
            )
            next_buyer += buyers
    return rows, visitors


def naive_metrics(*, orders: Iterable[OrderRow], visitors: Mapping[str, int], min_sample: int) -> list[Metric]:
    """The dashboard's figures as they were computed before buyers were counted: each order an
    independent observation; revenue per visitor from the orders' squares; conversion as a
    proportion of orders among visitors. Same estimates, narrower intervals."""
    totals: dict[str, list[float]] = {group: [] for group in GROUPS}
    items: dict[str, list[float]] = {group: [] for group in GROUPS}
    for row in orders:
        totals[row.group].append(float(row.total))
        items[row.group].append(float(row.items))
    fewest = min(len(v) for v in totals.values())

    def per_visitor(group):
        n = max(visitors[group], len(totals[group]))
        return Summary.from_sums(n=n, total=sum(totals[group]), total_of_squares=sum(v * v for v in totals[group]))

    def conversion(group):
        return Summary.proportion(successes=len(totals[group]), n=max(visitors[group], len(totals[group])))

    summaries = {
        "aov": (Summary.of(totals[TREATMENT]), Summary.of(totals[CONTROL])),
        "items": (Summary.of(items[TREATMENT]), Summary.of(items[CONTROL])),
        "rpv": (per_visitor(TREATMENT), per_visitor(CONTROL)),
        "conversion": (conversion(TREATMENT), conversion(CONTROL)),
    }
    return [
        Metric(
            key,
            label,
            unit,
            compare(treatment=summaries[key][0], control=summaries[key][1], min_sample=min_sample, sample_size=fewest),
        )
        for key, label, unit in METRICS
    ]


def wilson_interval(successes: int, n: int, z: float = 1.959964) -> tuple[float, float]:
    """The 95% interval of a proportion (Wilson's score interval): how sure the coverage
    figure itself is after n runs."""
    if n == 0:
        return 0.0, 1.0
    p = successes / n
    centre = (p + z * z / (2 * n)) / (1 + z * z / n)
    half = z * math.sqrt(p * (1 - p) / n + z * z / (4 * n * n)) / (1 + z * z / n)
    return centre - half, centre + half


@dataclass
class MetricCoverage:
    key: str
    label: str
    truth: float
    runs: int = 0  # runs that gave an interval
    covered: int = 0
    missed_low: int = 0  # the whole interval below the truth
    missed_high: int = 0
    estimates: list[float] = field(default_factory=list)
    standard_errors: list[float] = field(default_factory=list)

    @property
    def coverage(self) -> float:
        return self.covered / self.runs if self.runs else 0.0

    @property
    def coverage_interval(self) -> tuple[float, float]:
        return wilson_interval(self.covered, self.runs)

    @property
    def se_ratio(self) -> float:
        """The intervals' mean standard error over the estimates' spread across runs: 1 when
        the interval is as wide as it should be, below 1 when it is too narrow."""
        spread = float(np.std(self.estimates, ddof=1)) if len(self.estimates) > 1 else 0.0
        return float(np.mean(self.standard_errors)) / spread if spread else math.nan

    def add(self, metric: Metric) -> None:
        interval = metric.comparison.interval
        if interval is None:
            return
        self.runs += 1
        self.estimates.append(interval.difference)
        self.standard_errors.append(interval.standard_error)
        if interval.contains(self.truth):
            self.covered += 1
        elif interval.high < self.truth:
            self.missed_low += 1
        else:
            self.missed_high += 1


@dataclass
class StudyResult:
    scenario: Scenario
    method: str
    runs: int
    metrics: dict[str, MetricCoverage]
    orders: dict[str, float]  # mean per run, per group
    buyers: dict[str, float]  # mean per run, per group
    repeat_orders: float  # share of the orders that were a buyer's second or later


def coverage_study(
    *, scenario: Scenario, runs: int, seed: int, min_sample: int = 30, naive: bool = False
) -> StudyResult:
    """Run the scenario `runs` times and check every metric's interval against the truth."""
    rng = np.random.default_rng(seed)
    truth = true_effects(scenario)
    results = {key: MetricCoverage(key, label, truth[key]) for key, label, _ in METRICS}
    orders = {group: 0 for group in GROUPS}
    buyers = {group: 0 for group in GROUPS}
    for _ in range(runs):
        rows, visitors = simulate_period(scenario, rng)
        if naive:
            metrics = naive_metrics(orders=rows, visitors=visitors, min_sample=min_sample)
        else:
            metrics, _ = uplift_metrics(orders=rows, visitors=visitors, min_sample=min_sample)
        for metric in metrics:
            results[metric.key].add(metric)
        # (every simulated buyer has one address of their own)
        for group in GROUPS:
            orders[group] += sum(1 for row in rows if row.group == group)
            buyers[group] += len({row.email for row in rows if row.group == group})
    all_orders, all_buyers = sum(orders.values()), sum(buyers.values())
    return StudyResult(
        scenario=scenario,
        method="per order (before)" if naive else "per buyer",
        runs=runs,
        metrics=results,
        orders={group: n / runs for group, n in orders.items()},
        buyers={group: n / runs for group, n in buyers.items()},
        repeat_orders=1 - all_buyers / all_orders if all_orders else 0.0,
    )


# A month of a shop with a few repeat orders and a 10% holdout: the holdout is small, and
# order values are spread as a gift shop's are.
MONTH = Scenario(
    name="a month, 10% holdout",
    visitors=60_000,
    control_share=0.10,
    types=(VisitorType(1.0, 0.025, 1.05, 0.35, 1.2, 14.0, 0.7),),
    accept=0.25,
    rec_price=9.0,
    rec_spread=0.5,
    buyer_spread=0.5,
    basket_spread=0.6,
)

# Loyal regulars: a fifth of the visitors place most of the orders (two or three each,
# larger baskets); recommendations win over occasional visitors more than regulars, so the
# mix of buyers shifts and order value moves with it.
REGULARS = Scenario(
    name="regulars, several orders each",
    visitors=30_000,
    control_share=0.10,
    types=(
        VisitorType(0.8, 0.03, 1.15, 0.1, 0.8, 12.0, 0.7),
        VisitorType(0.2, 0.20, 1.0, 1.5, 2.0, 16.0, 0.6),
    ),
    accept=0.3,
    rec_price=8.0,
    rec_spread=0.5,
    buyer_spread=0.6,
    basket_spread=0.8,
)

# A short, balanced test: half the visitors held out, skewed order values, wholesale-sized
# repeat buying (the demo shop's customers order about four times a year).
BALANCED = Scenario(
    name="balanced 50/50, wholesale",
    visitors=3_000,
    control_share=0.5,
    types=(
        VisitorType(0.7, 0.04, 1.1, 0.5, 3.0, 6.0, 0.9),
        VisitorType(0.3, 0.12, 1.0, 3.0, 6.0, 5.0, 0.9),
    ),
    accept=0.35,
    rec_price=4.0,
    rec_spread=0.8,
    buyer_spread=0.8,
    basket_spread=1.0,
)

SCENARIOS: Sequence[Scenario] = (MONTH, REGULARS, BALANCED)
