"""The recommendation POSTs: adds record their origin; tampered posts change nothing."""

import time
from decimal import Decimal
from unittest import mock

import pytest
from django.test import Client
from django.urls import reverse

from recommendations.vocabulary import Placement
from shop.cart.models import Cart, CartLine
from shop.cart.origin import rec_origin_sign
from tests.factories import BundleFactory, BundleItemFactory, ComplementFactory, ProductFactory, UpgradeFactory

pytestmark = pytest.mark.django_db


def lines(client):
    return {
        line.product_id: line
        for line in CartLine.objects.filter(cart__session_key=client.session.session_key)
    }


def messages_of(response):
    return [str(m) for m in response.context["messages"]] if response.context else []


@pytest.fixture
def knife_set(publish):
    knife = ProductFactory(name="Chef's knife")
    steel = ProductFactory(name="Honing steel")
    board = ProductFactory(name="Board")
    ComplementFactory(product=knife, complement=steel, pitch="Keeps the blade sharp")
    publish({knife: [(board, 31, 100, 200)]})
    return knife, steel, board


def test_add_all_puts_the_product_and_its_partners_in_the_cart_with_their_origin(client, knife_set):
    knife, steel, board = knife_set
    response = client.post(
        reverse("recommendations:add-fbt"),
        {"anchor": knife.pk, "offered": [knife.pk, steel.pk, board.pk], "products": [knife.pk], "mode": "all",
         "rec_origin": rec_origin_sign(placement="product_fbt", anchor_id=knife.pk), "next": knife.get_absolute_url()},
    )

    assert response.status_code == 302 and response.url == knife.get_absolute_url()
    added = lines(client)
    assert set(added) == {knife.pk, steel.pk, board.pk}
    assert added[knife.pk].rec_placement == ""
    assert (added[steel.pk].rec_placement, added[steel.pk].rec_source, added[steel.pk].rec_anchor_id) == ("product_fbt", "curated", knife.pk)
    assert (added[board.pk].rec_source, added[board.pk].rec_anchor_id) == ("copurchase", knife.pk)


def test_add_selected_adds_only_the_ticked_items(client, knife_set):
    knife, steel, board = knife_set
    client.post(
        reverse("recommendations:add-fbt"),
        {"anchor": knife.pk, "offered": [knife.pk, steel.pk, board.pk], "products": [knife.pk, board.pk], "mode": "selected"},
    )

    assert set(lines(client)) == {knife.pk, board.pk}


def test_a_tampered_fbt_post_with_a_product_not_offered_adds_nothing(client, knife_set):
    knife, steel, _ = knife_set
    stranger = ProductFactory(name="Garden hose")
    response = client.post(
        reverse("recommendations:add-fbt"), {"anchor": knife.pk, "products": [steel.pk, stranger.pk], "mode": "selected"}, follow=True
    )

    assert "“Garden hose” isn't offered with “Chef's knife”." in messages_of(response)
    assert not CartLine.objects.exists()


def test_add_all_is_all_or_nothing_when_a_partner_sold_out_meanwhile(client, knife_set):
    knife, steel, board = knife_set
    client.post(reverse("cart:add"), {"product": knife.pk, "quantity": 1})
    board.stock = 0
    board.save()

    response = client.post(
        reverse("recommendations:add-fbt"), {"anchor": knife.pk, "offered": [knife.pk, steel.pk, board.pk], "mode": "all"}, follow=True
    )

    assert any("out of stock" in m for m in messages_of(response))
    assert {pid: line.quantity for pid, line in lines(client).items()} == {knife.pk: 1}


def test_adding_a_recommended_item_records_placement_source_and_anchor(client, knife_set):
    knife, steel, _ = knife_set
    origin = rec_origin_sign(placement="cart_complete", source="curated", anchor_id=knife.pk, product_id=steel.pk)
    client.post(reverse("recommendations:add"), {"product": steel.pk, "rec_origin": origin})

    line = lines(client)[steel.pk]
    assert (line.rec_placement, line.rec_source, line.rec_anchor_id) == ("cart_complete", "curated", knife.pk)
    assert line.rec_added_at is not None


def _signed(**values):
    return rec_origin_sign(**values)


