"""Reads for the recommendations dashboard: a fixed number of aggregate queries whatever the
number of placements, products, days or orders. Events and visitors are read through
history.py, which answers from the kept daily counts for days whose raw rows are gone."""

from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from decimal import Decimal

from django.conf import settings
from django.db.models import Count, Min, Q, Sum
from django.db.models.functions import TruncDate
from django.utils import timezone

from shop.orders.models import Order, OrderAdjustment, OrderLine

from .holdout import CONTROL, TREATMENT
from .history import EVENT_KINDS, DayCount, period_counts
from .models import DailyCount, Event
from .uplift import Metric, OrderRow, uplift_metrics

ZERO = Decimal("0.00")


def _rate(numerator, denominator) -> float | None:
    return numerator / denominator if denominator else None


@dataclass(frozen=True)
class Period:
    start: datetime
    end: datetime

    @classmethod
    def last_days(cls, days: int, *, now: datetime | None = None) -> "Period":
        now = now or timezone.now()
        today = timezone.localdate(now)
        start = timezone.make_aware(datetime.combine(today - timedelta(days=days - 1), datetime.min.time()))
        return cls(start=start, end=now)

    @property
    def days(self) -> list[date]:
        first, last = timezone.localdate(self.start), timezone.localdate(self.end)
        return [first + timedelta(days=i) for i in range((last - first).days + 1)]


@dataclass
class SourceRow:
    source: str
    items_shown: int = 0
    clicks: int = 0
    adds: int = 0
    revenue: Decimal = ZERO
    lines: int = 0


@dataclass
class PlacementRow:
    placement: str
    blocks: int = 0
    items_shown: int = 0
    clicks: int = 0
    adds: int = 0
    orders: int = 0
    revenue: Decimal = ZERO
    sources: dict[str, SourceRow] = field(default_factory=dict)
    attach_rate: float | None = None

    @property
    def ctr(self) -> float | None:
        """Clicks per block shown."""
        return _rate(self.clicks, self.blocks)

    @property
    def add_rate(self) -> float | None:
        """Adds to cart per block shown."""
        return _rate(self.adds, self.blocks)

    def source(self, name: str) -> SourceRow:
        return self.sources.setdefault(name, SourceRow(source=name))


def _counts(period: Period, kinds) -> list[DayCount]:
    """Events, blocks or visitors of the period: kept daily counts for the days whose raw
    rows housekeeping has deleted, raw rows after (history.py)."""
    return period_counts(start=period.start, end=period.end, kinds=kinds)


def _attributed_lines(period: Period):
    return OrderLine.objects.filter(
        order__in=Order.objects.counted().filter(placed_at__gte=period.start, placed_at__lte=period.end),
    ).exclude(rec_placement="")


def placement_performance(*, period: Period) -> list[PlacementRow]:
    """Per placement (and source within it): impressions, clicks, adds, attributed orders and
    revenue, attach rate. Five queries."""
    rows: dict[str, PlacementRow] = {}

    def row(name: str) -> PlacementRow:
        return rows.setdefault(name, PlacementRow(placement=name))

    kind_field = {Event.Kind.IMPRESSION: "items_shown", Event.Kind.CLICK: "clicks", Event.Kind.ADD: "adds"}
    for item in _counts(period, [*EVENT_KINDS, DailyCount.Kind.BLOCK]):
        if item.kind == DailyCount.Kind.BLOCK:
            row(item.placement).blocks += item.count
            continue
        attribute = kind_field[item.kind]
        placement = row(item.placement)
        setattr(placement, attribute, getattr(placement, attribute) + item.count)
        source = placement.source(item.source)
        setattr(source, attribute, getattr(source, attribute) + item.count)

    lines = _attributed_lines(period)
    for item in (
        lines.values("rec_placement", "rec_source").annotate(revenue=Sum("line_total"), n=Count("id")).order_by()
    ):
        placement = row(item["rec_placement"])
        placement.revenue += item["revenue"] or ZERO
        source = placement.source(item["rec_source"])
        source.revenue += item["revenue"] or ZERO
        source.lines += item["n"]
    for item in lines.values("rec_placement").annotate(orders=Count("order", distinct=True)).order_by():
        row(item["rec_placement"]).orders = item["orders"]

    # Attach rate: of the orders whose shoppers could see recommendations (all but the
    # holdout), the share with at least one item from this placement.
    shown_orders = (
        Order.objects.counted()
        .filter(placed_at__gte=period.start, placed_at__lte=period.end)
        .exclude(rec_group=CONTROL)
        .count()
    )
    for placement in rows.values():
        placement.attach_rate = _rate(placement.orders, shown_orders)
    return sorted(rows.values(), key=lambda r: (-r.revenue, -r.blocks, r.placement))


