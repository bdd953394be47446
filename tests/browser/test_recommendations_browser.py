"""Cross-sell and upsell in a real browser: what a shopper and a staff member do."""

import re
from decimal import Decimal
from pathlib import Path

import pytest
from playwright.sync_api import expect

from shop.cart.models import CartLine
from tests.factories import (
    AttributeFactory,
    CategoryFactory,
    ComplementFactory,
    LadderTierFactory,
    ProductAttributeValueFactory,
    ProductFactory,
    TierLadderFactory,
    UpgradeFactory,
    UserFactory,
)
from tests.recommendations.conftest import publish_pairs

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

SHOTS = Path("/tmp/shots/recs")


def shot(locator, name: str) -> None:
    SHOTS.mkdir(parents=True, exist_ok=True)
    locator.screenshot(path=str(SHOTS / f"{name}.png"))


@pytest.fixture
def kitchen_shop():
    kitchen = CategoryFactory(name="Kitchen", slug="kitchen")
    knife = ProductFactory(name="Chef's Knife 20cm", slug="chefs-knife", price=Decimal("34.00"), category=kitchen)
    steel = ProductFactory(name="Honing Steel", slug="honing-steel", price=Decimal("12.50"), category=kitchen)
    board = ProductFactory(name="Oak Chopping Board", slug="oak-board", price=Decimal("18.00"), category=kitchen)
    towels = ProductFactory(name="Striped Tea Towels, Set of 3", slug="tea-towels", price=Decimal("7.95"),
                            category=CategoryFactory(name="Linen", slug="linen"))
    ComplementFactory(product=knife, complement=steel, pitch="Keeps the blade sharp")
    publish_pairs({knife: [(board, 31, 100, 120), (towels, 18, 100, 300)], steel: [(towels, 12, 60, 300)]})
    return knife, steel, board, towels


def test_fbt_shows_the_right_total_follows_the_ticks_and_adds_all_to_the_cart(live_server, page, kitchen_shop):
    knife, steel, board, towels = kitchen_shop
    page.goto(live_server.url + knife.get_absolute_url())

    block = page.locator("[data-fbt]")
    expect(block.get_by_role("heading", name="Frequently bought together")).to_be_visible()
    expect(block.locator("[data-fbt-total]")).to_have_text("£72.45")  # 34 + 12.50 + 18 + 7.95
    expect(block).to_contain_text("Staff pick — Keeps the blade sharp")
    expect(block).to_contain_text("Bought together by 31% of customers who bought this")
    shot(block, "product-fbt")

    block.get_by_role("checkbox").nth(2).uncheck()
    expect(block.locator("[data-fbt-total]")).to_have_text("£54.45")
    expect(block.locator("[data-fbt-submit]")).to_have_text("Add selected to cart")
    block.get_by_role("checkbox").nth(2).check()
    expect(block.locator("[data-fbt-total]")).to_have_text("£72.45")

    block.get_by_role("button", name="Add all 4 to cart").click()
    expect(page.locator(".message-success")).to_contain_text("Added")
    expect(page.locator("[data-cart-count]")).to_have_text("4")
    assert set(CartLine.objects.values_list("product__name", "rec_placement", "rec_source")) == {
        ("Chef's Knife 20cm", "", ""), ("Honing Steel", "product_fbt", "curated"),
        ("Oak Chopping Board", "product_fbt", "copurchase"), ("Striped Tea Towels, Set of 3", "product_fbt", "copurchase"),
    }


def test_fbt_add_selected_adds_only_the_ticked_items(live_server, page, kitchen_shop):
    knife, steel, board, _ = kitchen_shop
    page.goto(live_server.url + knife.get_absolute_url())
    block = page.locator("[data-fbt]")
    block.get_by_role("checkbox").nth(0).uncheck()
    block.get_by_role("checkbox").nth(1).uncheck()
    block.get_by_role("checkbox").nth(3).uncheck()
    expect(block.locator("[data-fbt-total]")).to_have_text("£18.00")
    block.locator("[data-fbt-submit]").click()

    expect(page.locator("[data-cart-count]")).to_have_text("1")
    assert list(CartLine.objects.values_list("product_id", flat=True)) == [board.pk]


