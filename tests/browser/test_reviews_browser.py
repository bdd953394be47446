"""Reviews in a real browser: a customer writes one, staff publish it in the admin, shoppers
see it; a guest reviews from the e-mail link; "Was this helpful?" counts once."""

from datetime import timedelta
from decimal import Decimal
from pathlib import Path

import pytest
from django.core import mail
from django.utils import timezone
from playwright.sync_api import expect

from catalog.reviews.models import Review
from catalog.reviews.services import product_ratings_refresh
from recommendations.followups.services import review_requests_send_due
from shop.orders.models import Order
from tests.factories import (
    CategoryFactory,
    OrderFactory,
    OrderLineFactory,
    ProductFactory,
    ReviewFactory,
    UserFactory,
)
from tests.followups.conftest import agree_to_marketing

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

SHOTS = Path("/tmp/shots/reviews")
BROWSER_UA = "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0 Safari/537.36"
PASSWORD = "correct horse battery"


@pytest.fixture
def browser_context_args(browser_context_args):
    return {**browser_context_args, "user_agent": BROWSER_UA}


@pytest.fixture
def kettle():
    category = CategoryFactory(name="Kitchen", slug="kitchen")
    ProductFactory.create_batch(3, category=category)
    return ProductFactory(name="Enamel Kettle", slug="enamel-kettle", price=Decimal("35.00"), category=category)


def log_in(page, live_server, *, username: str):
    page.goto(live_server.url + "/accounts/login/")
    page.get_by_label("Email").fill(username)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Log in").click()


def log_out(page):
    page.get_by_role("button", name="Log out").click()


def shoot(page, name: str):
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SHOTS / f"{name}.png"), full_page=True)


def test_a_customer_reviews_staff_publish_it_and_it_shows_on_the_product_page(live_server, page, kettle):
    # given: a customer with a paid order for the kettle, and a manager
    customer = UserFactory(username="ada@example.com", email="ada@example.com")
    order = OrderFactory(user=customer, email=customer.email, shipping_name="Ada Lovelace", status=Order.Status.PAID)
    OrderLineFactory(order=order, product=kettle)
    UserFactory(username="manager", is_staff=True, is_superuser=True)

    # the customer writes a review from the product page, after a first try without stars
    log_in(page, live_server, username="ada@example.com")
    page.goto(live_server.url + kettle.get_absolute_url())
    page.get_by_role("link", name="Write a review").click()
    page.get_by_label("Title").fill("Boils in no time")
    page.get_by_label("Your review").fill("Quiet, quick and the handle stays cool.")
    page.get_by_role("button", name="Submit review").click()
    expect(page.locator(".review-rating-field .errorlist")).to_have_text("Choose a rating from 1 to 5 stars.")
    page.locator(".star-input label", has_text="4 stars").click()
    page.get_by_role("button", name="Submit review").click()
    expect(page.locator(".message-success")).to_contain_text("Your review will appear once we’ve checked it")
    expect(page.locator(".review-own-status")).to_contain_text("it will appear once we’ve checked it")
    expect(page.locator(".review-list")).to_have_count(0)
    log_out(page)

    # staff publish it from the admin's pending list
    page.goto(live_server.url + "/admin/login/")
    page.fill("#id_username", "manager")
    page.fill("#id_password", PASSWORD)
    page.get_by_role("button", name="Log in").click()
    page.goto(live_server.url + "/admin/reviews/review/?status__exact=pending")
    page.locator("#result_list tbody tr", has_text="Boils in no time").locator("input[name=_selected_action]").check()
    page.select_option("select[name=action]", "publish_reviews")
    page.get_by_role("button", name="Run").click()
    expect(page.locator(".messagelist")).to_contain_text("Published 1 review.")
    page.context.clear_cookies()

    # any shopper now sees it, with its badge, and the kettle's rating on the category page
    page.goto(live_server.url + kettle.get_absolute_url())
    review = page.locator(".review", has_text="Boils in no time")
    expect(review).to_contain_text("Ada L.")
    expect(review.locator(".review-verified")).to_have_text("✓ Verified purchase")
    expect(page.locator(".reviews-average-value")).to_have_text("4.0")
    expect(page.locator(".product-info .rating .rating-figures")).to_contain_text("4.0 (1)")
    shoot(page, "product-after-publish")
    page.goto(live_server.url + "/category/kitchen/")
    expect(page.locator(".product-card", has_text="Enamel Kettle").locator(".rating")).to_contain_text("4.0 (1)")
    assert Review.objects.get().status == Review.Status.PUBLISHED


def test_a_guest_reviews_from_the_link_in_the_how_was_it_email(live_server, page, kettle, settings):
    settings.SITE_URL = live_server.url
    shipped = timezone.now() - timedelta(days=11)
    order = OrderFactory(email="grace@example.com", shipping_name="Grace Hopper", status=Order.Status.SHIPPED,
                         placed_at=shipped - timedelta(days=1), shipped_at=shipped)
    OrderLineFactory(order=order, product=kettle)
    agree_to_marketing(order.email)
    review_requests_send_due()
    link = next(word for word in mail.outbox[0].body.split() if "/reviews/how-was-it/" in word)

    page.goto(link + "?rating=5")
    expect(page.get_by_role("heading", name="How was it?")).to_be_visible()
    expect(page.locator("#id_rating_0")).to_be_checked()  # 5 stars, picked in the e-mail
    page.get_by_label("Title").fill("Lovely kettle")
    page.get_by_label("Your review").fill("Looks great on the hob and boils quickly.")
    page.get_by_role("button", name="Submit review").click()

    expect(page.locator(".message-success")).to_contain_text("Thank you!")
    review = Review.objects.get()
    assert (review.email, review.user, review.rating, review.author_name) == ("grace@example.com", None, 5, "Grace H.")


def test_was_this_helpful_counts_once_and_updates_in_place(live_server, page, kettle):
    review = ReviewFactory(product=kettle, title="Great kettle", helpful_count=0)
    product_ratings_refresh(product_ids=[kettle.pk])

    page.goto(live_server.url + kettle.get_absolute_url())
    box = page.locator(f"#review-{review.pk}")
    box.get_by_role("button", name="Yes").click()
    expect(box.locator(".review-helpful-done")).to_have_text("✓ You found this helpful")
    expect(box.locator("[data-helpful-count]")).to_have_text("1 person found this helpful")
    page.reload()
    expect(box.locator(".review-helpful-done")).to_be_visible()
    expect(box.get_by_role("button", name="Yes")).to_have_count(0)
    assert Review.objects.get(pk=review.pk).helpful_count == 1


@pytest.mark.parametrize("width", [1280, 390])
def test_the_product_and_category_pages_with_ratings_fit_the_screen(live_server, page, kettle, width):
    for number, rating in enumerate((5, 4, 4, 2, 5, 3)):
        ReviewFactory(product=kettle, rating=rating, title=f"Review number {number}", staff_reply="Thanks!" if rating < 3 else "")
    product_ratings_refresh(product_ids=[kettle.pk])
    page.set_viewport_size({"width": width, "height": 900})

    for name, url in (("product", kettle.get_absolute_url()), ("category", "/category/kitchen/")):
        page.goto(live_server.url + url)
        shoot(page, f"{name}-{width}")
        assert page.evaluate("document.documentElement.scrollWidth") <= width, f"{name} page scrolls sideways at {width}px"
    expect(page.locator(".product-card", has_text="Enamel Kettle").locator(".rating-value")).to_have_text("3.8")
