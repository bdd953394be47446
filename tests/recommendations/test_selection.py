"""The one selection service: ordering rules and guards, for every placement."""

from decimal import Decimal

import pytest
from django.utils import timezone

from recommendations.models import Exclusion
from recommendations.selectors.placements import (
    also_bought,
    basket_recommendations,
    cart_recommendations,
    checkout_addons,
    product_page_recommendations,
)
from shop.orders.models import Order
from tests.factories import (
    AttributeFactory,
    CartLineFactory,
    CategoryFactory,
    ComplementFactory,
    LadderTierFactory,
    OrderFactory,
    OrderLineFactory,
    ProductAttributeValueFactory,
    ProductFactory,
    TierLadderFactory,
    UpgradeFactory,
    UserFactory,
)

pytestmark = pytest.mark.django_db


def fbt_ids(product, **kwargs):
    recs = product_page_recommendations(product=product, **kwargs)
    return [item.product_id for item in recs.fbt.items] if recs.fbt else []


@pytest.fixture
def kitchen():
    return CategoryFactory(name="Kitchen")


def test_curated_complements_come_first_in_staff_order_before_computed_partners(publish, kitchen):
    knife, sharpener, board, apron, towel = ProductFactory.create_batch(5, category=kitchen)
    ComplementFactory(product=knife, complement=board, position=2)
    ComplementFactory(product=knife, complement=sharpener, position=1)
    publish({knife: [(towel, 90, 100, 200), (apron, 50, 100, 100)]})

    assert fbt_ids(knife) == [sharpener.pk, board.pk, towel.pk]


def test_computed_partners_follow_the_snapshot_ranking(publish, kitchen):
    knife, a, b, c = ProductFactory.create_batch(4, category=kitchen)
    publish({knife: [(b, 60, 100, 300), (c, 40, 100, 50), (a, 20, 100, 40)]})

    assert fbt_ids(knife) == [b.pk, c.pk, a.pk]


def test_a_product_without_history_falls_back_to_its_category_copurchases_then_best_sellers(publish, kitchen):
    new_pan = ProductFactory(category=kitchen, sales_count=0)
    best_seller = ProductFactory(category=kitchen, sales_count=500)
    second = ProductFactory(category=kitchen, sales_count=300)
    partner_of_best = ProductFactory(category=CategoryFactory(name="Linen"), sales_count=1)
    publish({best_seller: [(partner_of_best, 30, 500, 40)]})

    recs = product_page_recommendations(product=new_pan)

    # The second best seller of Kitchen stays out: two best sellers of one category are alternatives.
    assert [item.product_id for item in recs.fbt.items] == [partner_of_best.pk, best_seller.pk]
    assert [item.reason for item in recs.fbt.items] == ["Often bought with Kitchen", "Popular in Kitchen"]
    assert second.pk not in [item.product_id for item in recs.fbt.items]


def test_the_reason_of_a_computed_partner_is_its_confidence_as_a_percentage(publish, kitchen):
    knife, board = ProductFactory.create_batch(2, category=kitchen)
    publish({knife: [(board, 31, 100, 200)]})

    item = product_page_recommendations(product=knife).fbt.items[0]

    assert item.reason == "Bought together by 31% of customers who bought this"
    assert item.partner.count_ab == 31


def test_a_staff_pick_says_so_with_its_pitch(kitchen):
    knife, steel = ProductFactory.create_batch(2, category=kitchen)
    ComplementFactory(product=knife, complement=steel, pitch="Keeps the blade sharp")

    assert product_page_recommendations(product=knife).fbt.items[0].reason == "Staff pick — Keeps the blade sharp"


def test_inactive_and_out_of_stock_products_are_never_recommended(publish, kitchen):
    knife = ProductFactory(category=kitchen)
    gone = ProductFactory(category=kitchen, is_active=False)
    sold_out = ProductFactory(category=kitchen, stock=0)
    fine = ProductFactory(category=kitchen)
    ComplementFactory(product=knife, complement=gone)
    publish({knife: [(sold_out, 50, 100, 60), (fine, 10, 100, 20)]})

    assert fbt_ids(knife) == [fine.pk]


def test_a_product_is_never_recommended_with_itself(publish, kitchen):
    knife = ProductFactory(category=kitchen, sales_count=100)
    publish({knife: [(knife, 50, 100, 100)]})

    assert knife.pk not in fbt_ids(knife)


def test_products_already_in_the_cart_are_not_recommended(publish, kitchen):
    knife, board, towel = ProductFactory.create_batch(3, category=kitchen)
    publish({knife: [(board, 50, 100, 60), (towel, 10, 100, 20)]})

    assert fbt_ids(knife, cart_product_ids={board.pk}) == [towel.pk]


