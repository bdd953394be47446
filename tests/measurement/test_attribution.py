"""Events and attribution: impressions in one write, clicks, adds, purchases credited once."""

import re
from datetime import timedelta
from decimal import Decimal
from urllib.parse import unquote

import pytest
from django.contrib.auth.models import AnonymousUser
from django.contrib.sessions.backends.db import SessionStore
from django.http import HttpResponse
from django.template import Context, Template
from django.test import Client, RequestFactory
from django.urls import reverse
from django.utils import timezone

from recommendations.measurement.clicks import click_target_load, click_url
from recommendations.measurement.holdout import TREATMENT, Visit, current_visit
from recommendations.measurement.middleware import HoldoutMiddleware
from recommendations.measurement.models import Event
from recommendations.measurement.selectors import Period, placement_performance, top_pairs
from recommendations.measurement.services import impressions_record, rec_origins_expire
from recommendations.selectors.placements import Recommendation
from shop.cart.models import CartLine
from shop.cart.origin import rec_origin_for_product, rec_origin_sign
from shop.cart.services import RecOrigin, cart_add_product, cart_set_quantity
from shop.checkout.services import ShippingAddress, order_place
from shop.orders.models import Order
from tests.factories import (
    CartFactory,
    CartLineFactory,
    ComplementFactory,
    OrderFactory,
    OrderLineFactory,
    ProductFactory,
)

from .conftest import BROWSER_UA, checkout_through_pages

pytestmark = pytest.mark.django_db

ADDRESS = ShippingAddress(name="Ada Shopper", line1="1 High Street", city="Leeds", postcode="LS1 1AA")


def _page_request(user_agent=BROWSER_UA):
    request = RequestFactory().get("/product/", HTTP_USER_AGENT=user_agent)
    request.session = SessionStore()
    request.user = AnonymousUser()
    return request


def test_a_page_writes_all_its_impressions_in_one_query(django_assert_num_queries):
    products = ProductFactory.create_batch(7)
    anchor = products[0]

    def page(request):
        impressions_record(
            request=request,
            placement="product_fbt",
            items=[(p.pk, "curated") for p in products[1:4]],
            anchor_id=anchor.pk,
        )
        impressions_record(
            request=request,
            placement="product_upgrade",
            items=[(p.pk, "upgrade") for p in products[4:]],
            anchor_id=anchor.pk,
        )
        return HttpResponse("ok")

    request = _page_request()
    middleware = HoldoutMiddleware(page)
    # one INSERT for all six impressions (a first visit writes no visitor row)
    with django_assert_num_queries(1):
        middleware(request)
    events = Event.objects.filter(kind=Event.Kind.IMPRESSION)
    assert events.count() == 6
    assert len({e.view_id for e in events}) == 2
    assert {(e.group, e.visitor_key) for e in events} == {(request.rec_visit.group, request.rec_visit.visitor_key)}


def test_bots_impressions_are_not_recorded():
    product = ProductFactory()

    def page(request):
        impressions_record(request=request, placement="product_fbt", items=[(product.pk, "curated")])
        return HttpResponse("ok")

    HoldoutMiddleware(page)(_page_request(user_agent="Googlebot/2.1"))
    assert not Event.objects.exists()


def test_a_click_is_recorded_and_leads_to_the_product_with_its_origin(shopper):
    anchor, product = ProductFactory(), ProductFactory(slug="bread-knife")
    response = shopper.get(
        click_url(product_id=product.pk, placement="product_fbt", source="curated", anchor_id=anchor.pk)
    )
    assert response.status_code == 302
    assert response["Location"].startswith(product.get_absolute_url() + "?rec=")
    token = unquote(response["Location"].split("?rec=")[1])
    assert rec_origin_for_product(token, product_id=product.pk) == RecOrigin("product_fbt", "curated", anchor.pk)
    click = Event.objects.get(kind=Event.Kind.CLICK)
    assert (click.placement, click.source, click.product_id, click.anchor_id) == (
        "product_fbt",
        "curated",
        product.pk,
        anchor.pk,
    )


def test_a_tampered_click_link_is_refused_and_records_nothing(shopper):
    product = ProductFactory()
    url = click_url(product_id=product.pk, placement="product_fbt", source="curated")
    response = shopper.get(url.replace("product_fbt", "cart_upgrade")[:-3] + "xx/")
    assert response.status_code == 404
    assert not Event.objects.exists()


def test_clicks_by_bots_and_staff_are_not_counted(client, admin_user):
    product = ProductFactory()
    url = click_url(product_id=product.pk, placement="product_fbt", source="curated")
    assert client.get(url, HTTP_USER_AGENT="Mozilla/5.0 (compatible; bingbot/2.0)").status_code == 302
    client.force_login(admin_user)
    assert client.get(url, HTTP_USER_AGENT=BROWSER_UA).status_code == 302
    assert not Event.objects.exists()


