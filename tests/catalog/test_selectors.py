from decimal import Decimal

import pytest

from catalog import selectors
from tests.factories import CategoryFactory, ProductFactory

pytestmark = pytest.mark.django_db


def test_category_tree_lists_descendants_at_any_depth():
    home = CategoryFactory(name="Home")
    kitchen = CategoryFactory(name="Kitchen", parent=home)
    mugs = CategoryFactory(name="Mugs", parent=kitchen)
    garden = CategoryFactory(name="Garden")

    tree = selectors.category_tree()

    assert set(tree.descendant_ids(tree.by_id[home.pk])) == {home.pk, kitchen.pk, mugs.pk}
    assert tree.descendant_ids(tree.by_id[garden.pk]) == [garden.pk]
    assert [node.name for node in tree.ancestors(tree.by_id[mugs.pk])] == ["Home", "Kitchen"]


def test_category_tree_is_read_once_and_then_served_from_the_cache(django_assert_num_queries):
    CategoryFactory()
    with django_assert_num_queries(1):
        selectors.category_tree()
        selectors.category_tree()


def test_saving_a_category_refreshes_the_cached_tree(django_capture_on_commit_callbacks):
    category = CategoryFactory(name="Old name")
    selectors.category_tree()

    with django_capture_on_commit_callbacks(execute=True):
        category.name = "New name"
        category.save()

    assert selectors.category_tree().by_id[category.pk].name == "New name"


def test_unknown_sort_falls_back_to_the_default():
    assert selectors.sort_option("drop table").key == selectors.DEFAULT_SORT
    assert selectors.sort_option(None).key == selectors.DEFAULT_SORT
    assert selectors.sort_option("price-desc").key == "price-desc"
    assert selectors.sort_option(None, search=True).key == "relevance"


@pytest.mark.parametrize(
    ("sort", "expected"),
    [
        ("price-asc", ["Cheap", "Middle", "Dear"]),
        ("price-desc", ["Dear", "Middle", "Cheap"]),
        ("popular", ["Middle", "Dear", "Cheap"]),
        ("newest", ["Dear", "Middle", "Cheap"]),
    ],
)
def test_product_list_sorts_by_price_popularity_and_age(sort, expected):
    category = CategoryFactory()
    ProductFactory(name="Cheap", price=Decimal("1.00"), sales_count=1, category=category)
    ProductFactory(name="Middle", price=Decimal("5.00"), sales_count=90, category=category)
    ProductFactory(name="Dear", price=Decimal("9.00"), sales_count=40, category=category)

    products = selectors.product_list(category_ids=[category.pk], sort=selectors.sort_option(sort))

    assert [p.name for p in products] == expected


def test_product_list_leaves_out_inactive_products():
    category = CategoryFactory()
    ProductFactory(name="Shown", category=category)
    ProductFactory(name="Hidden", category=category, is_active=False)

    products = selectors.product_list(category_ids=[category.pk], sort=selectors.sort_option(None))

    assert [p.name for p in products] == ["Shown"]


def test_search_matches_every_word_in_name_or_description_case_insensitively():
    ProductFactory(name="Red Retrospot Mug", description="Stoneware.")
    ProductFactory(name="Blue Mug", description="A red stripe around the rim.")
    ProductFactory(name="Red Lantern", description="Metal.")
    ProductFactory(name="Red Mug", is_active=False)

    found = selectors.product_search(query="  RED   mug ", sort=selectors.sort_option(None, search=True))

    # a name holding the whole phrase ranks above a description match
    assert [p.name for p in found] == ["Red Retrospot Mug", "Blue Mug"]


def test_search_treats_like_wildcards_literally():
    ProductFactory(name="100% cotton bag")
    ProductFactory(name="Cotton bag")

    found = selectors.product_search(query="100%", sort=selectors.sort_option(None, search=True))

    assert [p.name for p in found] == ["100% cotton bag"]


def test_home_falls_back_to_best_sellers_when_nothing_is_featured():
    ProductFactory(name="Slow", sales_count=1)
    ProductFactory(name="Hit", sales_count=500)

    kind, products = selectors.products_for_home()

    assert kind == "bestsellers"
    assert [p.name for p in products] == ["Hit", "Slow"]


def test_home_shows_featured_products_when_staff_chose_some():
    ProductFactory(name="Hit", sales_count=500)
    ProductFactory(name="Pick", is_featured=True)

    kind, products = selectors.products_for_home()

    assert kind == "featured"
    assert [p.name for p in products] == ["Pick"]


def test_home_categories_are_the_featured_ones_or_else_the_top_level_ones():
    top = CategoryFactory(name="Top")
    CategoryFactory(name="Child", parent=top)
    assert [c.name for c in selectors.categories_for_home()] == ["Top"]

    selectors.category_tree_invalidate()
    CategoryFactory(name="Starred", is_featured=True)
    assert [c.name for c in selectors.categories_for_home()] == ["Starred"]


def test_home_products_leave_out_what_cannot_be_bought():
    ProductFactory(name="Sold out pick", is_featured=True, stock=0)
    ProductFactory(name="Sold out hit", sales_count=900, stock=0)
    ProductFactory(name="Available", sales_count=1)

    kind, products = selectors.products_for_home()

    assert (kind, [p.name for p in products]) == ("bestsellers", ["Available"])