def test_an_exclusion_wins_over_statistics_and_curation_in_both_directions(publish, kitchen):
    knife, board, towel, apron = ProductFactory.create_batch(4, category=kitchen)
    ComplementFactory(product=knife, complement=board)
    publish({knife: [(towel, 50, 100, 60), (apron, 10, 100, 20)]})
    Exclusion.objects.create(product_a=board, product_b=knife)  # stored normalised
    Exclusion.objects.create(product_a=knife, product_b=towel)

    assert fbt_ids(knife) == [apron.pk]


def test_tier_siblings_are_not_offered_as_complements(publish, kitchen):
    two_slice, four_slice, bread_bin = ProductFactory.create_batch(3, category=kitchen)
    ladder = TierLadderFactory()
    LadderTierFactory(ladder=ladder, product=two_slice, position=1)
    LadderTierFactory(ladder=ladder, product=four_slice, position=2)
    publish({two_slice: [(four_slice, 50, 100, 60), (bread_bin, 10, 100, 20)]})

    assert fbt_ids(two_slice) == [bread_bin.pk]


def test_the_product_page_shows_at_most_the_configured_number(publish, kitchen, settings):
    knife = ProductFactory(category=kitchen)
    partners = ProductFactory.create_batch(6, category=kitchen)
    publish({knife: [(p, 50 - i, 100, 60) for i, p in enumerate(partners)]})

    assert len(fbt_ids(knife)) == 3
    settings.RECOMMENDATIONS_PRODUCT_PAGE_LIMIT = 2
    assert len(fbt_ids(knife)) == 2


def test_a_complement_outside_its_date_window_is_not_shown():
    # Each product in its own category, so no fallback brings them back.
    knife, summer, winter, always = ProductFactory.create_batch(4)
    now = timezone.now()
    ComplementFactory(product=knife, complement=summer, active_until=now - timezone.timedelta(days=1), position=1)
    ComplementFactory(product=knife, complement=winter, active_from=now + timezone.timedelta(days=1), position=2)
    ComplementFactory(product=knife, complement=always, position=3)

    assert fbt_ids(knife) == [always.pk]


def test_a_two_way_complement_is_also_shown_on_the_complements_page():
    kettle, descaler, mug = ProductFactory.create_batch(3)
    ComplementFactory(product=kettle, complement=descaler, two_way=True)
    ComplementFactory(product=kettle, complement=mug, two_way=False)

    assert fbt_ids(descaler) == [kettle.pk]
    assert fbt_ids(mug) == []
    assert fbt_ids(kettle) == [descaler.pk, mug.pk]


def test_a_signed_in_customer_is_not_offered_what_they_bought_unless_it_is_consumable(publish, kitchen):
    customer = UserFactory()
    knife = ProductFactory(category=kitchen)
    board = ProductFactory(category=kitchen)
    coffee = ProductFactory(category=kitchen, is_consumable=True)
    towel = ProductFactory(category=kitchen)
    publish({knife: [(board, 50, 100, 60), (coffee, 40, 100, 60), (towel, 10, 100, 20)]})
    order = OrderFactory(user=customer)
    OrderLineFactory(order=order, product=board)
    OrderLineFactory(order=order, product=coffee)

    assert fbt_ids(knife, user=customer) == [coffee.pk, towel.pk]
    assert fbt_ids(knife) == [board.pk, coffee.pk, towel.pk]


def test_a_cancelled_order_does_not_count_as_bought(publish, kitchen):
    customer = UserFactory()
    knife, board = ProductFactory.create_batch(2, category=kitchen)
    publish({knife: [(board, 50, 100, 60)]})
    OrderLineFactory(order=OrderFactory(user=customer, status=Order.Status.CANCELLED), product=board)

    assert fbt_ids(knife, user=customer) == [board.pk]


# Upgrades ---------------------------------------------------------------------------------


def test_an_upgrade_must_cost_more_but_at_most_sixty_percent_more():
    toaster = ProductFactory(price=Decimal("20.00"))
    cheaper = ProductFactory(price=Decimal("19.99"))
    far_dearer = ProductFactory(price=Decimal("32.01"))
    just_right = ProductFactory(price=Decimal("32.00"))
    UpgradeFactory(product=toaster, upgrade=cheaper, position=1)
    UpgradeFactory(product=toaster, upgrade=far_dearer, position=2)
    UpgradeFactory(product=toaster, upgrade=just_right, position=3, pitch="Toasts bagels too")

    upgrade = product_page_recommendations(product=toaster).upgrade

    assert upgrade.product_id == just_right.pk
    assert upgrade.price_delta == Decimal("12.00")
    assert upgrade.reason == "Toasts bagels too"


