"""Where ratings and reviews show: the product page's section, product cards and every
recommendation block, and the schema.org data for search engines."""

import json
import re
from datetime import timedelta
from decimal import Decimal

import pytest
from django.urls import reverse

from catalog.reviews.models import Review
from catalog.reviews.services import product_ratings_refresh, reviews_publish, reviews_reject
from tests.factories import (
    CategoryFactory,
    ComplementFactory,
    LadderTierFactory,
    ProductFactory,
    ReviewFactory,
    TierLadderFactory,
    UpgradeFactory,
    UserFactory,
)

from .conftest import place_order, reviewed

pytestmark = pytest.mark.django_db


def section(html: str) -> str:
    start = html.index('id="reviews"')
    return html[start : html.index("</section>", start)]


def test_the_product_page_shows_the_average_the_distribution_and_the_reviews(client, kettle):
    reviewed(kettle, 5, 5, 4, 1)
    ReviewFactory(product=kettle, title="Still waiting", status="pending")
    ReviewFactory(product=kettle, title="Not shown", status="rejected", rejection_reason="Spam.")

    html = client.get(kettle.get_absolute_url()).content.decode()
    reviews = section(html)

    assert 'class="reviews-average-value">3.8<' in reviews
    assert "4 reviews" in reviews
    shares = re.findall(r'rating-bar-share">(\d+)%', reviews)
    assert shares == ["50", "25", "0", "0", "25"]  # 5★ down to 1★
    assert reviews.count('class="review"') == 4
    assert "Still waiting" not in html and "Not shown" not in html
    assert "✓ Verified purchase" in reviews
    # The title's summary links to the section.
    assert 'href="#reviews"' in html and "Rated 3.8 out of 5 from 4 reviews" in html


def test_a_product_without_reviews_says_so(client, kettle):
    html = client.get(kettle.get_absolute_url()).content.decode()
    assert "No reviews yet." in section(html) and "Nobody has reviewed Enamel Kettle yet." in html
    assert "rating-bars" not in html


def test_staff_replies_show_under_the_review(client, kettle):
    reviewed(kettle, 2, staff_reply="Sorry! We have sent a replacement.")
    html = section(client.get(kettle.get_absolute_url()).content.decode())
    assert "Reply from Tandem" in html and "Sorry! We have sent a replacement." in html


def test_reviews_sort_newest_or_most_helpful_and_page(client, kettle, settings):
    settings.REVIEWS_PER_PAGE = 2
    old, helpful, new = reviewed(kettle, 5, 4, 3)
    for review, (days, votes) in zip((old, helpful, new), ((30, 1), (20, 9), (1, 0)), strict=True):
        Review.objects.filter(pk=review.pk).update(created_at=review.created_at - timedelta(days=days), helpful_count=votes)

    def titles(params):
        response = client.get(kettle.get_absolute_url(), params)
        return [review.title for review in response.context["reviews"].page.object_list]

    assert titles({}) == [new.title, helpful.title]
    assert titles({"reviews_page": 2}) == [old.title]
    assert titles({"reviews": "helpful"}) == [helpful.title, old.title]
    assert titles({"reviews": "nonsense", "reviews_page": "junk"}) == [new.title, helpful.title]
    assert titles({"reviews_page": 99}) == [old.title]
    html = client.get(kettle.get_absolute_url()).content.decode()
    assert "reviews_page=2#reviews" in html and "reviews=helpful#reviews" in html


def test_what_a_visitor_may_do(client, kettle):
    anonymous = section(client.get(kettle.get_absolute_url()).content.decode())
    assert "Sign in to review it" in anonymous

    stranger = UserFactory()
    client.force_login(stranger)
    assert "Write a review" not in section(client.get(kettle.get_absolute_url()).content.decode())

    place_order(product=kettle, user=stranger)
    assert "Write a review" in section(client.get(kettle.get_absolute_url()).content.decode())

    client.post(reverse("reviews:write", kwargs={"slug": kettle.slug}), {"rating": "5", "title": "Nice", "text": "A lovely kettle, quick to boil."})
    pending = section(client.get(kettle.get_absolute_url()).content.decode())
    assert "it will appear once we’ve checked it" in pending and "Edit your review" in pending

    reviews_reject(reviews=Review.objects.all(), reason="Please remove the phone number.")
    rejected = section(client.get(kettle.get_absolute_url()).content.decode())
    assert "We couldn’t publish your review: Please remove the phone number." in rejected


def test_product_cards_show_the_rating_of_reviewed_products_only(client):
    category = CategoryFactory()
    rated, unrated = ProductFactory(category=category, name="Rated lamp"), ProductFactory(category=category, name="Plain lamp")
    reviewed(rated, 5, 4)

    html = client.get(category.get_absolute_url()).content.decode()

    assert html.count('class="rating"') == 1
    assert 'data-rating="4.50" data-rating-count="2"' in html
    assert "Rated 4.5 out of 5 from 2 reviews" in html


