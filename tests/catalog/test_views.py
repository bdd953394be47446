from decimal import Decimal

import pytest
from django.urls import reverse

from tests.factories import (
    AttributeFactory,
    CategoryFactory,
    ProductAttributeValueFactory,
    ProductFactory,
    ProductImageFactory,
)

pytestmark = pytest.mark.django_db


def names_on(response) -> list[str]:
    return [product.name for product in response.context["page_obj"].object_list]


# ---------------------------------------------------------------------------
# Product page


def test_product_page_shows_price_stock_and_an_add_to_cart_form(client):
    product = ProductFactory(name="Enamel Mug", price=Decimal("1234.5"), stock=40)

    response = client.get(product.get_absolute_url())

    html = response.content.decode()
    assert response.status_code == 200
    assert "Enamel Mug" in html
    assert "£1,234.50" in html
    assert "In stock" in html
    assert f'action="{reverse("cart:add")}"' in html
    assert f'name="product" value="{product.pk}"' in html
    assert 'name="quantity"' in html and 'max="40"' in html
    assert f'name="next" value="{product.get_absolute_url()}"' in html


def test_product_page_says_how_many_are_left_when_stock_is_low(client):
    product = ProductFactory(stock=3)
    assert "Only 3 left" in client.get(product.get_absolute_url()).content.decode()


def test_out_of_stock_product_shows_out_of_stock_and_no_usable_add_button(client):
    product = ProductFactory(stock=0)

    html = client.get(product.get_absolute_url()).content.decode()

    assert "Out of stock" in html
    assert reverse("cart:add") not in html
    assert "<button type=\"button\" class=\"btn btn-large btn-block\" disabled>Out of stock</button>" in html


def test_inactive_product_is_not_found(client):
    product = ProductFactory(is_active=False)
    assert client.get(product.get_absolute_url()).status_code == 404


def test_unknown_product_is_not_found(client):
    assert client.get(reverse("catalog:product", kwargs={"slug": "no-such-thing"})).status_code == 404


def test_product_page_has_breadcrumbs_from_the_category_tree(client):
    home = CategoryFactory(name="Home & Living")
    kitchen = CategoryFactory(name="Kitchen", parent=home)
    product = ProductFactory(category=kitchen, name="Teapot")

    html = client.get(product.get_absolute_url()).content.decode()

    crumbs = html[html.index('class="breadcrumbs"') : html.index("</nav>", html.index('class="breadcrumbs"'))]
    assert crumbs.index("Home &amp; Living") < crumbs.index("Kitchen") < crumbs.index("Teapot")
    assert home.get_absolute_url() in crumbs and kitchen.get_absolute_url() in crumbs


def test_product_page_lists_attribute_values_and_has_the_recommendation_slots(client):
    product = ProductFactory()
    ProductAttributeValueFactory(product=product, attribute=AttributeFactory(name="Slices", unit=""), value="4")

    html = client.get(product.get_absolute_url()).content.decode("utf-8")

    assert "<dt>Slices</dt><dd>4</dd>" in html
    with open("templates/catalog/product_detail.html") as template:
        source = template.read()
    for slot in ("{# slot:product-upgrade-offer #}", "{# slot:product-fbt #}", "{# slot:product-tier-chart #}"):
        assert slot in source


def test_product_page_shows_uploaded_images_and_a_placeholder_otherwise(client, settings):
    with_image = ProductFactory()
    image = ProductImageFactory(product=with_image)
    without = ProductFactory(slug="bare")

    assert image.medium.url in client.get(with_image.get_absolute_url()).content.decode()
    assert f"{settings.MEDIA_URL}placeholders/bare-" in client.get(without.get_absolute_url()).content.decode()


# ---------------------------------------------------------------------------
# Category pages


def test_category_page_lists_products_of_the_category_and_its_descendants(client):
    home = CategoryFactory()
    kitchen = CategoryFactory(parent=home)
    mugs = CategoryFactory(parent=kitchen)
    ProductFactory(name="Rug", category=home)
    ProductFactory(name="Mug", category=mugs)
    ProductFactory(name="Elsewhere")
    ProductFactory(name="Retired", category=mugs, is_active=False)

    response = client.get(home.get_absolute_url(), {"sort": "name"})

    assert response.status_code == 200
    assert names_on(response) == ["Mug", "Rug"]


