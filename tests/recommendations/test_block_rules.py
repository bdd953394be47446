"""Alternatives are not complements: a block never holds two tiers of one ladder, two best
sellers of one category, or two substitutes; the freed slot goes to the next relevant item."""

from decimal import Decimal

import pytest

from recommendations.selectors import candidates as candidates_module
from recommendations.selectors.candidates import Candidate
from recommendations.selectors.guards import BlockRules, take
from recommendations.selectors.placements import (
    also_bought,
    basket_recommendations,
    cart_recommendations,
    product_page_recommendations,
)
from recommendations.selectors.products import FreshProduct
from recommendations.vocabulary import Source
from tests.factories import (
    CartLineFactory,
    CategoryFactory,
    ComplementFactory,
    LadderTierFactory,
    ProductFactory,
    TierLadderFactory,
)

pytestmark = pytest.mark.django_db


def fbt_ids(product, **kwargs):
    recs = product_page_recommendations(product=product, **kwargs)
    return [item.product_id for item in recs.fbt.items] if recs.fbt else []


@pytest.fixture
def appliances():
    """The demo's kitchen: a toaster with a curated toast rack, two kettles of one ladder that
    sell best, and a knife set in another category that sells well too."""
    kitchen = CategoryFactory(name="Kitchen Appliances")
    toaster = ProductFactory(name="Classic 2-Slice Toaster", category=kitchen, sales_count=10)
    rack = ProductFactory(name="Toast Rack", category=kitchen, sales_count=1)
    everyday = ProductFactory(name="Everyday 1.5 L Kettle", category=kitchen, sales_count=90)
    rapid = ProductFactory(name="Rapid Boil 1.7 L Kettle", category=kitchen, sales_count=80)
    ladder = TierLadderFactory(name="Kettles")
    LadderTierFactory(ladder=ladder, product=everyday, position=1)
    LadderTierFactory(ladder=ladder, product=rapid, position=2)
    ComplementFactory(product=toaster, complement=rack, pitch="Keeps toast crisp")
    return toaster, rack, everyday, rapid


def test_the_toasters_fbt_never_shows_two_kettles_of_one_ladder(appliances, publish):
    toaster, rack, everyday, rapid = appliances
    board = ProductFactory(name="Bread Board", category=CategoryFactory(name="Linen"))
    # Computed partners that happen to be both kettles, then a board.
    publish({toaster: [(everyday, 20, 100, 90), (rapid, 18, 100, 80), (board, 10, 100, 30)]})

    assert fbt_ids(toaster) == [rack.pk, everyday.pk, board.pk]


def test_two_best_sellers_of_one_category_are_alternatives_and_the_slot_goes_to_the_next_relevant_item(
    appliances, publish, settings
):
    settings.RECOMMENDATIONS_PRODUCT_PAGE_LIMIT = 4
    toaster, rack, everyday, rapid = appliances
    kettle_only = ProductFactory(name="Stovetop Kettle", category=toaster.category, sales_count=85)
    linen = CategoryFactory(name="Linen")
    towel = ProductFactory(name="Tea Towel", category=linen)
    seller = ProductFactory(category=toaster.category, sales_count=200)
    # The category's best seller is often bought with a tea towel: a category co-purchase.
    publish({seller: [(towel, 30, 200, 40)]})

    items = product_page_recommendations(product=toaster).fbt.items

    # rack (staff pick), the towel (bought with the category), then ONE best seller of the
    # category: the other best sellers (three kettles) are left out, and nothing else is relevant
    assert [item.product_id for item in items] == [rack.pk, towel.pk, seller.pk]
    assert kettle_only.pk not in [item.product_id for item in items]


def test_two_items_bought_with_a_category_may_share_its_category(publish):
    kitchen, linen = CategoryFactory(name="Kitchen"), CategoryFactory(name="Linen")
    new_knife = ProductFactory(category=kitchen, sales_count=0)
    chef = ProductFactory(category=kitchen, sales_count=90)
    board, steel = ProductFactory.create_batch(2, category=linen)
    publish({chef: [(board, 40, 90, 50), (steel, 30, 90, 40)]})

    # Both are "Often bought with Kitchen": bought with it, not instead of each other.
    assert fbt_ids(new_knife)[:2] == [board.pk, steel.pk]


def test_complements_by_evidence_of_one_category_may_sit_together(publish):
    linen = CategoryFactory(name="Linen")
    oven = ProductFactory(category=CategoryFactory())
    towel, glove, apron = ProductFactory.create_batch(3, category=linen)
    publish({oven: [(towel, 50, 100, 60), (glove, 40, 100, 60), (apron, 30, 100, 60)]})

    assert fbt_ids(oven) == [towel.pk, glove.pk, apron.pk]