@pytest.mark.parametrize(
    "origin",
    [
        pytest.param(lambda p, a: {"rec_placement": "cart_complete", "rec_source": "curated", "rec_anchor": a}, id="unsigned"),
        pytest.param(lambda p, a: {"rec_origin": "cart_complete:curated"}, id="garbage"),
        pytest.param(
            lambda p, a: {"rec_origin": _signed(placement="cart_complete", source="curated", product_id=p)[:-2] + "xx"},
            id="tampered",
        ),
        pytest.param(
            lambda p, a: {"rec_origin": _signed(placement="cart_complete", source="curated", product_id=a)},
            id="another-products",
        ),
        pytest.param(lambda p, a: {"rec_origin": _signed(placement="<script>", source="curated", product_id=p)}, id="unknown"),
    ],
)
def test_a_hand_made_origin_still_adds_the_item_but_credits_no_recommendation(client, knife_set, origin):
    knife, steel, _ = knife_set

    response = client.post(reverse("recommendations:add"), {"product": steel.pk, **origin(steel.pk, knife.pk)}, follow=True)

    assert "Added “Honing steel” to your cart." in messages_of(response)
    line = lines(client)[steel.pk]
    assert (line.rec_placement, line.rec_source, line.rec_anchor_id, line.rec_added_at) == ("", "", None, None)


def test_an_expired_origin_credits_no_recommendation(client, knife_set):
    knife, steel, _ = knife_set
    origin = rec_origin_sign(placement="cart_complete", source="curated", anchor_id=knife.pk, product_id=steel.pk)

    with mock.patch("django.core.signing.time.time", return_value=time.time() + 8 * 24 * 3600):
        client.post(reverse("cart:add"), {"product": steel.pk, "quantity": 1, "rec_origin": origin})

    assert lines(client)[steel.pk].rec_placement == ""


def test_an_unsigned_fbt_add_adds_the_items_credited_to_nothing(client, knife_set):
    knife, steel, board = knife_set
    forged = rec_origin_sign(placement=Placement.PRODUCT_FBT, anchor_id=board.pk)  # signed for another anchor
    for fields in ({"rec_placement": "product_fbt"}, {"rec_origin": forged}):
        Cart.objects.all().delete()
        client.post(
            reverse("recommendations:add-fbt"),
            {"anchor": knife.pk, "offered": [knife.pk, steel.pk, board.pk], "mode": "all", **fields},
        )
        assert set(lines(client)) == {knife.pk, steel.pk, board.pk}
        assert {line.rec_placement for line in lines(client).values()} == {""}


@pytest.mark.parametrize("change", [{"is_active": False}, {"stock": 0}])
def test_adding_an_inactive_or_out_of_stock_item_is_refused_and_creates_no_cart(client, change):
    product = ProductFactory(**change)
    response = client.post(
        reverse("recommendations:add"), {"product": product.pk, "rec_placement": "cart_complete", "rec_source": "curated"}, follow=True
    )

    assert any("not available" in m for m in messages_of(response))
    assert not Cart.objects.exists()


def test_the_recommendation_endpoints_refuse_get(client):
    for name in ("recommendations:add", "recommendations:add-fbt", "recommendations:upgrade-line", "recommendations:add-bundle"):
        assert client.get(reverse(name)).status_code == 405


# Upgrade swap -------------------------------------------------------------------------------


@pytest.fixture
def toaster_in_cart(client):
    toaster = ProductFactory(name="2-slice toaster", price=Decimal("20.00"))
    better = ProductFactory(name="4-slice toaster", price=Decimal("28.00"), stock=5)
    UpgradeFactory(product=toaster, upgrade=better, pitch="Toasts bagels too")
    client.post(reverse("cart:add"), {"product": toaster.pk, "quantity": 3})
    return toaster, better, lines(client)[toaster.pk]


def test_an_upgrade_swaps_the_line_keeping_its_quantity(client, toaster_in_cart):
    toaster, better, line = toaster_in_cart
    response = client.post(reverse("recommendations:upgrade-line"), {"line": line.pk, "product": better.pk}, follow=True)

    assert "Upgraded “2-slice toaster” to “4-slice toaster”." in messages_of(response)
    line.refresh_from_db()
    assert (line.product_id, line.quantity) == (better.pk, 3)
    assert (line.rec_placement, line.rec_source, line.rec_anchor_id) == ("cart_upgrade", "upgrade", toaster.pk)