def test_category_page_paginates(client, settings):
    settings.PRODUCTS_PER_PAGE = 2
    category = CategoryFactory()
    for number in range(5):
        ProductFactory(name=f"P{number}", category=category)

    response = client.get(category.get_absolute_url(), {"sort": "name", "page": 3})

    assert names_on(response) == ["P4"]
    assert response.context["page_obj"].paginator.num_pages == 3


@pytest.mark.parametrize("page", ["abc", "-1", "0", "999", "1e9", "' OR 1=1"])
def test_nonsense_page_numbers_fall_back_to_a_real_page(client, settings, page):
    settings.PRODUCTS_PER_PAGE = 2
    category = CategoryFactory()
    for number in range(3):
        ProductFactory(name=f"P{number}", category=category)

    response = client.get(category.get_absolute_url(), {"page": page, "sort": "name"})

    assert response.status_code == 200
    assert names_on(response) in (["P0", "P1"], ["P2"])


@pytest.mark.parametrize("sort", ["", "bogus", "price;drop", "-price"])
def test_unknown_sort_falls_back_to_popularity(client, sort):
    category = CategoryFactory()
    ProductFactory(name="Rare", category=category, sales_count=1)
    ProductFactory(name="Loved", category=category, sales_count=99)

    response = client.get(category.get_absolute_url(), {"sort": sort})

    assert response.status_code == 200
    assert names_on(response) == ["Loved", "Rare"]


def test_category_page_sorts_by_price(client):
    category = CategoryFactory()
    ProductFactory(name="Dear", category=category, price=Decimal("20.00"))
    ProductFactory(name="Cheap", category=category, price=Decimal("2.00"))

    assert names_on(client.get(category.get_absolute_url(), {"sort": "price-asc"})) == ["Cheap", "Dear"]
    assert names_on(client.get(category.get_absolute_url(), {"sort": "price-desc"})) == ["Dear", "Cheap"]


def test_pagination_links_keep_the_sort(client, settings):
    settings.PRODUCTS_PER_PAGE = 1
    category = CategoryFactory()
    ProductFactory(category=category)
    ProductFactory(category=category)

    html = client.get(category.get_absolute_url(), {"sort": "price-desc"}).content.decode()

    assert 'href="?sort=price-desc&amp;page=2"' in html


def test_unknown_category_is_not_found(client):
    assert client.get(reverse("catalog:category", kwargs={"slug": "nope"})).status_code == 404


def test_empty_category_says_so(client):
    category = CategoryFactory(name="Seasonal")
    assert "no products in Seasonal" in client.get(category.get_absolute_url()).content.decode()


# ---------------------------------------------------------------------------
# Search


def test_search_finds_products_by_name_and_description(client):
    ProductFactory(name="Hanging Heart Lantern", description="Zinc.")
    ProductFactory(name="Candle", description="Lovely in a lantern.")
    ProductFactory(name="Teapot", description="Porcelain.")

    response = client.get(reverse("catalog:search"), {"q": "lantern"})

    assert names_on(response) == ["Hanging Heart Lantern", "Candle"]
    assert "2 products found" in response.content.decode()


def test_search_never_shows_inactive_products(client):
    ProductFactory(name="Old Lantern", is_active=False)
    response = client.get(reverse("catalog:search"), {"q": "lantern"})
    assert names_on(response) == []
    assert "No products match" in response.content.decode()


def test_a_search_without_results_suggests_categories(client):
    kitchen = CategoryFactory(name="Kitchen")
    html = client.get(reverse("catalog:search"), {"q": "zzzz"}).content.decode()
    assert f'href="{kitchen.get_absolute_url()}"' in html