@dataclass(frozen=True)
class HoldoutReport:
    metrics: list[Metric]
    orders: dict[str, int]
    visitors: dict[str, int]
    holdout_share: float
    min_sample: int


def holdout_report(*, period: Period) -> HoldoutReport:
    """Treatment against control: AOV, items per order, revenue per visitor, conversion, each
    with a 95% interval for the difference that treats each buyer, not each order, as one
    observation (uplift.py says how). The orders in one query, the visitors through history.py.

    The population: the visitors first seen in the period and the orders placed in it.
    """
    orders = (
        Order.objects.counted()
        .filter(placed_at__gte=period.start, placed_at__lte=period.end, rec_group__in=[TREATMENT, CONTROL])
        # Items, not service add-ons (lines of their own under their item's).
        .annotate(item_count=Sum("lines__quantity", filter=Q(lines__parent__isnull=True)))
        .values_list("rec_group", "user_id", "email", "total", "item_count")
    )
    visitors = {TREATMENT: 0, CONTROL: 0}
    for item in _counts(period, [DailyCount.Kind.VISITOR]):
        if item.group in visitors:
            visitors[item.group] += item.count
    min_sample = settings.RECOMMENDATIONS_MIN_SAMPLE
    metrics, order_counts = uplift_metrics(
        orders=(OrderRow(*row) for row in orders), visitors=visitors, min_sample=min_sample
    )
    return HoldoutReport(
        metrics=metrics,
        orders=order_counts,
        visitors=visitors,
        holdout_share=settings.RECOMMENDATIONS_HOLDOUT_SHARE,
        min_sample=min_sample,
    )


@dataclass
class ServiceRow:
    """What one service add-on did in the period: offered beside how many items, taken how
    often, and what was sold of it (every sale, whether or not it is still attributed)."""

    service_id: int | None
    name: str
    offered: int = 0
    adds: int = 0
    sold: int = 0
    revenue: Decimal = ZERO

    @property
    def take_rate(self) -> float | None:
        """Adds per offer shown."""
        return _rate(self.adds, self.offered)


def service_performance(*, period: Period) -> list[ServiceRow]:
    """Per service add-on: offers shown, adds, units sold and revenue, best earner first.
    Two queries."""
    rows: dict[int | str, ServiceRow] = {}
    events = (
        Event.objects.filter(created_at__gte=period.start, created_at__lte=period.end, service__isnull=False)
        .values("service_id", "service__name", "kind")
        .annotate(n=Count("id"))
        .order_by()
    )
    for item in events:
        row = rows.setdefault(item["service_id"], ServiceRow(service_id=item["service_id"], name=item["service__name"]))
        if item["kind"] == Event.Kind.IMPRESSION:
            row.offered += item["n"]
        elif item["kind"] == Event.Kind.ADD:
            row.adds += item["n"]
    sales = (
        OrderLine.objects.filter(
            order__in=Order.objects.counted().filter(placed_at__gte=period.start, placed_at__lte=period.end),
            parent__isnull=False,
        )
        .values("service_id", "name")
        .annotate(sold=Sum("quantity"), revenue=Sum("line_total"))
        .order_by()
    )
    for item in sales:
        # A deleted service's sales keep their snapshot name, one row per name.
        key = item["service_id"] if item["service_id"] is not None else f"deleted:{item['name']}"
        row = rows.setdefault(key, ServiceRow(service_id=item["service_id"], name=item["name"]))
        row.sold += item["sold"] or 0
        row.revenue += item["revenue"] or ZERO
    return sorted(rows.values(), key=lambda r: (-r.revenue, -r.adds, r.name))


@dataclass(frozen=True)
class OfferRow:
    """What one offer (a deal, a voucher, loyalty points) did in the period: the orders
    placed with it, the discount it gave and those orders' revenue."""

    kind: str
    code: str
    name: str
    orders: int
    discount: Decimal
    revenue: Decimal

    @property
    def revenue_per_pound_given(self) -> Decimal | None:
        return (self.revenue / self.discount).quantize(Decimal("0.01")) if self.discount else None


