"""The co-purchase snapshots' back-test in a real browser: staff read the chosen setting and
the chart of the last nights."""

import datetime as dt
from pathlib import Path

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from recommendations.copurchase.refresh import copurchase_refresh
from tests.copurchase.builders import make_products, place_baskets
from tests.factories import UserFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

SHOTS = Path("/tmp/tuning-shots")


def _log_in_as_staff(page, live_server):
    UserFactory(username="manager", is_staff=True, is_superuser=True)
    page.goto(live_server.url + "/admin/login/")
    page.fill("#id_username", "manager")
    page.fill("#id_password", "correct horse battery")
    page.get_by_role("button", name="Log in").click()


def test_staff_see_the_back_test_chart_of_the_last_snapshots_and_the_chosen_setting(page, live_server, settings):
    settings.COPURCHASE_WINDOW_MIN_ORDERS = 0
    a, c, b1, b2, b3, b4 = (p.pk for p in make_products(6))
    for partner in (b1, b2, b3, b4):
        place_baskets([[a, partner]] * 10, placed_at=timezone.now() - dt.timedelta(days=300))
    place_baskets([[a, c]] * 6, placed_at=timezone.now() - dt.timedelta(days=40))
    place_baskets([[a, c]] * 3, placed_at=timezone.now() - dt.timedelta(days=1))
    snapshots = [copurchase_refresh(full=True) for _ in range(3)]
    SHOTS.mkdir(parents=True, exist_ok=True)
    _log_in_as_staff(page, live_server)

    for width in (1280, 390):
        page.set_viewport_size({"width": width, "height": 900})
        page.goto(live_server.url + "/admin/copurchase/snapshot/")
        chart = page.locator("[data-backtest-chart] svg")
        expect(chart).to_be_visible()
        assert chart.bounding_box()["width"] <= width
        expect(page.locator("[data-backtest-chart] polyline[data-series=chosen]")).to_have_count(1)
        assert page.locator("[data-backtest-chart] polyline[data-series=chosen] ~ circle").count() >= 3
        expect(page.get_by_text("Back-test hit-rate@3")).to_be_visible()
        page.screenshot(path=str(SHOTS / f"changelist-{width}.png"), full_page=True)

    page.set_viewport_size({"width": 1280, "height": 900})
    page.goto(live_server.url + f"/admin/copurchase/snapshot/{snapshots[-1].pk}/change/")
    expect(page.get_by_text("recency half-life", exact=False)).to_be_visible()
    expect(page.get_by_role("cell", name="Plain co-count")).to_be_visible()
    page.screenshot(path=str(SHOTS / "detail-1280.png"), full_page=True)