def test_an_add_from_a_recommendation_is_recorded_once_however_often_the_line_changes(shopper):
    anchor, product = ProductFactory(), ProductFactory()
    shopper.get("/")
    origin = rec_origin_sign(placement="product_fbt", source="copurchase", anchor_id=anchor.pk, product_id=product.pk)
    response = shopper.post(reverse("cart:add"), {"product": product.pk, "quantity": 1, "rec_origin": origin})
    assert response.status_code == 302
    line = CartLine.objects.get()
    cart_add_product(cart=line.cart, product=product, quantity=2)
    cart_set_quantity(cart=line.cart, line_id=line.pk, quantity=1)
    add = Event.objects.get(kind=Event.Kind.ADD)
    assert (add.placement, add.source, add.anchor_id, add.group) == (
        "product_fbt",
        "copurchase",
        anchor.pk,
        shopper.session["rec_group"],
    )


def test_an_add_made_without_a_recommendation_records_nothing():
    cart_add_product(cart=CartFactory(), product=ProductFactory())
    assert not Event.objects.exists()


def test_an_add_during_a_staff_preview_is_not_recorded():
    token = current_visit.set(Visit(group=TREATMENT, counted=False))
    try:
        cart_add_product(cart=CartFactory(), product=ProductFactory(), origin=RecOrigin("cart_complete", "curated"))
    finally:
        current_visit.reset(token)
    assert not Event.objects.exists()


def _place(cart, *, rec_group=TREATMENT):
    return order_place(
        cart=cart,
        email="ada@example.com",
        address=ADDRESS,
        payment_method="bank_transfer",
        idempotency_key=f"key-{cart.pk}-{timezone.now().timestamp()}",
        rec_group=rec_group,
    )


def test_a_purchase_is_credited_once_to_the_placement_it_was_added_from():
    # given: a knife added from the cart's "complete your purchase", a board from the product
    # page's FBT, then the knife again by hand, and a plain item
    toaster = ProductFactory(price=Decimal("40.00"))
    knife = ProductFactory(price=Decimal("12.50"))
    board = ProductFactory(price=Decimal("20.00"))
    cart = CartFactory()
    cart_add_product(cart=cart, product=toaster)
    cart_add_product(cart=cart, product=knife, origin=RecOrigin("cart_complete", "copurchase", toaster.pk))
    cart_add_product(cart=cart, product=board, origin=RecOrigin("product_fbt", "curated", toaster.pk))
    cart_add_product(cart=cart, product=knife, quantity=1, origin=RecOrigin("product_fbt", "curated", toaster.pk))
    # when
    _place(cart)
    # then
    rows = {row.placement: row for row in placement_performance(period=Period.last_days(7))}
    assert rows["cart_complete"].revenue == Decimal("25.00")  # 2 knives, once, to where it came from
    assert rows["product_fbt"].revenue == Decimal("20.00")
    assert rows["cart_complete"].orders == rows["product_fbt"].orders == 1
    assert rows["cart_complete"].attach_rate == 1.0
    assert sum(row.revenue for row in rows.values()) == Decimal("45.00")
    assert [(p.anchor_id, p.product_id, p.revenue) for p in top_pairs(period=Period.last_days(7))] == [
        (toaster.pk, knife.pk, Decimal("25.00")),
        (toaster.pk, board.pk, Decimal("20.00")),
    ]


def test_cancelled_orders_and_plain_lines_earn_recommendations_nothing():
    order = OrderFactory(status=Order.Status.CANCELLED)
    OrderLineFactory(order=order, rec_placement="product_fbt", rec_source="curated")
    OrderLineFactory(order=OrderFactory())
    assert placement_performance(period=Period.last_days(7)) == []


def test_an_origin_older_than_the_attribution_window_is_not_credited(settings):
    settings.RECOMMENDATIONS_ATTRIBUTION_DAYS = 7
    stale = CartLineFactory(
        rec_placement="product_fbt", rec_source="curated", rec_added_at=timezone.now() - timedelta(days=8)
    )
    fresh = CartLineFactory(
        cart=stale.cart,
        rec_placement="cart_complete",
        rec_source="curated",
        rec_added_at=timezone.now() - timedelta(days=6),
    )
    assert rec_origins_expire() == 1
    _place(stale.cart)
    rows = {row.placement: row for row in placement_performance(period=Period.last_days(7))}
    assert set(rows) == {"cart_complete"}
    assert rows["cart_complete"].revenue == fresh.product.price


