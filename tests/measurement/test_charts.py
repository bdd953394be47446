from datetime import date, timedelta
from decimal import Decimal

from recommendations.measurement.charts import bar_chart, line_chart

DAYS = [date(2026, 11, 1) + timedelta(days=i) for i in range(5)]


def test_the_axis_top_is_a_round_number_above_the_largest_value():
    chart = line_chart(days=DAYS, series=[("Clicks", "c", [0, 3, 7, 2, 0])])
    assert [tick.label for tick in chart.y_ticks] == ["0", "2", "4", "6", "8"]


def test_a_line_has_one_point_per_day_from_the_left_edge_to_the_right():
    chart = line_chart(days=DAYS, series=[("Clicks", "c", [0, 8, 0, 0, 4])])
    points = [tuple(map(float, p.split(","))) for p in chart.lines[0].points.split()]
    assert len(points) == 5
    assert points[0][0] == chart.left and points[-1][0] == chart.right
    assert points[0][1] == chart.bottom  # zero sits on the axis
    assert min(y for _, y in points) < points[-1][1] < chart.bottom  # 8 is higher up than 4


def test_bars_are_as_tall_as_their_share_of_the_axis_and_titled_in_money():
    chart = bar_chart(
        days=DAYS,
        values=[Decimal("0"), Decimal("100.00"), Decimal("50.00"), Decimal("0"), Decimal("25.50")],
        money=True,
    )
    heights = [bar.height for bar in chart.bars]
    assert heights[0] == 0 and heights[1] == 2 * heights[2]
    assert all(bar.y + bar.height == chart.bottom for bar in chart.bars)
    assert chart.bars[0].x > chart.left and chart.bars[-1].x + chart.bars[-1].width < chart.right
    assert chart.bars[4].title == "05 Nov: £25.50"


def test_an_empty_period_is_reported_as_empty():
    assert line_chart(days=DAYS, series=[("Clicks", "c", [0] * 5)]).is_empty
    assert not bar_chart(days=DAYS, values=[0, 0, 1, 0, 0]).is_empty