OFFER_KINDS = {"deal": "Deal of the day", "voucher": "Voucher", "points": "Loyalty points"}


def offer_performance(*, period: Period) -> list[OfferRow]:
    """Per deal, voucher and points: from the discounts snapshotted on the period's counted
    orders (shop.orders.OrderAdjustment, codes "deal:<id>", "voucher:<id>", "points:redeem"),
    best earner first. One query."""
    rows = (
        OrderAdjustment.objects.filter(
            order__in=Order.objects.counted().filter(placed_at__gte=period.start, placed_at__lte=period.end),
            code__regex=r"^(deal|voucher|points):",
        )
        .values("code")
        .annotate(orders=Count("order", distinct=True), discount=Sum("amount"), revenue=Sum("order__total"), name=Min("label"))
        .order_by()
    )
    offers = []
    for row in rows:
        kind = row["code"].split(":", 1)[0]
        name = "Loyalty points" if kind == "points" else row["name"].split(" (", 1)[0]
        offers.append(
            OfferRow(kind=OFFER_KINDS[kind], code=row["code"], name=name, orders=row["orders"],
                     discount=row["discount"] or ZERO, revenue=row["revenue"] or ZERO)
        )
    return sorted(offers, key=lambda r: (-r.revenue, r.name))


@dataclass(frozen=True)
class TopPair:
    anchor_id: int | None
    anchor_name: str
    product_id: int | None
    product_name: str
    placement: str
    orders: int
    revenue: Decimal


def top_pairs(*, period: Period, limit: int = 10) -> list[TopPair]:
    """Recommended pairs (shown for A, bought B) by attributed revenue. One query."""
    rows = (
        _attributed_lines(period)
        .filter(rec_anchor__isnull=False)
        .values("rec_anchor_id", "rec_anchor__name", "product_id", "name", "rec_placement")
        .annotate(revenue=Sum("line_total"), orders=Count("order", distinct=True))
        .order_by("-revenue", "rec_anchor__name", "name")[:limit]
    )
    return [
        TopPair(
            anchor_id=r["rec_anchor_id"],
            anchor_name=r["rec_anchor__name"],
            product_id=r["product_id"],
            product_name=r["name"],
            placement=r["rec_placement"],
            orders=r["orders"],
            revenue=r["revenue"],
        )
        for r in rows
    ]


@dataclass(frozen=True)
class Daily:
    days: list[date]
    impressions: list[int]
    clicks: list[int]
    adds: list[int]
    revenue: list[Decimal]
    orders_treatment: list[int]
    orders_control: list[int]


def daily_series(*, period: Period) -> Daily:
    """Per day: items shown, clicks, adds, attributed revenue, orders per group. Three queries."""
    days = period.days
    index = {day: i for i, day in enumerate(days)}
    counts = {kind: [0] * len(days) for kind in Event.Kind.values}
    for item in _counts(period, EVENT_KINDS):
        if item.day in index:
            counts[item.kind][index[item.day]] += item.count
    revenue = [ZERO] * len(days)
    for item in (
        _attributed_lines(period)
        .annotate(day=TruncDate("order__placed_at"))
        .values("day")
        .annotate(r=Sum("line_total"))
        .order_by()
    ):
        if item["day"] in index:
            revenue[index[item["day"]]] += item["r"] or ZERO
    by_group = {TREATMENT: [0] * len(days), CONTROL: [0] * len(days)}
    for item in (
        Order.objects.counted()
        .filter(placed_at__gte=period.start, placed_at__lte=period.end, rec_group__in=[TREATMENT, CONTROL])
        .annotate(day=TruncDate("placed_at"))
        .values("day", "rec_group")
        .annotate(n=Count("id"))
        .order_by()
    ):
        if item["day"] in index:
            by_group[item["rec_group"]][index[item["day"]]] += item["n"]
    return Daily(
        days=days,
        impressions=counts[Event.Kind.IMPRESSION],
        clicks=counts[Event.Kind.CLICK],
        adds=counts[Event.Kind.ADD],
        revenue=revenue,
        orders_treatment=by_group[TREATMENT],
        orders_control=by_group[CONTROL],
    )
