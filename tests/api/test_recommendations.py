"""Every recommendation placement over the API: the pages' items in the pages' order with
their reasons, nothing for the holdout, each shown, clicked and added item recorded under
the placement's API name."""

from datetime import timedelta
from decimal import Decimal

import pytest
from django.core import signing
from django.test import Client

from recommendations.measurement.models import Event
from shop.cart.models import CartLine
from shop.cart.origin import MAX_AGE as ORIGIN_MAX_AGE
from tests.api.conftest import HUMAN, App, count_queries, session_with
from tests.factories import (
    BundleFactory,
    BundleItemFactory,
    CategoryFactory,
    ComplementFactory,
    ProductFactory,
    UpgradeFactory,
)
from tests.recommendations.test_pages import build_product_page

pytestmark = pytest.mark.django_db


def ids(items) -> list[int]:
    return [item["product"]["id"] for item in items]


# Product page ------------------------------------------------------------------------------


def test_the_product_blocks_are_the_ones_its_page_shows(app, publish):
    toaster = build_product_page(publish, partners=5, tiers=3)
    page = Client(HTTP_USER_AGENT=HUMAN).get(toaster.get_absolute_url())

    body = app.get(f"/products/{toaster.pk}/recommendations").json()

    assert ids(body["fbt"]["items"]) == [item.product.pk for item in page.context["fbt"].items]
    assert [item["reason"] for item in body["fbt"]["items"]] == [item.reason for item in page.context["fbt"].items]
    assert body["fbt"]["items"][0]["reason"] == "Staff pick — Crumb-free counters"
    assert body["fbt"]["total"] == f"{page.context['fbt'].total:.2f}"
    assert body["upgrade"]["product"]["id"] == page.context["upgrade"].product.pk
    assert body["upgrade"]["price_delta"] == "9.00" and body["upgrade"]["reason"] == "Toasts bagels too"
    assert [column["product"]["id"] for column in body["tier_chart"]["columns"]] == [
        column.product.pk for column in page.context["chart"].columns
    ]


def test_fbt_has_the_anchor_its_items_each_with_a_reason_and_the_total(app, publish):
    kettle = ProductFactory(name="Kettle", price=Decimal("20.00"))
    mug, jar = ProductFactory(price=Decimal("4.50")), ProductFactory(price=Decimal("3.25"))
    publish({kettle: [(mug, 31, 100, 100), (jar, 12, 100, 100)]})

    fbt = app.get(f"/products/{kettle.pk}/fbt").json()["fbt"]

    assert fbt["anchor"]["id"] == kettle.pk
    assert ids(fbt["items"]) == [mug.pk, jar.pk]
    assert fbt["items"][0]["reason"] == "Bought together by 31% of customers who bought this"
    assert fbt["items"][0]["source"] == "copurchase"
    assert fbt["total"] == "27.75"


def test_no_item_is_offered_twice_between_the_upgrade_and_fbt(app, publish):
    kettle = ProductFactory(price=Decimal("20.00"))
    better = ProductFactory(price=Decimal("24.00"))
    UpgradeFactory(product=kettle, upgrade=better)
    publish({kettle: [(better, 50, 100, 100), (ProductFactory(), 40, 100, 100)]})

    body = app.get(f"/products/{kettle.pk}/recommendations").json()
    alone = app.get(f"/products/{kettle.pk}/fbt").json()

    assert body["upgrade"]["product"]["id"] == better.pk
    assert better.pk not in ids(body["fbt"]["items"])
    assert ids(alone["fbt"]["items"]) == ids(body["fbt"]["items"])


def test_the_product_page_never_offers_what_is_in_the_cart(app, publish):
    kettle, mug, jar = ProductFactory.create_batch(3)
    publish({kettle: [(mug, 31, 100, 100), (jar, 12, 100, 100)]})
    app.post("/cart/items", {"product": mug.pk})

    assert ids(app.get(f"/products/{kettle.pk}/fbt").json()["fbt"]["items"]) == [jar.pk]


