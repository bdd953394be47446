"""Service add-ons on the pages: offered on the product page, in the cart and at checkout;
taken and given back by POST, with a message either way and nothing changed on bad input."""

from decimal import Decimal

import pytest
from django.contrib.messages import get_messages
from django.test import Client
from django.urls import reverse

from shop.cart.models import CartLine, CartLineService
from tests.checkout.test_views import DETAILS
from tests.factories import CartLineFactory, CategoryFactory, ProductFactory, ServiceFactory

pytestmark = pytest.mark.django_db


def messages_of(response):
    return [str(message) for message in get_messages(response.wsgi_request)]


def last_message(response):
    """The message this response added (earlier ones wait in the session: no redirect followed)."""
    return messages_of(response)[-1]


@pytest.fixture
def kettle():
    return ProductFactory(name="Kettle", price=Decimal("39.99"), category=CategoryFactory(name="Appliances"))


@pytest.fixture
def protection(kettle):
    return ServiceFactory(
        name="2-year protection", price=Decimal("4.99"), description="Repairs or a new one.", categories=[kettle.category]
    )


def add(client, product, quantity=1, **extra):
    return client.post(reverse("cart:add"), {"product": product.pk, "quantity": quantity, **extra})


def add_service(client, line, service, **extra):
    return client.post(reverse("cart:add-service"), {"line": line.pk, "service": service.pk, **extra})


def remove_service(client, line, service, **extra):
    return client.post(reverse("cart:remove-service"), {"line": line.pk, "service": service.pk, **extra})


def test_the_product_page_offers_the_items_services_beside_add_to_cart(client, kettle, protection):
    ServiceFactory(name="Gift wrap", categories=[CategoryFactory()])
    response = client.get(kettle.get_absolute_url())
    text = response.text
    assert 'name="services" value="%d"' % protection.pk in text
    assert "Add 2-year protection for <strong class=\"price\">£4.99</strong>" in text
    assert "Gift wrap" not in text
    assert text.index('name="services"') < text.index("Add to cart</button>")


def test_an_item_without_services_shows_no_offer(client):
    assert "service-offers" not in client.get(ProductFactory().get_absolute_url()).text


def test_ticking_a_service_on_the_product_page_adds_both_with_one_message(client, kettle, protection):
    response = add(client, kettle, 2, services=[protection.pk], next=kettle.get_absolute_url())
    assert response.url == kettle.get_absolute_url()
    assert last_message(response) == "Added 2 × “Kettle” with “2-year protection” to your cart."
    line = CartLine.objects.get()
    assert (line.quantity, list(line.services.values_list("service_id", "rec_placement"))) == (
        2, [(protection.pk, "product_service")]
    )


@pytest.mark.parametrize("value", ["999999", "abc", "-1"])
def test_a_tampered_service_on_the_product_page_is_an_error_and_adds_nothing(client, kettle, value):
    response = add(client, kettle, services=[value])
    assert last_message(response) == "That service isn't offered."
    assert not CartLine.objects.exists()


def test_a_service_of_another_item_on_the_product_page_adds_nothing(client, kettle):
    elsewhere = ServiceFactory(name="Gift wrap", categories=[CategoryFactory()])
    response = add(client, kettle, services=[elsewhere.pk])
    assert last_message(response) == "Sorry, “Gift wrap” isn't offered with “Kettle”."
    assert not CartLine.objects.exists()


def test_the_cart_offers_a_service_beside_its_line_and_takes_it(client, kettle, protection):
    add(client, kettle)
    line = CartLine.objects.get()
    page = client.get(reverse("cart:detail")).text
    assert "Add 2-year protection for <strong class=\"price\">£4.99</strong>" in page
    assert 'name="rec_placement" value="cart_service"' in page

    response = add_service(client, line, protection, rec_placement="cart_service", next=reverse("cart:detail"))

    assert response.url == reverse("cart:detail")
    assert last_message(response) == "Added “2-year protection” to “Kettle”."
    assert line.services.get().rec_placement == "cart_service"
    page = client.get(reverse("cart:detail")).text
    assert 'data-line-service="%s"' % protection.code in page
    assert "Add 2-year protection" not in page
    assert "£44.98" in page  # 39.99 + 4.99


def test_giving_a_service_back_in_the_cart_keeps_the_item(client, kettle, protection):
    add(client, kettle, services=[protection.pk])
    line = CartLine.objects.get()
    response = remove_service(client, line, protection)
    assert last_message(response) == "Removed “2-year protection” from “Kettle”."
    assert not CartLineService.objects.exists() and CartLine.objects.exists()


def test_removing_the_item_in_the_cart_removes_its_service(client, kettle, protection):
    add(client, kettle, services=[protection.pk])
    client.post(reverse("cart:remove"), {"line": CartLine.objects.get().pk})
    assert not CartLine.objects.exists() and not CartLineService.objects.exists()


