"""The uplift intervals contain the true effect as often as they say, and the dashboard's
selector computes exactly what the coverage study checks.

The fast study: 100 simulated periods of the balanced wholesale scenario (buyers with several
orders each). A correct 95% interval covers fewer than 88 of 100 with probability under 1%
(binomial, at a true 94%); the intervals that treated every order as independent cover about
60–70 and fail it, which `test_the_fast_study_fails_intervals_that_treat_orders_as_independent`
keeps checking. `manage.py uplift_coverage` runs the full study.
"""

import uuid
from dataclasses import replace
from datetime import timedelta
from decimal import Decimal
from io import StringIO

import numpy as np
import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.utils import timezone

from recommendations.measurement.coverage import (
    BALANCED,
    METRIC_KEYS,
    REGULARS,
    coverage_study,
    simulate_period,
    true_effects,
    true_values,
    wilson_interval,
)
from recommendations.measurement.models import Visitor
from recommendations.measurement.selectors import Period, holdout_report
from recommendations.measurement.uplift import uplift_metrics
from shop.orders.models import Order, OrderLine
from tests.factories import UserFactory

FAST_RUNS = 100
FLOOR = 0.88  # of FAST_RUNS; see the module docstring
SE_FLOOR = 0.75  # the intervals' mean standard error over the estimates' spread across runs


@pytest.fixture(scope="module")
def fast_study():
    return coverage_study(scenario=BALANCED, runs=FAST_RUNS, seed=20)


def test_every_dashboard_metric_covers_the_true_effect_in_the_fast_study(fast_study):
    assert set(fast_study.metrics) == set(METRIC_KEYS)
    for metric in fast_study.metrics.values():
        assert metric.runs == FAST_RUNS, metric.key
        assert metric.coverage >= FLOOR, (metric.key, metric.coverage)
        assert metric.se_ratio >= SE_FLOOR, (metric.key, metric.se_ratio)


def test_the_fast_study_fails_intervals_that_treat_orders_as_independent():
    before = coverage_study(scenario=BALANCED, runs=FAST_RUNS, seed=20, naive=True)
    for metric in before.metrics.values():
        assert metric.coverage < FLOOR, (metric.key, metric.coverage)
        assert metric.se_ratio < SE_FLOOR, (metric.key, metric.se_ratio)


def test_the_simulated_buyers_place_several_orders_each(fast_study):
    # the property the old intervals got wrong must be there to be caught
    assert fast_study.repeat_orders > 0.5


def test_the_true_effects_are_the_population_figures_of_a_very_large_period():
    # given: one period of two million visitors, split like the scenario
    big = replace(REGULARS, visitors=2_000_000, control_share=0.5)
    rows, visitors = simulate_period(big, np.random.default_rng(4))
    # when: each group's figures are computed from the rows
    measured = {}
    for group in ("treatment", "control"):
        totals = np.array([row.total for row in rows if row.group == group])
        items = np.array([row.items for row in rows if row.group == group])
        measured[group] = {
            "aov": totals.mean(),
            "items": items.mean(),
            "rpv": totals.sum() / visitors[group],
            "conversion": len(totals) / visitors[group],
        }
    # then: they agree with the model's expectations to within sampling error
    for group in ("treatment", "control"):
        expected = true_values(big, group)
        for key in METRIC_KEYS:
            assert measured[group][key] == pytest.approx(expected[key], rel=0.02), (group, key)


def test_the_true_order_value_effect_includes_the_shift_in_who_buys():
    # Recommendations convert more occasional visitors (smaller baskets) than regulars, so
    # the order value moves by less than the recommended item adds to an order.
    item_alone = REGULARS.accept * REGULARS.rec_price * np.exp(REGULARS.rec_spread**2 / 2)
    assert true_effects(REGULARS)["aov"] < item_alone - 0.3
    no_mix_shift = replace(REGULARS, types=tuple(replace(t, conversion_lift=1.0) for t in REGULARS.types))
    assert true_effects(no_mix_shift)["aov"] == pytest.approx(item_alone)


def test_the_coverage_figure_comes_with_its_own_binomial_interval():
    low, high = wilson_interval(95, 100)
    assert low == pytest.approx(0.8882, abs=1e-3)
    assert high == pytest.approx(0.9785, abs=1e-3)


@pytest.mark.django_db
def test_the_selector_gives_the_figures_the_study_computes_from_the_same_rows():
    # given: a simulated period written as the rows the dashboard reads
    rows, visitors = simulate_period(replace(BALANCED, visitors=800), np.random.default_rng(8))
    users = {uid: UserFactory() for uid in {row.user_id for row in rows if row.user_id is not None}}
    now = timezone.now()
    for group, n in visitors.items():
        Visitor.objects.bulk_create(Visitor(key=uuid.uuid4().hex, group=group) for _ in range(n))
    orders = Order.objects.bulk_create(
        Order(
            number=f"S{i:06d}",
            email=row.email.upper() if i % 3 == 0 else row.email,
            user=users.get(row.user_id),
            rec_group=row.group,
            total=Decimal(f"{row.total:.2f}"),
            placed_at=now - timedelta(hours=i % 48),
            status=Order.Status.PAID,
        )
        for i, row in enumerate(rows)
    )
    OrderLine.objects.bulk_create(
        OrderLine(
            order=order, sku="SIM", name="Simulated", unit_price=order.total, quantity=row.items, line_total=order.total
        )
        for order, row in zip(orders, rows, strict=True)
    )
    # when
    report = holdout_report(period=Period.last_days(7))
    by_rows, order_counts = uplift_metrics(
        orders=[row._replace(user_id=users[row.user_id].pk if row.user_id is not None else None) for row in rows],
        visitors=visitors,
        min_sample=report.min_sample,
    )
    # then
    assert report.orders == order_counts
    assert report.visitors == visitors
    for from_db, from_rows in zip(report.metrics, by_rows, strict=True):
        assert from_db.key == from_rows.key
        assert from_db.comparison.treatment.n == from_rows.comparison.treatment.n
        assert from_db.comparison.interval.low == pytest.approx(from_rows.comparison.interval.low)
        assert from_db.comparison.interval.high == pytest.approx(from_rows.comparison.interval.high)


def test_the_command_prints_the_coverage_table_before_and_after():
    out = StringIO()
    call_command("uplift_coverage", runs=30, before=True, scenario=[BALANCED.name], stdout=out)
    report = out.getvalue()
    assert "intervals per order (before)" in report and "intervals per buyer" in report
    for label in ("Average order value", "Items per order", "Revenue per visitor", "Conversion"):
        assert report.count(label) >= 2
    assert "95% CI of coverage" in report


def test_the_command_refuses_a_study_of_one_run():
    with pytest.raises(CommandError, match="at least 2"):
        call_command("uplift_coverage", runs=1, stdout=StringIO())



def test_the_command_refuses_a_period_too_small_to_simulate():
    with pytest.raises(CommandError, match="--visitors must be at least 100"):
        call_command("uplift_coverage", runs=10, visitors=20, stdout=StringIO())
