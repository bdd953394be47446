"""Numbers into words for the dashboard: what a shop owner reads, not what the test computes."""

from dataclasses import dataclass

from django.conf import settings

from .selectors import HoldoutReport, Metric
from .statistics import Verdict


def _value(value: float, unit: str, *, signed: bool = False) -> str:
    sign = "+" if signed and value > 0 else ("−" if value < 0 else "")
    magnitude = abs(value)
    if unit == "money":
        return f"{sign}{settings.CURRENCY_SYMBOL}{magnitude:,.2f}"
    if unit == "percent":
        return f"{sign}{magnitude * 100:.2f}{' pts' if signed else '%'}"
    return f"{sign}{magnitude:,.2f}"


@dataclass(frozen=True)
class MetricView:
    label: str
    treatment: str
    control: str
    difference: str
    interval: str
    relative: str
    verdict: str
    message: str


def describe(metric: Metric, report: HoldoutReport) -> MetricView:
    c = metric.comparison
    unit = metric.unit
    interval = c.interval
    relative = f"{c.relative_uplift * 100:+.1f}%" if c.relative_uplift is not None and c.control.n else ""
    if c.verdict == Verdict.TOO_SMALL:
        fewest = min(report.orders.values())
        message = (
            f"Sample too small to tell: {fewest} order{'s' if fewest != 1 else ''} in the smaller group, "
            f"at least {report.min_sample} needed in each."
        )
    elif c.verdict == Verdict.NO_DIFFERENCE:
        message = "No clear difference yet: the 95% interval includes zero."
    else:
        direction = "higher" if c.verdict == Verdict.HIGHER else "lower"
        message = (
            f"{metric.label} is {direction} with recommendations: "
            f"{_value(interval.difference, unit, signed=True)} "
            f"(95% CI {_value(interval.low, unit, signed=True)} to {_value(interval.high, unit, signed=True)})."
        )
    return MetricView(
        label=metric.label,
        treatment=_value(c.treatment.mean, unit) if c.treatment.n else "—",
        control=_value(c.control.mean, unit) if c.control.n else "—",
        difference=_value(interval.difference, unit, signed=True) if interval else "—",
        interval=(
            f"{_value(interval.low, unit, signed=True)} to {_value(interval.high, unit, signed=True)}"
            if interval
            else "—"
        ),
        relative=relative,
        verdict=c.verdict.value,
        message=message,
    )
