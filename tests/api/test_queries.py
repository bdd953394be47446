"""Every write of the API takes the same number of queries whatever the size of the cart
(the reads are pinned beside their behaviour in the other modules)."""

from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from tests.api.conftest import App
from tests.factories import BundleFactory, BundleItemFactory, CategoryFactory, ComplementFactory, ProductFactory, UpgradeFactory

pytestmark = pytest.mark.django_db


def shop_with_a_cart_of(lines: int) -> tuple[App, dict]:
    """An app whose cart has `lines` lines, and what each write needs: an FBT anchor and its
    partner, a bundle, a line with an upgrade, a line to remove (the recommendations' tokens
    are fetched by `warm`)."""
    category = CategoryFactory()
    app = App()
    products = ProductFactory.create_batch(lines, category=category, price=Decimal("10.00"))
    UpgradeFactory(product=products[0], upgrade=(better := ProductFactory(category=category, price=Decimal("12.00"))))
    anchor, partner = ProductFactory.create_batch(2, category=category)
    ComplementFactory(product=anchor, complement=partner)
    bundle = BundleFactory()
    bundled = ProductFactory.create_batch(2, category=category)
    for product in bundled:
        BundleItemFactory(bundle=bundle, product=product)
    for product in products:
        app.post("/cart/items", {"product": product.pk})
    line_ids = [line["id"] for line in app.get("/cart").json()["lines"]]
    return app, {
        "anchor": anchor.pk,
        "bundled": bundled[0].pk,
        "fbt": {"anchor": anchor.pk, "products": [anchor.pk, partner.pk]},
        "bundle": {"bundle": bundle.pk},
        "upgrade": {"line": line_ids[0], "product": better.pk},
        "remove": line_ids[-1],
    }


def warm(app, data) -> None:
    """The caches as a shop in use has them (the blocks the writes check against), once
    every product is in place: a curation edit starts them afresh. The adds carry the
    tokens the blocks came with, so each write records its recommendation add too."""
    data["token"] = app.get(f"/products/{data['anchor']}/fbt").json()["fbt"]["items"][0]["token"]
    data["fbt"]["rec_token"] = data["token"]
    data["bundle"]["rec_token"] = app.get(f"/products/{data['bundled']}/bundle").json()["bundle"]["token"]
    upgrades = app.get("/cart/recommendations").json()["upgrades"]
    data["upgrade"]["rec_token"] = next(u["item"]["token"] for u in upgrades if u["line_id"] == data["upgrade"]["line"])


# Each write and the most queries it may take (on SQLite, savepoints included): the cart's
# locks and writes, the add events measurement records, and the cart read back. A click is
# the session, the product, whether this visitor's click on this link is already counted (a
# replayed token counts once), and the event. The cart read back includes its lines' service
# add-ons (those taken, those offered, the categories they are offered with); an upgrade also
# keeps only the services the new product is offered.
WRITES = {
    "add FBT": (lambda app, data: app.post("/cart/fbt", data["fbt"]), 31),
    "add bundle": (lambda app, data: app.post("/cart/bundles", data["bundle"]), 30),
    "upgrade a line": (lambda app, data: app.post("/cart/upgrades", data["upgrade"]), 21),
    "remove a line": (lambda app, data: app.delete(f"/cart/items/{data['remove']}"), 14),
    "record a click": (lambda app, data: app.post("/recommendations/clicks", {"token": data["token"]}), 4),
}


def queries_of(call) -> int:
    with CaptureQueriesContext(connection) as queries:
        response = call()
    assert response.status_code < 300, response.content
    return len(queries)


@pytest.mark.parametrize("write", WRITES)
def test_each_write_takes_the_same_queries_for_a_small_and_a_big_cart(write):
    small, small_data = shop_with_a_cart_of(2)
    big, big_data = shop_with_a_cart_of(12)
    warm(small, small_data)
    warm(big, big_data)

    call, most = WRITES[write]

    few = queries_of(lambda: call(small, small_data))
    many = queries_of(lambda: call(big, big_data))

    assert few == many <= most
