"""Daily charts drawn as SVG on the server: geometry here, markup in the template.
No chart library, nothing loaded from outside."""

import math
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date

# The viewBox; the SVG scales to its box, so the text stays readable at about this width.
WIDTH = 560
HEIGHT = 230
LEFT, RIGHT, TOP, BOTTOM = 48, 10, 10, 26
Y_TICKS = 4


@dataclass(frozen=True)
class Tick:
    position: float
    label: str


@dataclass(frozen=True)
class Line:
    label: str
    css_class: str
    points: str  # "x,y x,y …" for <polyline points>
    total: float


@dataclass(frozen=True)
class Bar:
    x: float
    y: float
    width: float
    height: float
    title: str


@dataclass(frozen=True)
class Chart:
    width: int
    height: int
    left: int
    bottom: float  # y of the x axis
    right: float
    x_ticks: list[Tick]
    y_ticks: list[Tick]
    lines: list[Line]
    bars: list[Bar]

    @property
    def is_empty(self) -> bool:
        return all(line.total == 0 for line in self.lines) and all(bar.height == 0 for bar in self.bars)


def _nice_step(value: float) -> float:
    """1, 2 or 5 times a power of ten, at least `value`: a round gridline step."""
    if value <= 0:
        return 1.0
    magnitude = 10 ** math.floor(math.log10(value))
    for step in (1, 2, 5, 10):
        if value <= step * magnitude:
            return step * magnitude
    return 10 * magnitude


def _format(value: float, money: bool) -> str:
    if money:
        return f"£{value:,.0f}"
    return f"{value:,.0f}" if value >= 10 or value == int(value) else f"{value:.1f}"


def _frame(days: Sequence[date], top_value: float, money: bool, *, slots: bool = False):
    """Scales for the plot area. Lines run edge to edge; bars (`slots`) sit in the middle of
    one slot per day, so the first and last stay inside the axes."""
    plot_width = WIDTH - LEFT - RIGHT
    plot_height = HEIGHT - TOP - BOTTOM
    step_y = max(_nice_step(top_value / Y_TICKS), 1.0)
    y_max = step_y * Y_TICKS
    if slots:
        step_x = plot_width / max(len(days), 1)
        offset = step_x / 2
    else:
        step_x = plot_width / max(len(days) - 1, 1)
        offset = 0.0

    def x(i: int) -> float:
        return round(LEFT + offset + i * step_x, 1)

    def y(value: float) -> float:
        return round(TOP + plot_height * (1 - value / y_max), 1)

    every = max(1, math.ceil(len(days) / 6))
    x_ticks = [Tick(x(i), day.strftime("%d %b")) for i, day in enumerate(days) if i % every == 0]
    y_ticks = [Tick(y(step_y * k), _format(step_y * k, money)) for k in range(Y_TICKS + 1)]
    return x, y, x_ticks, y_ticks, step_x


def line_chart(
    *, days: Sequence[date], series: Sequence[tuple[str, str, Sequence[float]]], money: bool = False
) -> Chart:
    """One polyline per (label, css class, values per day)."""
    top = max((float(v) for _, _, values in series for v in values), default=0.0)
    x, y, x_ticks, y_ticks, _ = _frame(days, top, money)
    lines = [
        Line(
            label=label,
            css_class=css_class,
            points=" ".join(f"{x(i)},{y(float(v))}" for i, v in enumerate(values)),
            total=float(sum(values)),
        )
        for label, css_class, values in series
    ]
    return Chart(WIDTH, HEIGHT, LEFT, HEIGHT - BOTTOM, WIDTH - RIGHT, x_ticks, y_ticks, lines, [])


def bar_chart(*, days: Sequence[date], values: Sequence[float], money: bool = False) -> Chart:
    top = max((float(v) for v in values), default=0.0)
    x, y, x_ticks, y_ticks, step_x = _frame(days, top, money, slots=True)
    width = max(min(step_x * 0.7, 28), 2)
    base = HEIGHT - BOTTOM
    bars = []
    for i, (day, value) in enumerate(zip(days, values, strict=True)):
        top_y = y(float(value))
        bars.append(
            Bar(
                x=round(x(i) - width / 2, 1),
                y=top_y,
                width=round(width, 1),
                height=round(base - top_y, 1),
                title=f"{day:%d %b}: {_format(float(value), money) if not money else f'£{value:,.2f}'}",
            )
        )
    return Chart(WIDTH, HEIGHT, LEFT, base, WIDTH - RIGHT, x_ticks, y_ticks, [], bars)