def test_the_bundle_offer_has_its_price_and_saving(app):
    teapot = ProductFactory(name="Teapot", price=Decimal("20.00"))
    bundle = BundleFactory(name="Tea for two", discount_value=Decimal("10"))
    BundleItemFactory(bundle=bundle, product=teapot)
    BundleItemFactory(bundle=bundle, product=ProductFactory(name="Cup", price=Decimal("5.00")), quantity=2)

    offer = app.get(f"/products/{teapot.pk}/bundle").json()["bundle"]

    assert (offer["id"], offer["name"], offer["price"], offer["saving"], offer["final_price"]) == (
        bundle.pk, "Tea for two", "30.00", "3.00", "27.00"
    )
    assert [(line["product"]["name"], line["quantity"]) for line in offer["lines"]] == [("Teapot", 1), ("Cup", 2)]


def test_the_holdout_gets_empty_blocks_everywhere(publish):
    toaster = build_product_page(publish, partners=4, tiers=3)
    held_out = App(session_token=session_with(rec_group="control"))
    held_out.post("/cart/items", {"product": toaster.pk})

    assert held_out.get(f"/products/{toaster.pk}/recommendations").json() == {
        "upgrade": None, "fbt": None, "tier_chart": None, "bundle": None
    }
    assert held_out.get(f"/products/{toaster.pk}/fbt").json() == {"fbt": None}
    assert held_out.get(f"/products/{toaster.pk}/upgrade").json() == {"item": None}
    assert held_out.get(f"/products/{toaster.pk}/tiers").json() == {"chart": None}
    assert held_out.get("/cart/recommendations").json() == {"complete": [], "upgrades": [], "shipping_bar": None}
    assert held_out.get("/checkout/addons").json() == {"items": []}
    assert held_out.get("/recommendations/also-bought", {"product": toaster.pk}).json() == {"anchor": None, "items": []}
    assert not Event.objects.filter(kind=Event.Kind.IMPRESSION).exists()


def test_an_inactive_or_unknown_product_has_no_blocks_but_a_404(app):
    hidden = ProductFactory(is_active=False)

    for path in ("recommendations", "fbt", "upgrade", "tiers", "bundle"):
        response = app.get(f"/products/{hidden.pk}/{path}")
        assert response.status_code == 404 and response.json()["message"] == "No such product."


# Cart, checkout, after the purchase ------------------------------------------------------------


def fill_cart(app, publish, *, lines: int):
    category = CategoryFactory()
    products = ProductFactory.create_batch(lines, category=category, price=Decimal("5.00"))
    partners = ProductFactory.create_batch(lines, category=category, price=Decimal("12.00"))
    publish({p: [(partners[i], 40, 100, 100), (partners[(i + 1) % lines], 20, 100, 100)] for i, p in enumerate(products)})
    for product in products:
        UpgradeFactory(product=product, upgrade=ProductFactory(price=Decimal("6.00"), category=category))
        app.post("/cart/items", {"product": product.pk})
    return products, partners


def test_the_cart_blocks_are_an_upgrade_per_line_complements_and_the_shipping_bar(app, publish):
    products, partners = fill_cart(app, publish, lines=2)

    body = app.get("/cart/recommendations").json()

    lines = {line["product"]["id"]: line["id"] for line in app.get("/cart").json()["lines"]}
    assert sorted(upgrade["line_id"] for upgrade in body["upgrades"]) == sorted(lines.values())
    assert all(upgrade["item"]["price_delta"] == "1.00" for upgrade in body["upgrades"])
    assert set(ids(body["complete"])) == {partner.pk for partner in partners}
    bar = body["shipping_bar"]
    assert (bar["free_shipping_gap"], bar["progress"]) == ("40.00", 20)
    assert all(item["reason"] for item in body["complete"])


def test_gap_fillers_close_the_gap_and_repeat_nothing_already_offered(app, publish, settings):
    settings.FREE_SHIPPING_THRESHOLD = Decimal("20.00")
    settings.RECOMMENDATIONS_CART_LIMIT = 1
    kettle = ProductFactory(price=Decimal("9.00"))
    cheap, dear, dearer = ProductFactory(price=Decimal("2.00")), ProductFactory(price=Decimal("12.00")), ProductFactory(price=Decimal("15.00"))
    publish({kettle: [(cheap, 50, 100, 100), (dear, 40, 100, 100), (dearer, 30, 100, 100)]})
    app.post("/cart/items", {"product": kettle.pk})

    body = app.get("/cart/recommendations").json()

    assert ids(body["complete"]) == [cheap.pk]
    assert ids(body["shipping_bar"]["fillers"]) == [dear.pk, dearer.pk]