def test_the_order_records_the_visitors_group(shopper, settings):
    settings.RECOMMENDATIONS_HOLDOUT_SHARE = 1.0
    product = ProductFactory()
    shopper.post(reverse("cart:add"), {"product": product.pk, "quantity": 1})
    response = checkout_through_pages(shopper)
    assert response.status_code == 302
    assert Order.objects.get().rec_group == "control"


def test_an_add_on_the_page_a_recommendation_link_led_to_is_credited_to_that_recommendation(shopper):
    # given: a shopper follows the link of an e-mail's recommendation
    anchor, product = ProductFactory(), ProductFactory()
    link = click_url(product_id=product.pk, placement="email_post_purchase", source="curated", anchor_id=anchor.pk)
    page = shopper.get(link, follow=True)
    origin = re.search(r'name="rec_origin" value="([^"]+)"', page.content.decode()).group(1)
    # when: they add it with the page's own add-to-cart form
    shopper.post(reverse("cart:add"), {"product": product.pk, "quantity": 1, "rec_origin": origin})
    # then
    line = CartLine.objects.get()
    assert (line.rec_placement, line.rec_source, line.rec_anchor_id) == ("email_post_purchase", "curated", anchor.pk)
    assert Event.objects.filter(kind=Event.Kind.ADD, placement="email_post_purchase").count() == 1


def test_a_block_template_notes_its_impressions_with_a_tag():
    anchor, first, second = ProductFactory(), ProductFactory(), ProductFactory()
    items = [
        Recommendation(product=first, source="curated", anchor_id=anchor.pk, reason=""),
        Recommendation(product=second, source="copurchase", anchor_id=anchor.pk, reason=""),
    ]
    template = Template('{% load measurement_tags %}{% rec_impressions "product_fbt" items anchor=anchor %}')

    def page(request):
        return HttpResponse(template.render(Context({"request": request, "items": items, "anchor": anchor})))

    assert HoldoutMiddleware(page)(_page_request()).content == b""
    shown = Event.objects.filter(kind=Event.Kind.IMPRESSION).order_by("id")
    assert [(e.product_id, e.source, e.anchor_id) for e in shown] == [
        (first.pk, "curated", anchor.pk),
        (second.pk, "copurchase", anchor.pk),
    ]


def test_an_item_noted_twice_for_the_same_block_on_a_page_counts_once():
    anchor, product = ProductFactory(), ProductFactory()

    def page(request):
        for _ in range(2):
            impressions_record(
                request=request, placement="product_fbt", items=[(product.pk, "curated")], anchor_id=anchor.pk
            )
        impressions_record(
            request=request, placement="cart_complete", items=[(product.pk, "curated")], anchor_id=anchor.pk
        )
        return HttpResponse("ok")

    HoldoutMiddleware(page)(_page_request())
    assert sorted(Event.objects.values_list("placement", flat=True)) == ["cart_complete", "product_fbt"]


def test_a_replayed_click_link_counts_once_per_visitor(shopper):
    anchor, product = ProductFactory(), ProductFactory()
    # given: a link shown to this shopper on a page
    shopper.get("/")
    link = click_url(
        product_id=product.pk, placement="product_fbt", source="curated", anchor_id=anchor.pk,
        shown_to=shopper.get("/").wsgi_request.rec_visit.visitor_key,
    )

    # when: they follow it three times, and a script replays it without any cookie
    for _ in range(3):
        assert shopper.get(link).status_code == 302
    for _ in range(5):
        assert Client().get(link, HTTP_USER_AGENT=BROWSER_UA).status_code == 302

    # then: one click
    assert Event.objects.filter(kind=Event.Kind.CLICK).count() == 1


def test_a_link_in_an_email_counts_once_for_each_visitor_who_follows_it(shopper):
    product = ProductFactory()
    link = click_url(product_id=product.pk, placement="email_post_purchase", source="curated")

    shopper.get(link)
    shopper.get(link)
    Client().get(link, HTTP_USER_AGENT=BROWSER_UA)

    assert Event.objects.filter(kind=Event.Kind.CLICK).count() == 2


def test_a_page_signs_its_click_links_for_the_visitor_it_is_shown_to(shopper):
    knife = ProductFactory()
    steel = ProductFactory()
    ComplementFactory(product=knife, complement=steel)

    response = shopper.get(knife.get_absolute_url())

    links = re.findall(r'href="(/r/[^"]+/)"', response.content.decode())
    targets = {click_target_load(link.split("/")[2]) for link in links}
    assert {target.shown_to for target in targets} == {response.wsgi_request.rec_visit.visitor_key}
