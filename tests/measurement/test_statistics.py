"""Interval arithmetic on known samples."""

import math

import numpy as np
import pytest
from scipy import stats

from recommendations.measurement.statistics import Summary, Verdict, compare, welch_interval


def test_summary_uses_the_sample_variance():
    summary = Summary.of([2.0, 4.0, 4.0, 4.0, 5.0, 5.0, 7.0, 9.0])
    assert summary.n == 8
    assert summary.mean == 5.0
    assert summary.variance == pytest.approx(32 / 7)


def test_welch_interval_matches_the_hand_computed_one():
    # given: treatment 1..5 (mean 3, s² 2.5), control 2,4,..,10 (mean 6, s² 10)
    treatment = Summary.of([1, 2, 3, 4, 5])
    control = Summary.of([2, 4, 6, 8, 10])
    # by hand: se = √(2.5/5 + 10/5) = √2.5 = 1.58114;
    # df = 2.5² / ((0.5²)/4 + (2²)/4) = 6.25 / 1.0625 = 5.88235;
    # t(0.975, 5.88235) = 2.45882 (tables: 2.4469 at 6 df, 2.5706 at 5 df)
    # so the interval is −3 ± 2.45882 × 1.58114 = −3 ± 3.88774
    interval = welch_interval(treatment=treatment, control=control)
    assert interval.difference == -3.0
    assert interval.standard_error == pytest.approx(1.581139, abs=1e-6)
    assert interval.degrees_of_freedom == pytest.approx(5.882353, abs=1e-6)
    assert interval.low == pytest.approx(-6.88774, abs=1e-4)
    assert interval.high == pytest.approx(0.88774, abs=1e-4)
    assert interval.contains_zero


def test_welch_interval_agrees_with_scipy_on_uneven_groups():
    treatment = [31.5, 44.0, 52.25, 18.0, 63.1, 47.9, 39.0, 58.4, 27.7]
    control = [22.0, 35.5, 29.9, 41.0, 19.5, 33.3]
    interval = welch_interval(treatment=Summary.of(treatment), control=Summary.of(control), confidence=0.9)
    expected = stats.ttest_ind(treatment, control, equal_var=False).confidence_interval(confidence_level=0.9)
    assert interval.low == pytest.approx(expected.low)
    assert interval.high == pytest.approx(expected.high)


def test_summary_from_sums_counts_the_missing_values_as_zeros():
    # Revenue per visitor: 3 buyers among 10 visitors.
    values = [40.0, 10.0, 25.0] + [0.0] * 7
    from_sums = Summary.from_sums(n=10, total=75.0, total_of_squares=40.0**2 + 10.0**2 + 25.0**2)
    direct = Summary.of(values)
    assert from_sums.mean == pytest.approx(direct.mean)
    assert from_sums.variance == pytest.approx(direct.variance)


def test_a_proportion_is_a_mean_of_zeros_and_ones():
    summary = Summary.proportion(successes=3, n=12)
    assert summary.mean == 0.25
    assert summary.variance == pytest.approx(Summary.of([1.0] * 3 + [0.0] * 9).variance)


def test_no_interval_without_two_observations_in_each_group():
    assert welch_interval(treatment=Summary.of([1.0]), control=Summary.of([1.0, 2.0])) is None


def test_two_constant_groups_have_an_exact_difference():
    interval = welch_interval(treatment=Summary.of([5.0, 5.0]), control=Summary.of([3.0, 3.0]))
    assert (interval.low, interval.high) == (2.0, 2.0)
    assert math.isinf(interval.degrees_of_freedom)


def test_small_samples_are_too_small_to_tell_even_with_a_large_difference():
    comparison = compare(treatment=Summary.of([100.0, 110.0]), control=Summary.of([1.0, 2.0]), min_sample=30)
    assert comparison.verdict == Verdict.TOO_SMALL


def test_a_clear_increase_is_reported_as_higher():
    treatment = Summary(n=400, mean=60.0, variance=100.0)
    control = Summary(n=400, mean=50.0, variance=100.0)
    comparison = compare(treatment=treatment, control=control, min_sample=30)
    assert comparison.verdict == Verdict.HIGHER
    assert comparison.relative_uplift == pytest.approx(0.2)


def test_overlapping_groups_show_no_clear_difference():
    treatment = Summary(n=100, mean=50.5, variance=400.0)
    control = Summary(n=100, mean=50.0, variance=400.0)
    assert compare(treatment=treatment, control=control, min_sample=30).verdict == Verdict.NO_DIFFERENCE


def test_the_sample_size_that_must_be_large_enough_can_be_the_orders_not_the_visitors():
    treatment = Summary.proportion(successes=5, n=5000)
    control = Summary.proportion(successes=1, n=600)
    assert compare(treatment=treatment, control=control, min_sample=30, sample_size=1).verdict == Verdict.TOO_SMALL


def test_a_ratio_with_one_order_per_buyer_is_the_plain_mean():
    values = [31.5, 44.0, 52.25, 18.0, 63.1]
    ratio = Summary.of_ratio(numerators=values, denominators=[1.0] * 5)
    plain = Summary.of(values)
    assert (ratio.n, ratio.mean) == (plain.n, pytest.approx(plain.mean))
    assert ratio.variance == pytest.approx(plain.variance)


def test_a_ratios_variance_is_the_delta_methods_over_buyers():
    # given: three buyers with 10 over 1 order, 30 over 3 and 20 over 1
    ratio = Summary.of_ratio(numerators=[10.0, 30.0, 20.0], denominators=[1.0, 3.0, 1.0])
    # by hand: R = 60 / 5 = 12; residuals y − R·x = −2, −6, 8 (squares sum to 104);
    # x̄ = 5/3, so variance = 104 / 2 / (25/9) = 18.72 and the ratio's SE is √(18.72 / 3)
    assert ratio.n == 3
    assert ratio.mean == 12.0
    assert ratio.variance == pytest.approx(18.72)


def test_a_ratios_standard_error_matches_its_spread_over_many_samples():
    # given: 2,000 samples of 150 buyers, each with 1–6 orders whose values share the
    # buyer's level (the case that made orders look independent when they were not)
    rng = np.random.default_rng(3)
    ratios, standard_errors = [], []
    for _ in range(2000):
        orders = rng.integers(1, 7, 150).astype(float)
        level = rng.lognormal(3.0, 0.6, 150)
        revenue = np.array([level[i] * rng.lognormal(0.0, 0.4, int(k)).sum() for i, k in enumerate(orders)])
        summary = Summary.of_ratio(numerators=revenue.tolist(), denominators=orders.tolist())
        ratios.append(summary.mean)
        standard_errors.append(math.sqrt(summary.variance / summary.n))
    # then: the delta method's standard error is the ratio's actual spread
    assert np.mean(standard_errors) == pytest.approx(np.std(ratios, ddof=1), rel=0.05)


def test_a_ratio_needs_as_many_denominators_as_numerators():
    with pytest.raises(ValueError, match="2 numerators for 3 denominators"):
        Summary.of_ratio(numerators=[1.0, 2.0], denominators=[1.0, 1.0, 1.0])


def test_a_ratio_of_nothing_is_empty():
    assert Summary.of_ratio(numerators=[], denominators=[]).n == 0
