"""The personal blocks' guards and ordering, through the one selection service."""

from datetime import timedelta
from decimal import Decimal

import pytest
from django.utils import timezone

from recommendations.personal.history import History
from recommendations.selectors.personal import Anchor, rank_history, weighted_anchors
from recommendations.selectors.placements import (
    account_recommendations,
    home_recommendations,
    owned_upgrades,
    recently_viewed,
    restock_items,
)
from recommendations.selectors.candidates import Candidate, ProductCandidates
from recommendations.vocabulary import Source
from shop.orders.models import Order
from tests.factories import (
    CategoryFactory,
    ComplementFactory,
    LadderTierFactory,
    OrderFactory,
    OrderLineFactory,
    ProductFactory,
    TierLadderFactory,
    UpgradeFactory,
    UserFactory,
)

pytestmark = pytest.mark.django_db

NOW = timezone.now()


def ago(**kwargs):
    return NOW - timedelta(**kwargs)


def ids(items):
    return [item.product_id for item in items]


def buy(user, product, *, when, status=Order.Status.PAID):
    order = OrderFactory(user=user, email=user.email, placed_at=when, status=status)
    OrderLineFactory(order=order, product=product)
    return order


# Ranking (pure) -----------------------------------------------------------------------------


def test_a_purchase_outweighs_a_view_of_the_same_age_and_both_fade_with_time(settings):
    settings.RECOMMENDATIONS_PERSONAL_HALF_LIFE_DAYS = 30
    history = History(viewed=((1, ago(days=0)), (2, ago(days=30))), bought=((3, ago(days=0)), (4, ago(days=60))))

    anchors = weighted_anchors(history, now=NOW)

    assert [a.product_id for a in anchors] == [3, 1, 2, 4]
    assert anchors[0].weight == pytest.approx(1.0)
    assert anchors[2].weight == pytest.approx(0.3)  # a view (0.6), one half-life old
    assert anchors[3].weight == pytest.approx(0.25) and anchors[3].bought


def test_items_that_go_with_several_recent_things_rank_first_and_fallbacks_last():
    def entry(anchor, *rows):
        return ProductCandidates(
            product_id=anchor, complements=tuple(Candidate(product_id=p, source=s, anchor_id=anchor) for p, s in rows)
        )

    candidates = {
        10: entry(10, (101, Source.BESTSELLER), (102, Source.COPURCHASE), (103, Source.COPURCHASE)),
        20: entry(20, (103, Source.CURATED), (104, Source.COPURCHASE)),
    }
    anchors = [Anchor(10, 1.0, bought=True), Anchor(20, 0.5, bought=False)]

    ranked = rank_history(anchors, candidates)

    # 103: 1/3 + 0.5/1; 102: 1/2; 104: 0.5/2; the best seller last although first in its list
    assert [c.product_id for c in ranked] == [103, 102, 104, 101]
    assert ranked[0].anchor_id == 20 and ranked[0].source == Source.CURATED


# Recently viewed ------------------------------------------------------------------------------


def test_recently_viewed_is_newest_first_without_the_current_product_the_cart_or_what_is_off_sale(settings):
    settings.RECOMMENDATIONS_RECENTLY_VIEWED_LIMIT = 3
    current, in_cart, gone, sold_out, a, b, c, d = ProductFactory.create_batch(8)
    gone.is_active = False
    gone.save()
    sold_out.stock = 0
    sold_out.save()
    visits = tuple((p.pk, ago(minutes=i)) for i, p in enumerate([current, a, in_cart, gone, b, sold_out, c, d]))

    items = recently_viewed(visits=visits, exclude_ids={current.pk, in_cart.pk})

    assert ids(items) == [a.pk, b.pk, c.pk]
    assert {item.source for item in items} == {Source.HISTORY}
    assert all(item.anchor_id is None for item in items)


def test_recently_viewed_leaves_out_what_the_customer_has_bought_since_unless_it_is_used_up():
    lamp, descaler, rug = ProductFactory.create_batch(3)
    descaler.is_consumable = True
    descaler.save()
    user = UserFactory()
    buy(user, lamp, when=NOW)
    buy(user, descaler, when=NOW)

    items = recently_viewed(visits=((lamp.pk, NOW), (descaler.pk, NOW), (rug.pk, NOW)), user=user)

    assert ids(items) == [descaler.pk, rug.pk]


