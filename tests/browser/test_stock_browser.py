"""Staff change stock in the admin by a number of units with a reason, and read the ledger."""

import pytest
from playwright.sync_api import expect

from catalog.models import Product, StockMovement
from catalog.services import StockChange, stock_move
from tests.factories import ProductFactory, UserFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_staff_take_two_damaged_units_off_and_see_the_movement_in_the_ledger(live_server, page):
    staff = UserFactory(username="stockkeeper", is_staff=True, is_superuser=True)
    lamp = ProductFactory(name="Brass Desk Lamp", slug="brass-desk-lamp", stock=0)
    stock_move(changes=[StockChange(lamp.pk, 5)], kind=StockMovement.Kind.ADJUSTMENT, note="delivery 4512")

    page.goto(live_server.url + "/admin/login/")
    page.get_by_label("Username").fill(staff.username)
    page.get_by_label("Password").fill("correct horse battery")
    page.get_by_role("button", name="Log in").click()
    page.goto(live_server.url + f"/admin/catalog/product/{lamp.pk}/change/")

    # the stock is shown, not editable; the ledger lists the delivery
    expect(page.locator("input[name='stock']")).to_have_count(0)
    expect(page.locator("#stock_movements-group")).to_contain_text("delivery 4512")

    page.locator("input[name='stock_change']").fill("-2")
    page.locator("input[name='stock_note']").fill("dropped in the warehouse")
    page.locator("input[name='_continue']").click()

    expect(page.locator(".messagelist")).to_contain_text("adjusted by -2: 3 now")
    expect(page.locator(".field-stock .readonly")).to_have_text("3")
    newest = page.locator("#stock_movements-group tbody tr").first
    expect(newest).to_contain_text("dropped in the warehouse")
    expect(newest).to_contain_text("stockkeeper")
    assert Product.objects.get(pk=lamp.pk).stock == 3

    page.get_by_role("link", name="Every stock movement of this product").click()
    expect(page.locator("#result_list tbody tr")).to_have_count(2)
