from decimal import Decimal

import pytest
from django.template import Context, Template
from django.test import RequestFactory

from catalog.templatetags.catalog_tags import money
from tests.factories import CategoryFactory, ProductFactory

pytestmark = pytest.mark.django_db


def render(source: str, **context) -> str:
    return Template("{% load catalog_tags %}" + source).render(Context(context))


@pytest.mark.parametrize(
    ("value", "shown"),
    [(Decimal("2.5"), "£2.50"), (Decimal("1234.005"), "£1,234.01"), (Decimal("0"), "£0.00"), ("oops", "")],
)
def test_money_shows_pounds_with_two_places(value, shown):
    assert money(value) == shown


@pytest.mark.parametrize(
    ("stock", "text"), [(50, "In stock"), (5, "Only 5 left"), (1, "Only 1 left"), (0, "Out of stock")]
)
def test_stock_badge_says_how_much_is_left(stock, text):
    assert f">{text}</span>" in render("{% stock_badge product %}", product=ProductFactory(stock=stock))


def test_url_with_params_replaces_one_parameter_and_keeps_the_others():
    request = RequestFactory().get("/search/", {"q": "red mug", "sort": "newest", "page": "4"})
    assert render("{% url_with_params page=2 %}", request=request) == "?q=red+mug&amp;sort=newest&amp;page=2"


def test_product_thumb_escapes_the_name_and_offers_a_srcset():
    product = ProductFactory(name='Mug "<b>bold</b>"')
    html = render('{% product_thumb product "thumb" sizes="200px" %}', product=product)
    assert "&lt;b&gt;" in html and "<b>" not in html
    assert 'srcset="' in html and " 600w" in html and 'loading="lazy"' in html


def test_category_nav_lists_top_level_categories_from_one_cached_query(django_assert_num_queries):
    top = CategoryFactory(name="Kitchen")
    CategoryFactory(name="Mugs", parent=top)
    CategoryFactory(name="Garden")
    request = RequestFactory().get(top.get_absolute_url())

    with django_assert_num_queries(1):
        first = render("{% category_nav %}", request=request)
        second = render("{% category_nav %}", request=request)

    assert first == second
    assert "Kitchen" in first and "Garden" in first and "Mugs" not in first
    assert f'href="{top.get_absolute_url()}" aria-current="page"' in first