def test_recently_viewed_does_not_repeat_what_the_page_already_shows():
    a, b = ProductFactory.create_batch(2)
    shown = {a.pk}

    items = recently_viewed(visits=((a.pk, NOW), (b.pk, NOW)), shown=shown)

    assert ids(items) == [b.pk]
    assert shown == {a.pk, b.pk}


# Recommended for you / today's best sellers ------------------------------------------------


@pytest.fixture
def kitchen():
    return CategoryFactory(name="Kitchen")


def test_a_first_visit_sees_todays_best_sellers_before_the_all_time_ones(kitchen):
    hit_today = ProductFactory(category=CategoryFactory(), sales_count=1)
    all_time = ProductFactory(category=CategoryFactory(), sales_count=900)
    yesterday_hit = ProductFactory(category=CategoryFactory(), sales_count=5)
    for _ in range(3):
        OrderLineFactory(order=OrderFactory(placed_at=ago(hours=2)), product=hit_today)
    OrderLineFactory(order=OrderFactory(placed_at=ago(days=3)), product=yesterday_hit)

    home = home_recommendations(history=History(), now=NOW)

    assert ids(home.bestsellers)[:2] == [hit_today.pk, all_time.pk]
    assert home.bestsellers_today
    assert [item.reason for item in home.bestsellers[:2]] == ["Bestseller today", "One of our best sellers"]
    assert home.for_you == [] and home.upgrade is None


def test_a_cancelled_order_does_not_make_a_best_seller():
    flop = ProductFactory(sales_count=0)
    OrderLineFactory(order=OrderFactory(placed_at=ago(hours=1), status=Order.Status.CANCELLED), product=flop)

    home = home_recommendations(history=History(), now=NOW)

    assert not home.bestsellers_today


def test_a_returning_visitor_gets_the_partners_of_their_recent_history_first(publish, kitchen):
    # given: a kettle viewed today, a toaster bought four months ago
    kettle, toaster, descaler, mug, rack, crumb = ProductFactory.create_batch(6, category=kitchen)
    publish({kettle: [(descaler, 50, 100, 80), (mug, 30, 100, 90)], toaster: [(rack, 60, 100, 70), (crumb, 20, 100, 50)]})
    user = UserFactory()
    buy(user, toaster, when=ago(days=120))
    history = History(viewed=((kettle.pk, ago(hours=1)),), bought=((toaster.pk, ago(days=120)),))

    home = home_recommendations(history=history, user=user, now=NOW)

    assert ids(home.for_you)[:2] == [descaler.pk, mug.pk]
    assert set(ids(home.for_you)) >= {rack.pk}
    assert home.for_you[0].reason == f"Goes with the {kettle.name} you viewed"
    assert home.recently_viewed and ids(home.recently_viewed) == [kettle.pk]
    assert home.bestsellers == []


def test_recommended_for_you_skips_what_is_owned_in_the_cart_or_already_shown_but_offers_consumables_again(publish, kitchen):
    kettle, owned_jug, descaler, in_cart, spare = ProductFactory.create_batch(5, category=kitchen)
    descaler.is_consumable = True
    descaler.save()
    publish({kettle: [(owned_jug, 90, 100, 100), (descaler, 80, 100, 100), (in_cart, 70, 100, 100), (spare, 10, 100, 100)]})
    user = UserFactory()
    buy(user, owned_jug, when=ago(days=10))
    buy(user, descaler, when=ago(days=10))
    history = History(viewed=((kettle.pk, ago(hours=1)),), bought=((owned_jug.pk, ago(days=10)), (descaler.pk, ago(days=10))))

    home = home_recommendations(history=history, user=user, cart_product_ids={in_cart.pk}, now=NOW)

    assert owned_jug.pk not in ids(home.for_you) and in_cart.pk not in ids(home.for_you)
    assert spare.pk in ids(home.for_you)
    # The descaler is a history anchor here (bought): restocking is the restock e-mail's job.
    assert descaler.pk not in ids(home.for_you)