def test_checkout_addons_are_cheap_complements_of_the_cart(app, publish, settings):
    settings.RECOMMENDATIONS_ADDON_MAX_PRICE = Decimal("5.00")
    kettle = ProductFactory()
    descaler, toaster = ProductFactory(price=Decimal("3.00")), ProductFactory(price=Decimal("30.00"))
    publish({kettle: [(toaster, 50, 100, 100), (descaler, 40, 100, 100)]})
    app.post("/cart/items", {"product": kettle.pk})

    assert App().get("/checkout/addons").json() == {"items": []}  # no cart, nothing to go with
    assert ids(app.get("/checkout/addons").json()["items"]) == [descaler.pk]


def test_also_bought_names_its_anchor_and_never_offers_the_products_bought(app, publish):
    kettle, mug, jam = ProductFactory.create_batch(3)
    publish({kettle: [(mug, 60, 100, 100), (jam, 40, 100, 100)]})

    body = app.get("/recommendations/also-bought", {"product": [kettle.pk, mug.pk]}).json()

    assert body["anchor"]["id"] == kettle.pk
    assert ids(body["items"]) == [jam.pk]
    assert body["items"][0]["reason"].endswith(f"who bought {kettle.name}")


def test_also_bought_needs_known_products(app):
    assert app.get("/recommendations/also-bought").status_code == 400
    response = app.get("/recommendations/also-bought", {"product": [123456]})
    assert response.status_code == 404 and response.json()["message"] == "No product with id 123456."


# Measurement ---------------------------------------------------------------------------------


def test_what_the_api_shows_is_recorded_under_the_api_placements(app, publish):
    toaster = build_product_page(publish, partners=4, tiers=3)

    app.get(f"/products/{toaster.pk}/recommendations")

    shown = set(Event.objects.filter(kind=Event.Kind.IMPRESSION).values_list("placement", flat=True))
    assert shown == {"api_product_fbt", "api_product_upgrade", "api_product_tiers"}
    assert not Event.objects.filter(kind=Event.Kind.IMPRESSION, product=toaster).exists()


def test_scripts_see_recommendations_but_are_not_counted(publish):
    kettle, mug = ProductFactory.create_batch(2)
    publish({kettle: [(mug, 31, 100, 100)]})

    body = App(user_agent="okhttp/4.12.0").get(f"/products/{kettle.pk}/fbt").json()

    assert ids(body["fbt"]["items"]) == [mug.pk]
    assert not Event.objects.exists()


def test_a_click_is_recorded_under_the_api_placement_from_the_items_token(app, publish):
    kettle, mug = ProductFactory.create_batch(2)
    publish({kettle: [(mug, 31, 100, 100)]})
    item = app.get(f"/products/{kettle.pk}/fbt").json()["fbt"]["items"][0]

    response = app.post("/recommendations/clicks", {"token": item["token"]})

    assert response.status_code == 201
    click = Event.objects.get(kind=Event.Kind.CLICK)
    assert (click.placement, click.source, click.product_id, click.anchor_id) == ("api_product_fbt", "copurchase", mug.pk, kettle.pk)


def test_a_forged_click_token_is_a_400_and_records_nothing(app):
    response = app.post("/recommendations/clicks", {"token": "WzEsImFwaV9wcm9kdWN0X2ZidCJd:forged:token"})

    assert response.status_code == 400 and response.json()["code"] == "invalid_token"
    assert not Event.objects.exists()