def test_an_upgrade_to_a_product_that_is_not_an_upgrade_of_the_line_changes_nothing(client, toaster_in_cart):
    toaster, _, line = toaster_in_cart
    stranger = ProductFactory(name="Garden hose", price=Decimal("25.00"))
    response = client.post(reverse("recommendations:upgrade-line"), {"line": line.pk, "product": stranger.pk}, follow=True)

    assert "“Garden hose” isn't an upgrade we offer for “2-slice toaster”." in messages_of(response)
    line.refresh_from_db()
    assert line.product_id == toaster.pk


def test_an_upgrade_beyond_the_price_guard_is_refused_even_if_linked(client, toaster_in_cart):
    toaster, better, line = toaster_in_cart
    better.price = Decimal("40.00")
    better.save()

    client.post(reverse("recommendations:upgrade-line"), {"line": line.pk, "product": better.pk})

    line.refresh_from_db()
    assert line.product_id == toaster.pk


def test_an_upgrade_of_another_visitors_line_changes_nothing(client, toaster_in_cart, django_user_model):
    _, better, line = toaster_in_cart
    response = Client().post(reverse("recommendations:upgrade-line"), {"line": line.pk, "product": better.pk}, follow=True)

    assert "That item is not in your cart." in messages_of(response)
    line.refresh_from_db()
    assert line.product_id != better.pk


# Bundles ---------------------------------------------------------------------------------


@pytest.fixture
def bundle():
    bundle = BundleFactory(name="Tea set", discount_value=Decimal("10"))
    BundleItemFactory(bundle=bundle, product=ProductFactory(name="Teapot"))
    BundleItemFactory(bundle=bundle, product=ProductFactory(name="Cups"), quantity=2)
    return bundle


def test_adding_a_bundle_adds_every_item_with_its_quantity(client, bundle):
    client.post(reverse("recommendations:add-bundle"), {"bundle": bundle.pk})

    assert sorted((line.product.name, line.quantity) for line in lines(client).values()) == [("Cups", 2), ("Teapot", 1)]


def test_a_bundle_add_is_credited_to_the_bundle_only_with_the_pages_signed_origin(client, bundle):
    teapot = bundle.items.get(quantity=1).product
    signed = rec_origin_sign(placement="product_bundle", source="bundle", anchor_id=teapot.pk)

    client.post(reverse("recommendations:add-bundle"), {"bundle": bundle.pk, "rec_origin": signed})
    credited = {line.product.name: (line.rec_placement, line.rec_source) for line in lines(client).values()}
    Cart.objects.all().delete()
    client.post(reverse("recommendations:add-bundle"), {"bundle": bundle.pk, "rec_anchor": teapot.pk})
    unsigned = {line.product.name: line.rec_placement for line in lines(client).values()}

    assert credited == {"Teapot": ("", ""), "Cups": ("product_bundle", "bundle")}  # the page's own product: not
    assert unsigned == {"Teapot": "", "Cups": ""}


@pytest.mark.parametrize("tamper", ["inactive", "unknown", "sold_out"])
def test_a_bundle_id_that_does_not_apply_adds_nothing(client, bundle, tamper):
    bundle_id = bundle.pk
    if tamper == "inactive":
        bundle.is_active = False
        bundle.save()
    elif tamper == "unknown":
        bundle_id = bundle.pk + 999
    else:
        cups = bundle.items.get(quantity=2).product
        cups.stock = 1
        cups.save()

    response = client.post(reverse("recommendations:add-bundle"), {"bundle": bundle_id}, follow=True)

    assert any("bundle isn't available" in m for m in messages_of(response))
    assert not CartLine.objects.exists()


def test_a_redirect_never_leaves_the_site(client, knife_set):
    _, steel, _ = knife_set
    response = client.post(
        reverse("recommendations:add"),
        {"product": steel.pk, "rec_placement": "cart_complete", "rec_source": "curated", "next": "https://evil.example/"},
    )

    assert response.url == reverse("cart:detail")