def test_the_upgrade_factor_is_a_setting(settings):
    toaster = ProductFactory(price=Decimal("20.00"))
    UpgradeFactory(product=toaster, upgrade=ProductFactory(price=Decimal("32.00")))
    settings.RECOMMENDATIONS_UPGRADE_MAX_FACTOR = Decimal("1.50")

    assert product_page_recommendations(product=toaster).upgrade is None


def test_the_recommended_higher_tier_is_the_upgrade_offered_from_a_ladder():
    ladder = TierLadderFactory()
    two = LadderTierFactory(ladder=ladder, position=1, product=ProductFactory(price=Decimal("20.00"))).product
    LadderTierFactory(ladder=ladder, position=2, product=ProductFactory(price=Decimal("25.00")))
    pro = LadderTierFactory(ladder=ladder, position=3, is_recommended=True, product=ProductFactory(price=Decimal("30.00"))).product

    upgrade = product_page_recommendations(product=two).upgrade

    assert upgrade.product_id == pro.pk
    assert upgrade.source == "ladder"


def test_an_upgrade_is_not_repeated_in_frequently_bought_together(publish):
    toaster = ProductFactory(price=Decimal("20.00"))
    better = ProductFactory(price=Decimal("25.00"))
    bread_bin = ProductFactory()
    UpgradeFactory(product=toaster, upgrade=better)
    publish({toaster: [(better, 50, 100, 60), (bread_bin, 10, 100, 20)]})

    recs = product_page_recommendations(product=toaster)

    assert recs.upgrade.product_id == better.pk
    assert [item.product_id for item in recs.fbt.items] == [bread_bin.pk]


def test_items_already_shown_on_the_page_are_not_repeated(publish):
    knife, board, towel = ProductFactory.create_batch(3)
    publish({knife: [(board, 50, 100, 60), (towel, 10, 100, 20)]})

    assert fbt_ids(knife, shown={board.pk}) == [towel.pk]


# Tier chart ---------------------------------------------------------------------------------


def test_the_tier_chart_marks_the_current_and_recommended_tiers_and_hides_identical_rows():
    slices = AttributeFactory(name="Slices", kind="number")
    bagel = AttributeFactory(name="Bagel setting", kind="boolean")
    colour = AttributeFactory(name="Colour")
    ladder = TierLadderFactory(name="Toasters")
    tiers = []
    for position, (n, has_bagel) in enumerate([("2", "no"), ("4", "no"), ("4", "yes")]):
        product = ProductFactory(price=Decimal(20 + 5 * position))
        ProductAttributeValueFactory(product=product, attribute=slices, value=n)
        ProductAttributeValueFactory(product=product, attribute=bagel, value=has_bagel)
        ProductAttributeValueFactory(product=product, attribute=colour, value="White")
        tiers.append(LadderTierFactory(ladder=ladder, product=product, position=position, is_recommended=position == 1))

    chart = product_page_recommendations(product=tiers[0].product).tier_chart

    assert [c.is_current for c in chart.columns] == [True, False, False]
    assert [c.is_recommended for c in chart.columns] == [False, True, False]
    assert [c.price_delta for c in chart.columns] == [Decimal("0"), Decimal("5"), Decimal("10")]
    assert [row.name for row in chart.rows] == ["Bagel setting", "Slices"]  # "Colour" is the same everywhere
    bagel_row = next(row for row in chart.rows if row.name == "Bagel setting")
    assert [cell.flag for cell in bagel_row.cells] == [False, False, True]
    ladder.hide_identical_rows = False
    ladder.save()
    chart = product_page_recommendations(product=tiers[0].product).tier_chart
    colour_row = next(row for row in chart.rows if row.name == "Colour")
    assert not colour_row.differs


# Cart, checkout, confirmation -------------------------------------------------------------------


def test_the_cart_ranks_items_complementing_several_lines_first(publish):
    kettle, toaster, mug, bread_bin, jam = ProductFactory.create_batch(5)
    publish({
        kettle: [(mug, 90, 100, 100), (jam, 20, 100, 100)],
        toaster: [(bread_bin, 80, 100, 100), (jam, 10, 100, 100)],
    })
    lines = [CartLineFactory(product=kettle), CartLineFactory(product=toaster)]

    recs = cart_recommendations(lines=lines)

    assert [item.product_id for item in recs.complete] == [jam.pk, mug.pk, bread_bin.pk]
    assert recs.complete[0].complements_count == 2