def test_a_consumable_bought_before_comes_back_as_a_partner_of_something_else(publish, kitchen):
    kettle, descaler = ProductFactory.create_batch(2, category=kitchen)
    descaler.is_consumable = True
    descaler.save()
    publish({kettle: [(descaler, 80, 100, 100)]})
    user = UserFactory()
    buy(user, descaler, when=ago(days=400))
    history = History(viewed=((kettle.pk, ago(hours=1)),))

    home = home_recommendations(history=history, user=user, now=NOW)

    assert ids(home.for_you) == [descaler.pk]


def test_recommended_for_you_never_holds_two_tiers_of_one_ladder(publish, kitchen):
    toaster, kettle_small, kettle_big, rack = ProductFactory.create_batch(4, category=kitchen)
    ladder = TierLadderFactory(name="Kettles")
    LadderTierFactory(ladder=ladder, product=kettle_small, position=1)
    LadderTierFactory(ladder=ladder, product=kettle_big, position=2)
    publish({toaster: [(kettle_small, 50, 100, 100), (kettle_big, 40, 100, 100), (rack, 30, 100, 100)]})

    home = home_recommendations(history=History(viewed=((toaster.pk, NOW),)), now=NOW)

    assert ids(home.for_you) == [kettle_small.pk, rack.pk]


def test_one_busy_anchor_does_not_fill_the_block_while_others_have_something_to_give(publish, kitchen):
    bag, bunting = ProductFactory.create_batch(2, category=kitchen)
    bags = ProductFactory.create_batch(4, category=kitchen)
    garland = ProductFactory(category=kitchen)
    publish({bag: [(other, 90 - i, 100, 100) for i, other in enumerate(bags)], bunting: [(garland, 10, 100, 100)]})
    history = History(viewed=((bag.pk, NOW), (bunting.pk, ago(days=200))))  # the garland ranks last

    home = home_recommendations(history=history, now=NOW)

    # Two from the bag, the garland, then the bag's third: shown in the ranking's order.
    assert ids(home.for_you) == [bags[0].pk, bags[1].pk, bags[2].pk, garland.pk]


def test_home_blocks_never_repeat_an_item(publish, kitchen):
    toaster, rack = ProductFactory.create_batch(2, category=kitchen)
    publish({toaster: [(rack, 50, 100, 100)]})
    history = History(viewed=((toaster.pk, NOW), (rack.pk, ago(minutes=5))))

    home = home_recommendations(history=history, now=NOW)

    assert ids(home.recently_viewed) == [toaster.pk, rack.pk]
    assert rack.pk not in ids(home.for_you)


# Inspired by your orders ---------------------------------------------------------------------


def test_inspired_by_your_orders_comes_from_purchases_only_newest_first(publish, kitchen):
    old, recent, old_partner, recent_partner = ProductFactory.create_batch(4, category=kitchen)
    viewed, viewed_partner = ProductFactory.create_batch(2, category=CategoryFactory(name="Garden"))
    publish({old: [(old_partner, 90, 100, 100)], recent: [(recent_partner, 40, 100, 100)], viewed: [(viewed_partner, 99, 100, 100)]})
    user = UserFactory()
    buy(user, old, when=ago(days=300))
    buy(user, recent, when=ago(days=3))
    history = History(viewed=((viewed.pk, NOW),), bought=((recent.pk, ago(days=3)), (old.pk, ago(days=300))))

    inspired = account_recommendations(history=history, user=user, now=NOW).inspired

    assert ids(inspired)[:2] == [recent_partner.pk, old_partner.pk]
    assert viewed_partner.pk not in ids(inspired)
    assert inspired[0].reason == f"Goes with your {recent.name}"


def test_a_customer_without_orders_gets_no_inspiration():
    assert account_recommendations(history=History(), user=UserFactory(), now=NOW).inspired == []


# Upgrade what you own ------------------------------------------------------------------------


@pytest.fixture
def toasters(kitchen):
    """A two-slice toaster whose curated upgrade is the four-slice, in a three-tier ladder."""
    two, four, pro = (
        ProductFactory(name=name, price=Decimal(price), category=kitchen)
        for name, price in (("Two-slice", "24.99"), ("Four-slice", "34.99"), ("Pro", "37.99"))
    )
    ladder = TierLadderFactory(name="Toasters")
    for position, product in enumerate((two, four, pro)):
        LadderTierFactory(ladder=ladder, product=product, position=position)
    UpgradeFactory(product=two, upgrade=four, pitch="Breakfast for four")
    return two, four, pro