def test_the_tier_chart_marks_the_current_and_the_recommended_tier(live_server, page):
    kitchen = CategoryFactory(name="Kitchen", slug="kitchen")
    slices = AttributeFactory(name="Slices", slug="slices", kind="number", position=1)
    bagel = AttributeFactory(name="Bagel setting", slug="bagel", kind="boolean", position=2)
    defrost = AttributeFactory(name="Defrost", slug="defrost", kind="boolean", position=3)
    ladder = TierLadderFactory(name="Brightside toasters")
    rows = [("2-slice", "Brightside 2-Slice Toaster", "24.00", "2", "no"), ("4-slice", "Brightside 4-Slice Toaster", "32.00", "4", "no"),
            ("4-slice Pro", "Brightside 4-Slice Pro Toaster", "38.00", "4", "yes")]
    products = []
    for position, (label, name, price, n, has_bagel) in enumerate(rows):
        product = ProductFactory(name=name, slug=f"toaster-{position}", price=Decimal(price), category=kitchen)
        for attribute, value in ((slices, n), (bagel, has_bagel), (defrost, "yes")):
            ProductAttributeValueFactory(product=product, attribute=attribute, value=value)
        LadderTierFactory(ladder=ladder, product=product, label=label, position=position, is_recommended=position == 2)
        products.append(product)

    page.goto(live_server.url + products[0].get_absolute_url())

    chart = page.locator(".rec-tiers")
    expect(chart.locator("th.is-current")).to_contain_text("You're viewing")
    expect(chart.locator("th.is-current")).to_contain_text("Brightside 2-Slice Toaster")
    expect(chart.locator("th.is-recommended")).to_contain_text("Recommended")
    expect(chart.locator("th.is-recommended")).to_contain_text("+£14.00")
    expect(chart).not_to_contain_text("Defrost")  # identical in every tier: hidden
    shot(chart, "product-tier-chart")
    # The recommended tier is also the upgrade offer (within +60%).
    offer = page.locator(".rec-upgrade")
    expect(offer).to_contain_text("Upgrade to Brightside 4-Slice Pro Toaster for +£14.00")
    shot(offer, "product-upgrade-offer")

    chart.get_by_role("button", name="Add Brightside 4-Slice Pro Toaster to cart").click()
    expect(page.locator("[data-cart-count]")).to_have_text("1")
    assert CartLine.objects.get().rec_placement == "product_tiers"


def test_the_cart_shows_complements_swaps_an_upgrade_and_the_shipping_bar_moves(live_server, page, kitchen_shop):
    knife, steel, board, towels = kitchen_shop
    paring = ProductFactory(name="Paring Knife 9cm", slug="paring-knife", price=Decimal("9.00"), category=knife.category)
    better_paring = ProductFactory(name="Paring Knife 9cm, Damascus", slug="paring-damascus", price=Decimal("13.50"), category=knife.category)
    UpgradeFactory(product=paring, upgrade=better_paring, pitch="Holds its edge twice as long")
    publish_pairs({paring: [(steel, 20, 50, 60), (towels, 10, 50, 300)], knife: [(board, 31, 100, 120), (towels, 18, 100, 300)]})

    page.goto(live_server.url + paring.get_absolute_url())
    page.get_by_role("button", name="Add to cart", exact=True).click()
    page.goto(live_server.url + "/cart/")

    complete = page.locator(".rec-complete")
    expect(complete.get_by_role("heading", name="Complete your purchase")).to_be_visible()
    expect(complete).to_contain_text("Honing Steel")
    expect(complete).not_to_contain_text("Paring Knife 9cm")  # already in the cart
    bar = page.locator("[data-shipping-bar]")
    expect(bar).to_contain_text("Add £41.00 more for free delivery")
    progress_before = int(bar.get_by_role("progressbar").get_attribute("aria-valuenow"))
    shot(page.locator(".cart-main"), "cart-blocks")

    # The upgrade swaps the line, keeping its quantity.
    page.locator(".rec-line-upgrade").get_by_role("button").click()
    expect(page.locator(".message-success")).to_contain_text("Upgraded “Paring Knife 9cm” to “Paring Knife 9cm, Damascus”")
    expect(page.locator(".cart-line-name")).to_have_text(["Paring Knife 9cm, Damascus"])
    bar = page.locator("[data-shipping-bar]")
    expect(bar).to_contain_text("Add £36.50 more for free delivery")

    # Adding a complement moves the bar on.
    page.locator(".rec-complete").get_by_role("button", name=re.compile("Add Honing Steel")).click()
    expect(page.locator("[data-cart-count]")).to_have_text("2")
    bar = page.locator("[data-shipping-bar]")
    expect(bar).to_contain_text("Add £24.00 more for free delivery")
    assert int(bar.get_by_role("progressbar").get_attribute("aria-valuenow")) > progress_before
    line = CartLine.objects.get(product=steel)
    # The Damascus knife has no history of its own: the steel now comes from its category.
    assert (line.rec_placement, line.rec_source) == ("cart_complete", "category")

    # Over the threshold the bar says so.
    page.goto(live_server.url + knife.get_absolute_url())
    page.get_by_role("button", name="Add to cart", exact=True).click()
    page.goto(live_server.url + "/cart/")
    expect(page.locator("[data-shipping-bar]")).to_contain_text("You've got free delivery")
    shot(page.locator("[data-shipping-bar]"), "cart-free-delivery")