def test_changing_the_items_quantity_in_the_cart_changes_the_services(client, kettle, protection):
    add(client, kettle, services=[protection.pk])
    client.post(reverse("cart:update"), {"line": CartLine.objects.get().pk, "quantity": 3})
    page = client.get(reverse("cart:detail")).text
    assert "£4.99 × 3" in page and "£14.97" in page


def test_someone_elses_line_is_refused_and_keeps_its_services(client, kettle, protection):
    theirs = CartLineFactory(product=kettle)
    add(client, ProductFactory())  # the visitor has a cart of their own
    response = add_service(client, theirs, protection)
    assert last_message(response) == "That item is not in your cart."
    assert not CartLineService.objects.exists()
    theirs.services.create(service=protection)
    response = remove_service(client, theirs, protection)
    assert last_message(response) == "That item is not in your cart."
    assert CartLineService.objects.count() == 1


def test_a_visitor_without_a_cart_is_told_the_item_is_not_theirs(client, kettle, protection):
    response = add_service(client, CartLineFactory(product=kettle), protection)
    assert last_message(response) == "That item is not in your cart."


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"line": "abc", "service": "1"}, "That item is not in your cart."),
        ({"service": "1"}, "This field is required."),
        ({"line": "1", "service": "999999"}, "That service isn't offered."),
        ({"line": "1"}, "Please choose a service."),
    ],
)
def test_malformed_service_posts_are_errors_that_change_nothing(client, kettle, protection, data, message):
    add(client, kettle)
    response = client.post(reverse("cart:add-service"), data)
    assert message in messages_of(response)
    assert not CartLineService.objects.exists()


def test_an_inactive_or_ineligible_service_in_the_cart_is_refused(client, kettle, protection):
    add(client, kettle)
    line = CartLine.objects.get()
    protection.is_active = False
    protection.save()
    assert last_message(add_service(client, line, protection)) == "Sorry, “2-year protection” is no longer offered."
    wrap = ServiceFactory(name="Gift wrap", categories=[CategoryFactory()])
    assert last_message(add_service(client, line, wrap)) == "Sorry, “Gift wrap” isn't offered with “Kettle”."
    assert not CartLineService.objects.exists()


def test_service_changes_are_post_only_and_need_a_csrf_token(kettle, protection):
    client = Client(enforce_csrf_checks=True)
    add(client, kettle)
    assert client.get(reverse("cart:add-service")).status_code == 405
    assert client.get(reverse("cart:remove-service")).status_code == 405
    assert client.post(reverse("cart:add-service"), {"line": "1", "service": protection.pk}).status_code == 403


def test_checkout_review_offers_services_and_adding_one_comes_back_to_review(client, kettle, protection):
    add(client, kettle)
    client.post(reverse("checkout:start"), DETAILS)
    review = client.get(reverse("checkout:review")).text
    assert 'name="rec_placement" value="checkout_service"' in review
    line = CartLine.objects.get()
    response = add_service(client, line, protection, rec_placement="checkout_service", next=reverse("checkout:review"))
    assert response.url == reverse("checkout:review")
    review = client.get(reverse("checkout:review")).text
    assert "2-year protection" in review and 'name="expected_total" value="49.93"' in review  # 44.98 + 4.95 delivery
    details = client.get(reverse("checkout:start")).text
    assert "+ 2-year protection" in details


def test_a_service_that_stopped_being_offered_sends_the_shopper_back_to_the_cart(client, kettle, protection):
    add(client, kettle, services=[protection.pk])
    protection.is_active = False
    protection.save()
    assert client.get(reverse("checkout:start")).url == reverse("cart:detail")
    page = client.get(reverse("cart:detail")).text
    assert "No longer offered — please remove it to check out." in page


# Query counts: the cart with many lines, each with services taken and offered, costs what it
# costs with one (tests/cart/test_views.py pins the budget for plain lines).
CART_WITH_SERVICES_BUDGET = 27


def test_the_cart_pages_query_count_does_not_grow_with_lines_and_services(client, django_assert_max_num_queries):
    categories = [CategoryFactory(parent=CategoryFactory()) for _ in range(3)]
    services = [ServiceFactory(categories=[category.parent]) for category in categories]
    services += [ServiceFactory(categories=[category]) for category in categories]
    counts = {}
    for line_count in (1, 12):
        while CartLine.objects.count() < line_count:
            n = CartLine.objects.count()
            product = ProductFactory(category=categories[n % 3])
            add(client, product, services=[services[n % 3].pk])
        with django_assert_max_num_queries(CART_WITH_SERVICES_BUDGET) as queries:
            response = client.get(reverse("cart:detail"))
        assert response.text.count("data-line-service=") == line_count
        assert response.text.count('name="rec_placement" value="cart_service"') == line_count
        counts[line_count] = len(queries)
    assert counts[12] <= counts[1], counts
    assert CartLineService.objects.count() == 12