def test_a_customer_who_bought_a_lower_tier_months_ago_is_offered_the_upgrade(toasters, settings):
    settings.RECOMMENDATIONS_UPGRADE_AFTER_DAYS = 120
    two, four, _ = toasters
    user = UserFactory()
    buy(user, two, when=ago(days=130))

    home = home_recommendations(history=History(bought=((two.pk, ago(days=130)),)), user=user, now=NOW)

    assert home.upgrade is not None
    assert home.upgrade.owned.pk == two.pk and home.upgrade.upgrade.product_id == four.pk
    assert home.upgrade.upgrade.price_delta == Decimal("10.00")
    assert four.pk not in ids(home.for_you)


@pytest.mark.parametrize("days", [30, 119, 181])
def test_no_upgrade_offer_too_soon_or_once_the_offer_window_has_passed(toasters, settings, days):
    settings.RECOMMENDATIONS_UPGRADE_AFTER_DAYS = 120
    settings.RECOMMENDATIONS_UPGRADE_OFFER_DAYS = 60
    two, _, _ = toasters

    offers = owned_upgrades(bought=((two.pk, ago(days=days)),), owned_ids={two.pk}, now=NOW)

    assert offers == []


def test_no_upgrade_to_what_they_own_nor_below_a_higher_tier_they_own(toasters, settings, kitchen):
    settings.RECOMMENDATIONS_UPGRADE_AFTER_DAYS = 120
    two, four, pro = toasters
    bought = ((two.pk, ago(days=130)),)
    # owns a higher tier of the ladder already: nothing
    assert owned_upgrades(bought=bought, owned_ids={two.pk, four.pk}, now=NOW) == []
    assert owned_upgrades(bought=bought, owned_ids={two.pk, pro.pk}, now=NOW) == []
    # outside a ladder: an upgrade they own is passed over for the next one
    mixer, stand_mixer, pro_mixer = (ProductFactory(price=Decimal(p), category=kitchen) for p in ("50", "60", "70"))
    UpgradeFactory(product=mixer, upgrade=stand_mixer, position=0)
    UpgradeFactory(product=mixer, upgrade=pro_mixer, position=1)
    offers = owned_upgrades(bought=((mixer.pk, ago(days=130)),), owned_ids={mixer.pk, stand_mixer.pk}, now=NOW)
    assert [o.upgrade.product_id for o in offers] == [pro_mixer.pk]


def test_an_upgrade_out_of_stock_or_too_big_a_step_is_not_offered(toasters, settings):
    settings.RECOMMENDATIONS_UPGRADE_AFTER_DAYS = 120
    settings.RECOMMENDATIONS_UPGRADE_MAX_FACTOR = Decimal("1.30")
    two, four, pro = toasters
    four.stock = 0
    four.save()

    # the four-slice is sold out and the pro costs 52% more than the two-slice
    assert owned_upgrades(bought=((two.pk, ago(days=130)),), owned_ids={two.pk}, now=NOW) == []


# Restock -------------------------------------------------------------------------------------


def test_the_restock_item_comes_with_one_complement_that_is_not_owned(kitchen):
    descaler, kettle, filter_, sponge = ProductFactory.create_batch(4, category=kitchen)
    descaler.is_consumable = True
    descaler.save()
    ComplementFactory(product=descaler, complement=kettle)
    ComplementFactory(product=descaler, complement=filter_)
    ComplementFactory(product=descaler, complement=sponge)

    item, complement = restock_items(product_id=descaler.pk, owned_ids={descaler.pk, kettle.pk})

    assert item.product_id == descaler.pk and item.source == Source.HISTORY
    assert complement.product_id == filter_.pk


def test_no_restock_items_for_a_product_no_longer_on_sale(kitchen):
    descaler = ProductFactory(category=kitchen, is_consumable=True, stock=0)

    assert restock_items(product_id=descaler.pk) == (None, None)
