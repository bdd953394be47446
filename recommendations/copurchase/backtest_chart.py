"""The snapshot admin's chart of the back-test over the last nights: an inline SVG drawn by
the template from the points computed here (no JavaScript)."""

from __future__ import annotations

from dataclasses import dataclass

from .models import Snapshot

CHART_NIGHTS = 30
WIDTH, HEIGHT, PAD = 640, 180, 28
SERIES = (("chosen", "Tuned (chosen)", "#1f6feb"), ("cocount", "Co-count", "#d97706"),
          ("popularity", "Popularity", "#6b7280"))


@dataclass(frozen=True)
class Series:
    key: str
    label: str
    colour: str
    points: str  # "x,y x,y …" for <polyline>
    dots: list[tuple[float, float, str]]  # x, y, tooltip


@dataclass(frozen=True)
class BacktestChart:
    width: int
    height: int
    series: list[Series]
    y_ticks: list[tuple[float, str]]
    x_labels: list[tuple[float, str]]
    nights: int


def backtest_chart(*, nights: int = CHART_NIGHTS) -> BacktestChart | None:
    """Hit-rate@3 on the held-out orders of the last `nights` snapshots that ran the back-test
    (full refreshes: an incremental night keeps its base's), oldest first."""
    rows = list(
        Snapshot.objects.exclude(backtest={}).exclude(backtest__has_key="reused_from")
        .exclude(status=Snapshot.Status.BUILDING)
        .order_by("-created_at", "-id").values("id", "created_at", "backtest")[:nights]
    )[::-1]
    rows = [r for r in rows if "figures" in r["backtest"]]  # a back-test with nothing to ask stores {}
    if not rows:
        return None
    values = [r["backtest"]["figures"].get(key, {}).get("hit3") for r in rows for key, _, _ in SERIES]
    top = max([v for v in values if v is not None] + [0.05])
    top = min(1.0, round(top * 1.15 + 0.005, 2))
    span_x = max(len(rows) - 1, 1)

    def x(i: int) -> float:
        return round(PAD + (WIDTH - 2 * PAD) * (i / span_x if len(rows) > 1 else 0.5), 1)

    def y(v: float) -> float:
        return round(HEIGHT - PAD - (HEIGHT - 2 * PAD) * v / top, 1)

    series = []
    for key, label, colour in SERIES:
        dots = [
            (x(i), y(hit), f"#{r['id']} {r['created_at']:%d %b}: {label} hit@3 {hit:.3f}")
            for i, r in enumerate(rows)
            if (hit := r["backtest"]["figures"].get(key, {}).get("hit3")) is not None
        ]
        series.append(Series(key, label, colour, " ".join(f"{px},{py}" for px, py, _ in dots), dots))
    ticks = [(y(top * f), f"{top * f:.2f}") for f in (0, 0.5, 1)]
    labels = [(x(i), f"{r['created_at']:%d %b}") for i, r in enumerate(rows) if i in {0, len(rows) - 1}]
    return BacktestChart(WIDTH, HEIGHT, series, ticks, labels, len(rows))
