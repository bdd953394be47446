"""Pure statistics for the holdout comparison: no Django, no database.

Welch's t interval for a difference of means (treatment minus control) with unequal
variances and the Welch–Satterthwaite degrees of freedom.

The observations must be independent, and orders are not: one buyer's orders share their
budget, their tastes and their group. So every figure is summarised over *independent
units* — buyers, or visitors — never over orders:

- a mean over visitors (revenue or orders per visitor) takes each unit's total, the
  visitors who bought nothing counting as zeros (`Summary.from_sums`);
- a mean over orders (order value, items per order) is a ratio of two per-buyer totals,
  Σ value / Σ orders, whose variance is the delta method's (`Summary.of_ratio`).

Both give a `Summary` whose `variance / n` is the variance of its mean, so one Welch
interval serves every metric. `uplift_coverage` checks the result by simulation.
"""

import math
from collections.abc import Sequence
from dataclasses import dataclass
from enum import StrEnum

from scipy.stats import t as student_t


@dataclass(frozen=True)
class Summary:
    n: int
    mean: float
    variance: float  # sample variance (n - 1 in the denominator); 0 when n < 2

    @classmethod
    def of(cls, values: Sequence[float]) -> "Summary":
        n = len(values)
        if n == 0:
            return cls(n=0, mean=0.0, variance=0.0)
        mean = math.fsum(values) / n
        variance = math.fsum((v - mean) ** 2 for v in values) / (n - 1) if n > 1 else 0.0
        return cls(n=n, mean=mean, variance=variance)

    @classmethod
    def from_sums(cls, *, n: int, total: float, total_of_squares: float) -> "Summary":
        """From n, Σx and Σx² (values not listed are zeros: revenue per visitor counts the
        visitors who bought nothing without a row each)."""
        if n == 0:
            return cls(n=0, mean=0.0, variance=0.0)
        mean = total / n
        variance = max(total_of_squares - n * mean * mean, 0.0) / (n - 1) if n > 1 else 0.0
        return cls(n=n, mean=mean, variance=variance)

    @classmethod
    def of_ratio(cls, *, numerators: Sequence[float], denominators: Sequence[float]) -> "Summary":
        """Σy / Σx over n independent units: a buyer's order values (y) over their number of
        orders (x) is the average order value, one order per order counted once.

        The estimate is the pooled ratio R = Σy / Σx. Its variance by the delta method is
        Σ(y − R·x)² / ((n − 1) · n · x̄²); the summary's `variance` is that times n, so that
        `variance / n` is the ratio's variance as for a plain mean. With one order per buyer
        (every x = 1) it is exactly `Summary.of(y)`.
        """
        n = len(numerators)
        if n != len(denominators):
            raise ValueError(f"{n} numerators for {len(denominators)} denominators")
        x_total = math.fsum(denominators)
        if n == 0 or x_total <= 0:
            return cls(n=0, mean=0.0, variance=0.0)
        ratio = math.fsum(numerators) / x_total
        if n < 2:
            return cls(n=n, mean=ratio, variance=0.0)
        x_mean = x_total / n
        residuals = math.fsum((y - ratio * x) ** 2 for y, x in zip(numerators, denominators, strict=True))
        return cls(n=n, mean=ratio, variance=residuals / (n - 1) / (x_mean * x_mean))

    @classmethod
    def proportion(cls, *, successes: int, n: int) -> "Summary":
        successes = min(successes, n)
        return cls.from_sums(n=n, total=float(successes), total_of_squares=float(successes))


@dataclass(frozen=True)
class Interval:
    difference: float
    low: float
    high: float
    standard_error: float
    degrees_of_freedom: float
    confidence: float

    @property
    def contains_zero(self) -> bool:
        return self.low <= 0.0 <= self.high

    def contains(self, value: float) -> bool:
        return self.low <= value <= self.high


def welch_interval(*, treatment: Summary, control: Summary, confidence: float = 0.95) -> Interval | None:
    """The confidence interval for treatment.mean − control.mean; None when either group
    has fewer than two observations (no variance, no interval)."""
    if treatment.n < 2 or control.n < 2:
        return None
    difference = treatment.mean - control.mean
    a = treatment.variance / treatment.n
    b = control.variance / control.n
    standard_error = math.sqrt(a + b)
    if standard_error == 0.0:
        # Both groups constant: the difference is known exactly.
        return Interval(difference, difference, difference, 0.0, math.inf, confidence)
    df = (a + b) ** 2 / (a * a / (treatment.n - 1) + b * b / (control.n - 1))
    margin = float(student_t.ppf(0.5 + confidence / 2, df)) * standard_error
    return Interval(difference, difference - margin, difference + margin, standard_error, df, confidence)


class Verdict(StrEnum):
    TOO_SMALL = "too_small"
    NO_DIFFERENCE = "no_difference"
    HIGHER = "higher"
    LOWER = "lower"


@dataclass(frozen=True)
class Comparison:
    treatment: Summary
    control: Summary
    interval: Interval | None
    verdict: Verdict

    @property
    def relative_uplift(self) -> float | None:
        """The difference as a share of the control mean (0.12 = +12%)."""
        if self.control.mean == 0:
            return None
        return (self.treatment.mean - self.control.mean) / self.control.mean


def compare(
    *,
    treatment: Summary,
    control: Summary,
    min_sample: int,
    sample_size: int | None = None,
    confidence: float = 0.95,
) -> Comparison:
    """Treatment against control, with a verdict a shop owner can read: too small to tell
    (the smaller group under `min_sample`), no clear difference (the interval contains
    zero), or clearly higher / lower.

    `sample_size` is what must reach `min_sample` when it isn't the number of observations:
    for conversion, the orders, not the visitors (a thousand visitors and two orders say
    nothing yet)."""
    interval = welch_interval(treatment=treatment, control=control, confidence=confidence)
    if sample_size is None:
        sample_size = min(treatment.n, control.n)
    if interval is None or sample_size < max(min_sample, 2):
        verdict = Verdict.TOO_SMALL
    elif interval.contains_zero:
        verdict = Verdict.NO_DIFFERENCE
    elif interval.low > 0:
        verdict = Verdict.HIGHER
    else:
        verdict = Verdict.LOWER
    return Comparison(treatment=treatment, control=control, interval=interval, verdict=verdict)