def test_staff_adds_a_complement_with_autocomplete_and_sees_it_on_the_product_page(live_server, page):
    staff = UserFactory(username="curator", is_staff=True, is_superuser=True)
    kettle = ProductFactory(name="Enamel Kettle", slug="enamel-kettle", price=Decimal("29.00"))
    ProductFactory(name="Limescale Descaler", slug="descaler", price=Decimal("4.50"))

    page.goto(live_server.url + "/admin/login/")
    page.get_by_label("Username").fill(staff.username)
    page.get_by_label("Password").fill("correct horse battery")
    page.get_by_role("button", name="Log in").click()
    page.goto(live_server.url + f"/admin/catalog/product/{kettle.pk}/change/")

    group = page.locator("#complement_links-group")
    group.locator(".select2-selection").first.click()
    page.locator(".select2-search__field").fill("descal")
    page.locator(".select2-results__option", has_text="Limescale Descaler").click()
    group.locator("input[name='complement_links-0-pitch']").fill("Keeps it like new")
    page.locator("input[name='_continue']").click()
    expect(page.locator(".messagelist")).to_contain_text("was changed successfully")

    page.get_by_role("link", name="Preview the storefront blocks for this product").click()
    expect(page.locator("[data-preview-fbt]")).to_contain_text("Staff pick — Keeps it like new")
    page.screenshot(path=str(SHOTS / "admin-preview.png"), full_page=True)

    page.goto(live_server.url + kettle.get_absolute_url())
    block = page.locator("[data-fbt]")
    expect(block).to_contain_text("Limescale Descaler")
    expect(block).to_contain_text("Staff pick — Keeps it like new")
    expect(block.locator("[data-fbt-total]")).to_have_text("£33.50")


def test_a_guest_adds_an_also_bought_item_from_the_order_confirmation(live_server, page, kitchen_shop, settings):
    """The confirmation link carries a secret token, so the page sends no referrer to other
    sites; a POST from it must still pass the CSRF check (a no-referrer policy made the
    browser send `Origin: null` and the add was refused)."""
    settings.CART_DISCOUNT_PROVIDERS = []
    knife, steel, board, towels = kitchen_shop
    page.goto(live_server.url + knife.get_absolute_url())
    page.locator(".product-info").get_by_role("button", name="Add to cart").click()
    page.goto(live_server.url + "/checkout/")
    page.get_by_label("Email").fill("guest@example.com")
    page.get_by_label("Full name").fill("Jane Austen")
    page.get_by_label("Address line 1").fill("8 Gay Street")
    page.get_by_label("Town or city").fill("Bath")
    page.get_by_label("Postcode").fill("BA1 2PD")
    page.get_by_role("button", name="Continue to review").click()
    page.get_by_role("button", name=re.compile(r"^Place order")).click()
    expect(page.get_by_role("heading", name="Your order is confirmed")).to_be_visible()

    block = page.locator("[data-rec-block=confirmation]")
    expect(block).to_contain_text("Customers who bought Chef's Knife 20cm also bought")
    block.locator(".rec-card").first.get_by_role("button", name=re.compile("Add")).click()

    expect(page.locator(".message-success")).to_contain_text("to your cart")
    assert CartLine.objects.filter(rec_placement="confirmation").count() == 1
