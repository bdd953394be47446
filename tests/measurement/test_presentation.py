"""What the dashboard says in words."""

from recommendations.measurement.presentation import describe
from recommendations.measurement.selectors import HoldoutReport, Metric
from recommendations.measurement.statistics import Summary, compare


def _report(metric: Metric, orders=(400, 400)) -> HoldoutReport:
    return HoldoutReport(
        metrics=[metric],
        orders={"treatment": orders[0], "control": orders[1]},
        visitors={"treatment": 4000, "control": 4000},
        holdout_share=0.1,
        min_sample=30,
    )


def _metric(unit, treatment: Summary, control: Summary, label="Average order value") -> Metric:
    return Metric("m", label, unit, compare(treatment=treatment, control=control, min_sample=30))


def test_a_clear_rise_in_money_is_said_with_its_interval():
    metric = _metric("money", Summary(400, 56.0, 100.0), Summary(400, 50.0, 100.0))
    view = describe(metric, _report(metric))
    assert view.treatment == "£56.00" and view.control == "£50.00"
    assert view.difference == "+£6.00" and view.relative == "+12.0%"
    assert view.message == "Average order value is higher with recommendations: +£6.00 (95% CI +£4.61 to +£7.39)."


def test_a_fall_in_conversion_is_said_in_percentage_points():
    metric = _metric(
        "percent", Summary.proportion(successes=200, n=4000), Summary.proportion(successes=300, n=4000), "Conversion"
    )
    view = describe(metric, _report(metric))
    assert view.treatment == "5.00%" and view.control == "7.50%"
    assert view.message.startswith("Conversion is lower with recommendations: −2.50 pts (95% CI −3.5")


def test_too_small_a_sample_is_said_plainly():
    metric = _metric("count", Summary.of([1.0, 2.0, 3.0]), Summary.of([1.0, 1.0]), "Items per order")
    view = describe(metric, _report(metric, orders=(3, 2)))
    assert view.message == "Sample too small to tell: 2 orders in the smaller group, at least 30 needed in each."