def test_two_substitutes_never_share_a_block(monkeypatch, publish):
    # given: the statistics say the two mugs are bought instead of each other
    mug_plain, mug_spotty, teapot, kettle = ProductFactory.create_batch(4, category=CategoryFactory())
    monkeypatch.setattr(
        candidates_module,
        "substitutes_for_many",
        lambda ids: {pid: subs for pid, subs in {mug_plain.pk: frozenset({mug_spotty.pk}), mug_spotty.pk: frozenset({mug_plain.pk})}.items() if pid in ids},
    )
    publish({teapot: [(mug_plain, 50, 100, 60), (mug_spotty, 40, 100, 60), (kettle, 30, 100, 60)]})

    assert fbt_ids(teapot) == [mug_plain.pk, kettle.pk]


def test_the_fbt_block_holds_one_of_two_products_bought_instead_of_each_other(publish):
    # given: the teapot is bought with both mugs, and each mug with the teapot, saucers and
    # spoons, but never with the other mug; the saucer is bought with the teapot and the mugs
    kitchen = CategoryFactory()
    teapot, mug_plain, mug_spotty, saucer, spoon, tea = ProductFactory.create_batch(6, category=kitchen)
    publish(
        {
            teapot: [(mug_plain, 50, 100, 80), (mug_spotty, 45, 100, 80), (saucer, 30, 100, 60)],
            mug_plain: [(teapot, 50, 80, 100), (saucer, 20, 80, 60), (spoon, 20, 80, 50), (tea, 10, 80, 40)],
            mug_spotty: [(teapot, 45, 80, 100), (saucer, 20, 80, 60), (spoon, 18, 80, 50), (tea, 9, 80, 40)],
            saucer: [(teapot, 30, 60, 100), (mug_plain, 20, 60, 80), (mug_spotty, 20, 60, 80), (spoon, 15, 60, 50)],
        }
    )

    # when
    recs = product_page_recommendations(product=teapot)

    # then: the second mug's slot goes to the next relevant item
    assert [item.product_id for item in recs.fbt.items][:2] == [mug_plain.pk, saucer.pk]
    assert mug_spotty.pk not in [item.product_id for item in recs.fbt.items]


def test_a_products_own_substitutes_are_never_offered_with_it(monkeypatch, publish):
    mug_plain, mug_spotty, saucer = ProductFactory.create_batch(3, category=CategoryFactory())
    monkeypatch.setattr(
        candidates_module, "substitutes_for_many", lambda ids: {mug_plain.pk: frozenset({mug_spotty.pk})} if mug_plain.pk in ids else {}
    )
    publish({mug_plain: [(mug_spotty, 50, 100, 60), (saucer, 40, 100, 60)]})

    assert fbt_ids(mug_plain) == [saucer.pk]
    assert [r.product_id for r in basket_recommendations(product_ids=[mug_plain.pk], limit=3)] == [saucer.pk]


def test_the_block_guard_reads_substitutes_both_ways():
    def row(pid, ladder=None):
        return FreshProduct(pk=pid, name="", price=Decimal("1"), stock=5, is_active=True, is_consumable=False, updated_at=None, category_id=1, ladder_id=ladder)

    fresh = {pid: row(pid) for pid in (1, 2, 3, 4)}
    only_one_side = [
        Candidate(product_id=1, source=Source.COPURCHASE, anchor_id=9),
        Candidate(product_id=2, source=Source.COPURCHASE, anchor_id=9, substitute_ids=frozenset({1})),
        Candidate(product_id=3, source=Source.COPURCHASE, anchor_id=9, substitute_ids=frozenset({4})),
        Candidate(product_id=4, source=Source.COPURCHASE, anchor_id=9),
    ]

    assert [c.product_id for c in take(only_one_side, fresh, blocked=set(), limit=4)] == [1, 3]

    rules = BlockRules()
    fresh[5], fresh[6] = row(5, ladder=7), row(6, ladder=7)
    taken = take([Candidate(5, Source.CURATED, 9), Candidate(6, Source.CURATED, 9)], fresh, blocked=set(), limit=2, rules=rules)
    assert [c.product_id for c in taken] == [5] and rules.ladders == {7}


def test_the_carts_blocks_keep_the_ladder_rule(appliances, publish):
    toaster, rack, everyday, rapid = appliances
    board = ProductFactory(category=CategoryFactory())
    publish({rack: [(everyday, 50, 100, 90), (rapid, 40, 100, 80), (board, 30, 100, 40)]})
    line = CartLineFactory(product=rack)

    recs = cart_recommendations(lines=[line], free_shipping_gap=Decimal("1.00"))

    for block in (recs.complete, recs.shipping_fillers):
        ids = [item.product_id for item in block]
        assert not {everyday.pk, rapid.pk} <= set(ids), block
    assert [item.product_id for item in recs.complete][:2] == [everyday.pk, board.pk]


def test_the_confirmation_block_keeps_the_ladder_rule(appliances, publish):
    toaster, rack, everyday, rapid = appliances
    publish({toaster: [(everyday, 50, 100, 90), (rapid, 40, 100, 80)]})

    result = also_bought(product_ids=[toaster.pk])

    assert [item.product_id for item in result.items] == [rack.pk, everyday.pk]