def test_every_recommendation_block_on_the_product_page_shows_ratings(client):
    category = CategoryFactory()
    toaster = ProductFactory(name="Toaster", price=Decimal("20.00"), category=category)
    rack = ProductFactory(name="Toast rack", category=category)
    ComplementFactory(product=toaster, complement=rack)
    pro = ProductFactory(name="Toaster Pro", price=Decimal("26.00"), category=category)
    UpgradeFactory(product=toaster, upgrade=pro, pitch="Bagels too")
    ladder = TierLadderFactory(name="Toasters")
    LadderTierFactory(ladder=ladder, product=toaster, position=0, label="2-slice")
    big = ProductFactory(name="Toaster 4", price=Decimal("30.00"), category=category)
    LadderTierFactory(ladder=ladder, product=big, position=1, label="4-slice")
    reviewed(rack, 4)
    reviewed(pro, 5, 4)
    reviewed(big, 3)

    html = client.get(toaster.get_absolute_url()).content.decode()

    fbt = html[html.index('class="product-section rec-block rec-fbt"') :]
    assert 'data-rating-count="1"' in fbt[: fbt.index("</section>")]
    upgrade = html[html.index('class="rec-upgrade"') :]
    assert 'data-rating="4.50"' in upgrade[: upgrade.index("</aside>")]
    tiers = html[html.index("tier-rating-row") :]
    row = tiers[: tiers.index("</tr>")]
    assert "Customer rating" in row and "No reviews yet" in row and 'data-rating="3.00"' in row


def test_recommendation_cards_in_the_cart_show_ratings(client):
    kettle, descaler = ProductFactory(name="Kettle"), ProductFactory(name="Descaler")
    ComplementFactory(product=kettle, complement=descaler)
    reviewed(descaler, 5, 5, 4)
    client.post(reverse("cart:add"), {"product": kettle.pk, "quantity": 1})

    html = client.get(reverse("cart:detail")).content.decode()

    card = html[html.index(f'data-rec-product="{descaler.pk}"') :]
    assert "★" in card[: card.index("</li>")] and "(3)" in card[: card.index("</li>")]


def test_recommendation_blocks_show_a_new_rating_at_once_although_display_copies_are_cached(client):
    toaster, rack = ProductFactory(name="Toaster"), ProductFactory(name="Toast rack")
    ComplementFactory(product=toaster, complement=rack)
    reviewed(rack, 4)
    assert 'data-rating-count="1"' in client.get(toaster.get_absolute_url()).content.decode()

    reviews_publish(reviews=[ReviewFactory(product=rack, rating=2, status="pending")])

    html = client.get(toaster.get_absolute_url()).content.decode()  # display copy still cached
    assert 'data-rating="3.00" data-rating-count="2"' in html


def json_ld(html: str) -> dict:
    match = re.search(r'<script type="application/ld\+json">(.*?)</script>', html, re.S)
    assert match, "no JSON-LD on the page"
    return json.loads(match.group(1))


def test_the_product_page_describes_the_product_its_offer_and_rating_for_search_engines(client, kettle):
    reviewed(kettle, 5, 4, 4)

    data = json_ld(client.get(kettle.get_absolute_url()).content.decode())

    assert data["@context"] == "https://schema.org" and data["@type"] == "Product"
    assert (data["name"], data["sku"]) == (kettle.name, kettle.sku)
    assert data["url"] == "http://testserver" + kettle.get_absolute_url()
    assert data["image"][0].startswith("http://testserver/")
    assert data["offers"] == {
        "@type": "Offer",
        "url": "http://testserver" + kettle.get_absolute_url(),
        "price": "10.00",
        "priceCurrency": "GBP",
        "availability": "https://schema.org/InStock",
        "itemCondition": "https://schema.org/NewCondition",
    }
    assert data["aggregateRating"] == {
        "@type": "AggregateRating", "ratingValue": "4.33", "reviewCount": 3, "bestRating": 5, "worstRating": 1,
    }


def test_the_json_ld_leaves_out_the_rating_until_there_is_one_and_says_out_of_stock(client):
    product = ProductFactory(stock=0)
    data = json_ld(client.get(product.get_absolute_url()).content.decode())
    assert "aggregateRating" not in data
    assert data["offers"]["availability"] == "https://schema.org/OutOfStock"


def test_a_product_name_cannot_break_out_of_the_json_ld_script(client):
    hostile = ProductFactory(name='Mug</script><script>alert("x")</script> & co', description="<b>bold</b>")
    product_ratings_refresh(product_ids=[hostile.pk])

    html = client.get(hostile.get_absolute_url()).content.decode()

    script = re.search(r'<script type="application/ld\+json">(.*?)</script>', html, re.S).group(1)
    assert "<" not in script and ">" not in script and "&" not in script
    assert json.loads(script)["name"] == hostile.name
    assert "<script>alert" not in html


def test_my_orders_offers_to_review_what_was_paid_for(client, kettle):
    customer = UserFactory()
    paid = place_order(product=kettle, user=customer)
    waiting = place_order(product=kettle, user=customer, status="awaiting_payment")
    client.force_login(customer)

    paid_page = client.get(reverse("orders:detail", kwargs={"number": paid.number})).content.decode()
    waiting_page = client.get(reverse("orders:detail", kwargs={"number": waiting.number})).content.decode()

    assert reverse("reviews:write", kwargs={"slug": kettle.slug}) in paid_page and "How was it?" in paid_page
    assert "How was it?" not in waiting_page