def test_an_add_with_the_items_token_is_credited_to_its_api_placement(app, publish):
    kettle, mug = ProductFactory.create_batch(2)
    publish({kettle: [(mug, 31, 100, 100)]})
    item = app.get(f"/products/{kettle.pk}/fbt").json()["fbt"]["items"][0]

    app.post("/cart/items", {"product": mug.pk, "rec_token": item["token"]})

    line = CartLine.objects.get()
    assert (line.rec_placement, line.rec_source, line.rec_anchor_id) == ("api_product_fbt", "copurchase", kettle.pk)
    assert Event.objects.filter(kind=Event.Kind.ADD, placement="api_product_fbt", product=mug).count() == 1


def test_a_forged_or_stale_token_credits_nothing_but_the_add_goes_through(app, publish, monkeypatch):
    kettle, mug = ProductFactory.create_batch(2)
    publish({kettle: [(mug, 31, 100, 100)]})
    token = app.get(f"/products/{kettle.pk}/fbt").json()["fbt"]["items"][0]["token"]

    forged_add = app.post("/cart/items", {"product": mug.pk, "rec_token": forged(token)})
    # A week later: past the pages' attribution window.
    real_time = signing.time.time
    monkeypatch.setattr(signing.time, "time", lambda: real_time() + (ORIGIN_MAX_AGE + timedelta(minutes=1)).total_seconds())
    stale_add = app.post("/cart/items", {"product": mug.pk, "rec_token": token})

    assert forged_add.status_code == stale_add.status_code == 201
    assert CartLine.objects.get().quantity == 2
    assert CartLine.objects.get().rec_placement == ""
    assert not Event.objects.filter(kind=Event.Kind.ADD).exists()


def test_a_token_for_another_product_credits_nothing_but_the_add_goes_through(app, publish):
    kettle, mug, jar = ProductFactory.create_batch(3)
    publish({kettle: [(mug, 31, 100, 100)]})
    item = app.get(f"/products/{kettle.pk}/fbt").json()["fbt"]["items"][0]

    response = app.post("/cart/items", {"product": jar.pk, "rec_token": item["token"]})

    assert response.status_code == 201
    assert CartLine.objects.get().rec_placement == ""


# Recommendation adds -----------------------------------------------------------------------------


@pytest.fixture
def knife_set(publish):
    knife = ProductFactory(name="Chef's knife")
    steel = ProductFactory(name="Honing steel")
    board = ProductFactory(name="Board")
    ComplementFactory(product=knife, complement=steel, pitch="Keeps the blade sharp")
    publish({knife: [(board, 31, 100, 200)]})
    return knife, steel, board


def test_adding_fbt_adds_the_anchor_and_partners_credited_to_the_api(app, knife_set):
    knife, steel, board = knife_set
    # The block's items carry the signed proof that it was shown (one of them is enough).
    token = app.get(f"/products/{knife.pk}/fbt").json()["fbt"]["items"][0]["token"]

    response = app.post("/cart/fbt", {"anchor": knife.pk, "products": [knife.pk, steel.pk, board.pk], "rec_token": token})

    assert response.status_code == 201
    added = {line.product_id: line for line in CartLine.objects.all()}
    assert set(added) == {knife.pk, steel.pk, board.pk}
    assert added[knife.pk].rec_placement == ""
    assert (added[steel.pk].rec_placement, added[steel.pk].rec_source) == ("api_product_fbt", "curated")
    assert (added[board.pk].rec_placement, added[board.pk].rec_source) == ("api_product_fbt", "copurchase")
    assert Event.objects.filter(kind=Event.Kind.ADD, placement="api_product_fbt").count() == 2


def forged(token: str) -> str:
    """The token with its payload changed and its timestamp and signature kept."""
    payload, rest = token.split(":", 1)
    return payload[:-2] + ("AA" if not payload.endswith("AA") else "BB") + ":" + rest