def test_an_empty_search_shows_a_friendly_prompt(client):
    CategoryFactory(name="Kitchen")
    for query in ("", "   "):
        response = client.get(reverse("catalog:search"), {"q": query})
        html = response.content.decode()
        assert response.status_code == 200
        assert "What are you looking for?" in html
        assert "Kitchen" in html
        assert "page_obj" not in response.context


def test_search_paginates_and_keeps_the_query_in_page_links(client, settings):
    settings.PRODUCTS_PER_PAGE = 2
    for number in range(3):
        ProductFactory(name=f"Mug {number}")

    response = client.get(reverse("catalog:search"), {"q": "mug", "sort": "name", "page": "2"})

    assert names_on(response) == ["Mug 2"]
    assert 'href="?q=mug&amp;sort=name&amp;page=1"' in response.content.decode()


def test_search_survives_a_very_long_query(client):
    response = client.get(reverse("catalog:search"), {"q": "mug " * 2000})
    assert response.status_code == 200


# ---------------------------------------------------------------------------
# Home


def test_home_shows_featured_categories_and_products(client):
    CategoryFactory(name="Lighting", is_featured=True)
    CategoryFactory(name="Unloved")
    ProductFactory(name="Star Lantern", is_featured=True)
    ProductFactory(name="Best Seller", sales_count=1000)

    html = client.get(reverse("home")).content.decode()

    assert "Featured products" in html and "Star Lantern" in html
    assert "Lighting" in html
    assert "Unloved" not in html.split("Shop by category")[1].split("</section>")[0]


def test_home_falls_back_to_best_sellers(client):
    ProductFactory(name="Best Seller", sales_count=1000)
    html = client.get(reverse("home")).content.decode()
    assert "Best sellers" in html and "Best Seller" in html


def test_product_cards_show_out_of_stock_without_an_add_button(client):
    category = CategoryFactory()
    ProductFactory(name="Gone", category=category, stock=0)

    html = client.get(category.get_absolute_url()).content.decode()

    assert "Out of stock" in html
    assert reverse("cart:add") not in html


def test_the_add_to_cart_form_fields_are_the_ones_the_cart_accepts(client):
    product = ProductFactory(name="Teapot", stock=5)

    response = client.post(
        reverse("cart:add"), {"product": product.pk, "quantity": "2", "next": product.get_absolute_url()}, follow=True
    )

    assert response.redirect_chain[-1][0] == product.get_absolute_url()
    assert "Added 2" in response.content.decode()


def test_a_hidden_category_and_everything_below_it_leave_the_menu_and_their_pages(client):
    from catalog.selectors import category_tree_invalidate

    shown = CategoryFactory(name="Kitchen")
    hidden = CategoryFactory(name="Christmas", is_active=False)
    below = CategoryFactory(name="Baubles", parent=hidden)
    bauble = ProductFactory(name="Glass bauble", category=below)
    category_tree_invalidate()

    home = client.get("/").content.decode()

    menu = home.split('class="category-nav"')[1].split("</nav>")[0]
    assert shown.get_absolute_url() in menu
    assert hidden.get_absolute_url() not in home and below.get_absolute_url() not in home  # no link anywhere
    assert client.get(shown.get_absolute_url()).status_code == 200
    assert client.get(hidden.get_absolute_url()).status_code == 404
    assert client.get(below.get_absolute_url()).status_code == 404
    # its products stay on sale, found by search and on their own page (without breadcrumbs)
    assert client.get(bauble.get_absolute_url()).status_code == 200
    assert "Glass bauble" in client.get("/search/", {"q": "bauble"}).content.decode()


def test_hiding_a_subcategory_leaves_its_products_out_of_its_parents_listing(client):
    from catalog.selectors import category_tree_invalidate

    parent = CategoryFactory(name="Garden")
    ProductFactory(name="Trowel", category=CategoryFactory(name="Tools", parent=parent))
    ProductFactory(name="Fairy lights", category=CategoryFactory(name="Seasonal", parent=parent, is_active=False))
    category_tree_invalidate()

    listing = client.get(parent.get_absolute_url()).content.decode()

    assert "Trowel" in listing and "Fairy lights" not in listing