def test_the_cart_never_recommends_an_item_already_in_the_cart_and_shows_at_most_four(publish):
    kettle = ProductFactory()
    partners = ProductFactory.create_batch(6)
    publish({kettle: [(p, 60 - i, 100, 100) for i, p in enumerate(partners)]})
    cart_line = CartLineFactory(product=kettle)
    in_cart = CartLineFactory(cart=cart_line.cart, product=partners[0])

    recs = cart_recommendations(lines=[cart_line, in_cart])

    assert partners[0].pk not in [item.product_id for item in recs.complete]
    assert len(recs.complete) == 4


def test_the_cart_offers_an_upgrade_per_line_within_the_price_guard():
    line = CartLineFactory(product=ProductFactory(price=Decimal("10.00")), quantity=2)
    better = ProductFactory(price=Decimal("12.00"))
    UpgradeFactory(product=line.product, upgrade=better)

    recs = cart_recommendations(lines=[line])

    assert recs.upgrades[line.pk].product_id == better.pk
    assert recs.upgrades[line.pk].price_delta == Decimal("2.00")


def test_shipping_gap_fillers_close_the_gap_complements_first(publish):
    kettle = ProductFactory(price=Decimal("40.00"))
    too_cheap = ProductFactory(price=Decimal("3.00"))
    complement = ProductFactory(price=Decimal("12.00"))
    best_seller = ProductFactory(price=Decimal("11.00"), category=kettle.category, sales_count=999)
    publish({kettle: [(too_cheap, 90, 100, 100), (complement, 50, 100, 100)]})
    line = CartLineFactory(product=kettle)

    recs = cart_recommendations(lines=[line], free_shipping_gap=Decimal("10.00"))

    filler_ids = [item.product_id for item in recs.shipping_fillers]
    assert too_cheap.pk not in filler_ids
    assert all(item.product.price >= Decimal("10.00") for item in recs.shipping_fillers)
    complete_ids = {item.product_id for item in recs.complete}
    assert not complete_ids & set(filler_ids)
    assert {complement.pk, best_seller.pk} <= complete_ids | set(filler_ids)


def test_shipping_fillers_prefer_complements_over_fallbacks(publish, settings):
    settings.RECOMMENDATIONS_CART_LIMIT = 0
    kettle = ProductFactory(price=Decimal("40.00"))
    best_seller = ProductFactory(price=Decimal("11.00"), category=kettle.category, sales_count=999)
    complement = ProductFactory(price=Decimal("12.00"))
    publish({kettle: [(complement, 50, 100, 100)]})

    recs = cart_recommendations(lines=[CartLineFactory(product=kettle)], free_shipping_gap=Decimal("10.00"))

    assert [item.product_id for item in recs.shipping_fillers] == [complement.pk, best_seller.pk]


def test_no_gap_fillers_once_delivery_is_free(publish):
    kettle, mug = ProductFactory.create_batch(2)
    publish({kettle: [(mug, 50, 100, 100)]})

    assert cart_recommendations(lines=[CartLineFactory(product=kettle)], free_shipping_gap=Decimal("0")).shipping_fillers == []


def test_checkout_addons_are_cheap_complements(publish, settings):
    kettle = ProductFactory(price=Decimal("40.00"))
    cheap = ProductFactory(price=Decimal("4.00"))
    dear = ProductFactory(price=Decimal("60.00"))
    publish({kettle: [(dear, 90, 100, 100), (cheap, 50, 100, 100)]})

    items = checkout_addons(product_ids=[kettle.pk])

    assert [item.product_id for item in items][:1] == [cheap.pk]
    assert dear.pk not in [item.product_id for item in items]


def test_confirmation_shows_what_customers_who_bought_x_also_bought_minus_the_order(publish):
    kettle, mug, jam, toast = ProductFactory.create_batch(4)
    publish({kettle: [(mug, 60, 100, 100), (jam, 40, 100, 100)]})

    result = also_bought(product_ids=[toast.pk, kettle.pk, mug.pk])

    assert result.anchor.pk == kettle.pk
    assert [item.product_id for item in result.items][0] == jam.pk
    assert mug.pk not in [item.product_id for item in result.items]
    assert result.items[0].reason.endswith(f"who bought {kettle.name}")


def test_basket_recommendations_for_an_email_exclude_given_ids(publish):
    kettle, mug, jam = ProductFactory.create_batch(3)
    publish({kettle: [(mug, 60, 100, 100), (jam, 40, 100, 100)]})

    items = basket_recommendations(product_ids=[kettle.pk], exclude_ids=[mug.pk], limit=3)

    assert items[0].product_id == jam.pk