@pytest.mark.parametrize("proof", ["none", "forged", "another anchor's"])
def test_an_fbt_add_without_a_valid_token_goes_through_credited_to_nothing(app, knife_set, publish, proof):
    knife, steel, board = knife_set
    kettle, mug = ProductFactory.create_batch(2)
    publish({knife: [(board, 31, 100, 200)], kettle: [(mug, 31, 100, 100)]})
    token = app.get(f"/products/{knife.pk}/fbt").json()["fbt"]["items"][0]["token"]
    tokens = {
        "none": None,
        "forged": forged(token),
        "another anchor's": app.get(f"/products/{kettle.pk}/fbt").json()["fbt"]["items"][0]["token"],
    }

    response = app.post("/cart/fbt", {"anchor": knife.pk, "products": [steel.pk, board.pk], "rec_token": tokens[proof]})

    assert response.status_code == 201
    assert sorted(CartLine.objects.values_list("product_id", flat=True)) == sorted([steel.pk, board.pk])
    assert set(CartLine.objects.values_list("rec_placement", flat=True)) == {""}
    assert not Event.objects.filter(kind=Event.Kind.ADD).exists()


def test_adding_fbt_with_a_product_not_offered_adds_nothing(app, knife_set):
    knife, steel, _ = knife_set
    hose = ProductFactory(name="Garden hose")

    response = app.post("/cart/fbt", {"anchor": knife.pk, "products": [steel.pk, hose.pk]})

    assert response.status_code == 400
    assert response.json()["message"] == "“Garden hose” isn't offered with “Chef's knife”."
    assert response.json()["fields"] == [{"field": None, "code": "not_offered", "message": response.json()["message"]}]
    assert not CartLine.objects.exists()


def test_adding_fbt_is_all_or_nothing_when_a_partner_sold_out(app, knife_set):
    knife, steel, board = knife_set
    board.stock = 0
    board.save()

    response = app.post("/cart/fbt", {"anchor": knife.pk, "products": [knife.pk, steel.pk, board.pk]})

    assert response.status_code == 409 and response.json()["code"] == "out_of_stock"
    assert not CartLine.objects.exists()


def test_a_line_is_upgraded_to_the_offered_upgrade_keeping_its_quantity(app):
    kettle = ProductFactory(price=Decimal("20.00"))
    better = ProductFactory(price=Decimal("25.00"))
    UpgradeFactory(product=kettle, upgrade=better)
    line_id = app.post("/cart/items", {"product": kettle.pk, "quantity": 2}).json()["lines"][0]["id"]
    [offer] = app.get("/cart/recommendations").json()["upgrades"]

    response = app.post("/cart/upgrades", {"line": line_id, "product": better.pk, "rec_token": offer["item"]["token"]})

    assert response.status_code == 200
    line = CartLine.objects.get()
    assert (line.product_id, line.quantity, line.rec_placement, line.rec_anchor_id) == (better.pk, 2, "api_cart_upgrade", kettle.pk)


@pytest.mark.parametrize("proof", ["none", "forged", "another product's offer"])
def test_an_upgrade_without_a_valid_token_is_made_but_credited_to_nothing(app, proof):
    kettle, toaster = ProductFactory(price=Decimal("20.00")), ProductFactory(price=Decimal("21.00"))
    better = ProductFactory(price=Decimal("25.00"))
    UpgradeFactory(product=kettle, upgrade=better)
    UpgradeFactory(product=toaster, upgrade=better)
    line_id = app.post("/cart/items", {"product": toaster.pk}).json()["lines"][0]["id"]
    [offer] = app.get("/cart/recommendations").json()["upgrades"]
    tokens = {
        "none": None,
        "forged": forged(offer["item"]["token"]),
        # The same upgrade, offered on the kettle's page: not the line's product.
        "another product's offer": app.get(f"/products/{kettle.pk}/upgrade").json()["item"]["token"],
    }

    response = app.post("/cart/upgrades", {"line": line_id, "product": better.pk, "rec_token": tokens[proof]})

    assert response.status_code == 200
    line = CartLine.objects.get(pk=line_id)
    assert (line.product_id, line.rec_placement) == (better.pk, "")
    assert not Event.objects.filter(kind=Event.Kind.ADD).exists()


def test_an_upgrade_that_is_not_offered_is_refused_and_the_line_kept(app):
    kettle, other = ProductFactory(), ProductFactory(name="Other")
    line_id = app.post("/cart/items", {"product": kettle.pk}).json()["lines"][0]["id"]

    response = app.post("/cart/upgrades", {"line": line_id, "product": other.pk})

    assert response.status_code == 409 and response.json()["code"] == "not_offered"
    assert CartLine.objects.get().product_id == kettle.pk
    assert app.post("/cart/upgrades", {"line": 999999, "product": other.pk}).status_code == 404


