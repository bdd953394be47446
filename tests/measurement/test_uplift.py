"""The dashboard's figures from plain rows: who is one buyer, and what each figure counts."""

import pytest

from recommendations.measurement.uplift import OrderRow, buyers_by_group, uplift_metrics

T, C = "treatment", "control"


def _metric(metrics, key):
    return next(m for m in metrics if m.key == key)


def test_orders_with_the_same_address_are_one_buyer_whatever_its_case():
    buyers = buyers_by_group(
        [
            OrderRow(T, None, "Ada@Example.com", 10.0, 1),
            OrderRow(T, None, " ada@example.com", 30.0, 2),
            OrderRow(T, None, "bob@example.com", 5.0, 1),
        ]
    )
    assert sorted(zip(buyers[T].orders, buyers[T].revenue, buyers[T].items)) == [(1.0, 5.0, 1.0), (2.0, 40.0, 3.0)]
    assert buyers[C].orders == []


def test_a_guest_order_joins_the_account_that_used_its_address():
    buyers = buyers_by_group(
        [
            OrderRow(T, 7, "ada@example.com", 10.0, 1),
            OrderRow(T, None, "ada@example.com", 20.0, 1),
            OrderRow(T, 7, "ada.work@example.com", 40.0, 1),
            OrderRow(T, None, "ada.work@example.com", 80.0, 1),
        ]
    )
    assert buyers[T].orders == [4.0]
    assert buyers[T].revenue == [150.0]


def test_the_same_address_in_both_groups_is_a_buyer_in_each():
    buyers = buyers_by_group(
        [OrderRow(T, None, "ada@example.com", 10.0, 1), OrderRow(C, None, "ada@example.com", 20.0, 1)]
    )
    assert (buyers[T].orders, buyers[C].orders) == ([1.0], [1.0])


def test_an_order_without_account_or_address_is_a_buyer_of_its_own():
    buyers = buyers_by_group([OrderRow(T, None, "", 10.0, 1), OrderRow(T, None, "", 20.0, 1)])
    assert buyers[T].orders == [1.0, 1.0]


def test_orders_outside_the_experiment_are_left_out():
    buyers = buyers_by_group([OrderRow("", None, "ada@example.com", 10.0, 1)])
    assert buyers == {T: buyers[T], C: buyers[C]} and not buyers[T].orders and not buyers[C].orders


def _rows(group, values, *, buyers):
    """Orders of `values`, spread round-robin over `buyers` addresses."""
    return [OrderRow(group, None, f"{group}{i % buyers}@example.com", v, 1 + i % 3) for i, v in enumerate(values)]


def test_a_buyers_alike_orders_widen_every_interval_they_would_narrow_as_strangers():
    # given: 60 orders per group; each buyer's orders are alike (a big spender's are all
    # big), placed by 10 buyers of 6 orders each, or by 60 buyers of one
    def orders(*, buyers):
        rows = []
        for group, shift in ((T, 3.0), (C, 0.0)):
            for i in range(60):
                buyer, level = (i if buyers == 60 else i // 6), i // 6
                rows.append(OrderRow(group, None, f"{group}{buyer}@example.com", 20.0 + 9 * level + shift, 1 + level % 3))
        return rows

    visitors = {T: 600, C: 600}
    apart, _ = uplift_metrics(orders=orders(buyers=60), visitors=visitors, min_sample=30)
    together, _ = uplift_metrics(orders=orders(buyers=10), visitors=visitors, min_sample=30)
    # then: the same estimates, and each interval wider for the ten regulars
    for key in ("aov", "items", "rpv", "conversion"):
        one, other = _metric(apart, key).comparison.interval, _metric(together, key).comparison.interval
        assert one.difference == pytest.approx(other.difference), key
        assert other.standard_error > 1.5 * one.standard_error, key


def test_conversion_is_orders_per_visitor_and_revenue_per_visitor_counts_the_visitors_who_bought_nothing():
    rows = _rows(T, [10.0, 20.0, 30.0], buyers=2) + _rows(C, [10.0, 10.0], buyers=2)
    metrics, orders = uplift_metrics(orders=rows, visitors={T: 100, C: 50}, min_sample=1)
    assert orders == {T: 3, C: 2}
    assert _metric(metrics, "conversion").comparison.treatment.mean == pytest.approx(0.03)
    assert _metric(metrics, "rpv").comparison.treatment.mean == pytest.approx(0.6)
    assert _metric(metrics, "rpv").comparison.control.mean == pytest.approx(0.4)
    assert _metric(metrics, "aov").comparison.treatment.mean == pytest.approx(20.0)
    assert _metric(metrics, "items").comparison.treatment.mean == pytest.approx(2.0)  # 1, 2, 3 items


def test_more_buyers_than_counted_visitors_count_each_buyer_once():
    # visitors first seen before the period who order in it
    rows = _rows(T, [10.0, 20.0, 30.0], buyers=3) + _rows(C, [10.0, 20.0, 30.0], buyers=3)
    metrics, _ = uplift_metrics(orders=rows, visitors={T: 0, C: 2}, min_sample=1)
    rpv = _metric(metrics, "rpv").comparison
    assert (rpv.treatment.n, rpv.control.n) == (3, 3)


def test_the_verdict_waits_for_enough_orders_in_the_smaller_group():
    rows = _rows(T, [10.0] * 40, buyers=40) + _rows(C, [12.0] * 29, buyers=29)
    metrics, _ = uplift_metrics(orders=rows, visitors={T: 400, C: 290}, min_sample=30)
    assert {m.comparison.verdict for m in metrics} == {"too_small"}