def test_a_bundle_is_added_whole_and_its_saving_applied(app):
    teapot, cup = ProductFactory(price=Decimal("20.00")), ProductFactory(price=Decimal("5.00"))
    bundle = BundleFactory(discount_value=Decimal("10"))
    BundleItemFactory(bundle=bundle, product=teapot)
    BundleItemFactory(bundle=bundle, product=cup, quantity=2)
    token = app.get(f"/products/{teapot.pk}/bundle").json()["bundle"]["token"]

    response = app.post("/cart/bundles", {"bundle": bundle.pk, "rec_token": token})

    assert response.status_code == 201
    assert response.json()["totals"]["discount"] == "3.00"
    lines = {line.product_id: line for line in CartLine.objects.all()}
    assert (lines[cup.pk].rec_placement, lines[cup.pk].rec_source, lines[cup.pk].rec_anchor_id) == (
        "api_product_bundle", "bundle", teapot.pk
    )
    assert lines[teapot.pk].rec_placement == ""  # the product it was offered on, as on the page


@pytest.mark.parametrize("proof", ["none", "forged", "an item's click token"])
def test_a_bundle_added_without_its_offers_token_is_credited_to_nothing(app, publish, proof):
    teapot, cup, strainer = ProductFactory.create_batch(3)
    bundle = BundleFactory()
    BundleItemFactory(bundle=bundle, product=teapot)
    BundleItemFactory(bundle=bundle, product=cup)
    publish({teapot: [(strainer, 31, 100, 100)]})
    offer = app.get(f"/products/{teapot.pk}/recommendations").json()
    tokens = {"none": None, "forged": forged(offer["bundle"]["token"]), "an item's click token": offer["fbt"]["items"][0]["token"]}

    response = app.post("/cart/bundles", {"bundle": bundle.pk, "rec_token": tokens[proof]})

    assert response.status_code == 201
    assert CartLine.objects.count() == 2
    assert set(CartLine.objects.values_list("rec_placement", flat=True)) == {""}


def test_an_unknown_or_sold_out_bundle_adds_nothing(app):
    teapot = ProductFactory(stock=0)
    bundle = BundleFactory()
    BundleItemFactory(bundle=bundle, product=teapot)
    BundleItemFactory(bundle=bundle, product=ProductFactory())

    assert app.post("/cart/bundles", {"bundle": 999}).status_code == 404
    assert app.post("/cart/bundles", {"bundle": bundle.pk}).status_code == 409
    assert not CartLine.objects.exists()


# Queries ---------------------------------------------------------------------------------------


def test_product_blocks_take_the_same_queries_whatever_the_number_of_recommendations(publish, django_assert_max_num_queries):
    small = build_product_page(publish, partners=2, tiers=2)
    big = build_product_page(publish, partners=12, tiers=8)
    app = App()
    for path in ("recommendations", "fbt", "upgrade", "tiers", "bundle"):
        few = count_queries(lambda: app.get(f"/products/{small.pk}/{path}"))
        many = count_queries(lambda: app.get(f"/products/{big.pk}/{path}"))
        assert few == many, path
    with django_assert_max_num_queries(5):
        app.get(f"/products/{big.pk}/recommendations")


def test_cart_checkout_and_after_purchase_blocks_take_the_same_queries_whatever_the_cart(publish, django_assert_max_num_queries):
    small, big = App(), App()
    few_products, _ = fill_cart(small, publish, lines=2)
    many_products, _ = fill_cart(big, publish, lines=9)
    for path, few_query, many_query in (
        ("/cart/recommendations", None, None),
        ("/checkout/addons", None, None),
        ("/recommendations/also-bought", {"product": [p.pk for p in few_products]}, {"product": [p.pk for p in many_products]}),
    ):
        assert count_queries(lambda: small.get(path, few_query)) == count_queries(lambda: big.get(path, many_query)), path
    # The cart read includes its lines' service add-ons (taken, offered, their categories).
    with django_assert_max_num_queries(9):
        big.get("/cart/recommendations")

