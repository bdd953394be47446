"""Every recommendation placement, each item with its reason and a signed token.

Each endpoint asks the same selector as the page's template tag
(`recommendations.selectors.request`): the same candidates, guards and order, the same
"never twice in one answer", and nothing for visitors in the holdout group (empty lists).
What an endpoint returns is recorded as shown under the placement's API name
(`Placement.API_*`), and the items' tokens carry that name to the click and the add, so the
dashboard shows what the API earned beside what each page earned.

Adding a placement is a few lines: its `Placement.API_*` name, and an endpoint that returns
`_shown(request, items, placement=...)` for the items its selector gives.
"""

from ninja import Query, Router, Schema, Status
from pydantic import Field

from api import presenters
from api.errors import ApiError
from api.schemas import (
    AlsoBoughtOut,
    BundleOut,
    CartRecommendationsOut,
    ClickIn,
    ClickOut,
    ErrorOut,
    FbtBlockOut,
    ForYouOut,
    ProductRecommendationsOut,
    RecommendationList,
    TiersOut,
    UpgradeOut,
)
from catalog.models import Product
from recommendations.measurement.clicks import click_target_load
from recommendations.measurement.holdout import NOT_COUNTED
from recommendations.measurement.services import click_record, impressions_record_items
from recommendations.selectors.request import (
    also_bought_for_request,
    cart_page_for_request,
    checkout_addons_for_request,
    home_for_request,
    inspired_for_request,
    product_page_for_request,
    recently_viewed_for_request,
)
from recommendations.vocabulary import Placement, Source
from shop.cart.pricing import free_shipping_progress
from shop.cart.selectors import cart_overview
from shop.cart.services import cart_get_for_request

router = Router(tags=["Recommendations"])

MAX_ALSO_BOUGHT_PRODUCTS = 50


def _shown(request, items, *, placement: Placement, anchor_id: int | None = None) -> dict:
    """A list placement's answer, recorded as shown: {"items": [...]}."""
    impressions_record_items(request=request, placement=placement, items=items, anchor=anchor_id)
    return {"items": presenters.recommendations(request, items, placement=placement, anchor_id=anchor_id)}


def _anchor(product_id: int) -> Product:
    """The product a product page's blocks are for: active, else 404 (as its page)."""
    product = Product.objects.active().only("id", "name", "price", "stock", "is_active").filter(pk=product_id).first()
    if product is None:
        raise ApiError(404, "not_found", "No such product.")
    return product


# Product page ------------------------------------------------------------------------------


def _upgrade(request, recs, product) -> dict | None:
    if recs is None or recs.upgrade is None:
        return None
    impressions_record_items(request=request, placement=Placement.API_PRODUCT_UPGRADE, items=recs.upgrade, anchor=product)
    return presenters.recommendation(request, recs.upgrade, placement=Placement.API_PRODUCT_UPGRADE, anchor_id=product.pk)


def _fbt(request, recs) -> dict | None:
    if recs is None or recs.fbt is None:
        return None
    fbt = recs.fbt
    impressions_record_items(request=request, placement=Placement.API_PRODUCT_FBT, items=fbt.items, anchor=fbt.anchor)
    return presenters.fbt(request, fbt, placement=Placement.API_PRODUCT_FBT)


def _tier_chart(request, recs, product) -> dict | None:
    if recs is None or recs.tier_chart is None:
        return None
    chart = recs.tier_chart
    impressions_record_items(
        request=request, placement=Placement.API_PRODUCT_TIERS, items=chart.columns, anchor=product, source=Source.LADDER
    )
    return presenters.tier_chart(
        request, chart, anchor_id=product.pk, placement=Placement.API_PRODUCT_TIERS, source=Source.LADDER
    )


def _bundle(request, recs, product) -> dict | None:
    # As on the page, a bundle offer is not counted as an impression: it has no items to
    # click, and is added as a whole (POST /cart/bundles, with the offer's token).
    if recs is None or recs.bundle is None:
        return None
    return presenters.bundle(request, recs.bundle, anchor_id=product.pk, placement=Placement.API_PRODUCT_BUNDLE)


@router.get(
    "/products/{int:product_id}/recommendations", response={200: ProductRecommendationsOut, 404: ErrorOut},
    url_name="product-recommendations",
)
def product_recommendations(request, product_id: int):
    """All of a product page's blocks at once (upgrade offer, frequently bought together,
    tier chart, bundle), never repeating an item between them, as the page shows them."""
    product = _anchor(product_id)
    recs = product_page_for_request(request, product=product)
    return {
        "upgrade": _upgrade(request, recs, product),
        "fbt": _fbt(request, recs),
        "tier_chart": _tier_chart(request, recs, product),
        "bundle": _bundle(request, recs, product),
    }


@router.get("/products/{int:product_id}/fbt", response={200: FbtBlockOut, 404: ErrorOut}, url_name="product-fbt")
def product_fbt(request, product_id: int):
    """Frequently bought together, with the total of the anchor and every item (what
    POST /cart/fbt adds); null when there is nothing to offer, or for the holdout."""
    product = _anchor(product_id)
    return {"fbt": _fbt(request, product_page_for_request(request, product=product))}


@router.get("/products/{int:product_id}/upgrade", response={200: UpgradeOut, 404: ErrorOut}, url_name="product-upgrade")
def product_upgrade(request, product_id: int):
    """The upgrade offer: a better version for a little more (`price_delta`)."""
    product = _anchor(product_id)
    return {"item": _upgrade(request, product_page_for_request(request, product=product), product)}


@router.get("/products/{int:product_id}/tiers", response={200: TiersOut, 404: ErrorOut}, url_name="product-tiers")
def product_tiers(request, product_id: int):
    """The tier chart: the product's range side by side (columns × attributes)."""
    product = _anchor(product_id)
    return {"chart": _tier_chart(request, product_page_for_request(request, product=product), product)}


@router.get("/products/{int:product_id}/bundle", response={200: BundleOut, 404: ErrorOut}, url_name="product-bundle")
def product_bundle(request, product_id: int):
    """A bundle with this product, its price and its saving (POST /cart/bundles adds it)."""
    product = _anchor(product_id)
    return {"bundle": _bundle(request, product_page_for_request(request, product=product), product)}


# Cart, checkout, after the purchase ------------------------------------------------------------


@router.get("/cart/recommendations", response=CartRecommendationsOut, url_name="cart-recommendations")
def cart_recommendations(request):
    """The cart page's blocks for the visitor's cart: an upgrade per line, “Complete your
    purchase”, and the free-delivery bar with items that close the gap (null for the
    holdout and an empty cart)."""
    overview = cart_overview(cart_get_for_request(request))
    recs = cart_page_for_request(request, lines=overview.lines, free_shipping_gap=overview.totals.free_shipping_gap)
    if recs is None:
        return {"complete": [], "upgrades": [], "shipping_bar": None}
    upgrades = []
    for line in overview.lines:
        upgrade = recs.upgrades.get(line.pk)
        if upgrade is not None:
            impressions_record_items(request=request, placement=Placement.API_CART_UPGRADE, items=upgrade, anchor=line.product)
            upgrades.append({
                "line_id": line.pk,
                "item": presenters.recommendation(request, upgrade, placement=Placement.API_CART_UPGRADE, anchor_id=line.product_id),
            })
    totals = overview.totals
    return {
        "complete": _shown(request, recs.complete, placement=Placement.API_CART_COMPLETE)["items"],
        "upgrades": upgrades,
        "shipping_bar": {
            "free_shipping_threshold": presenters.money(totals.free_shipping_threshold),
            "free_shipping_gap": presenters.money(totals.free_shipping_gap),
            "progress": free_shipping_progress(totals),
            "fillers": _shown(request, recs.shipping_fillers, placement=Placement.API_CART_SHIPPING)["items"],
        },
    }


@router.get("/checkout/addons", response=RecommendationList, url_name="checkout-addons")
def checkout_addons(request):
    """Cheap add-ons that go with the visitor's cart."""
    return _shown(request, checkout_addons_for_request(request), placement=Placement.API_CHECKOUT_ADDONS)


class AlsoBoughtQuery(Schema):
    product: list[int] = Field(
        min_length=1, max_length=MAX_ALSO_BOUGHT_PRODUCTS,
        description="The products bought (an order's), repeated: ?product=1&product=2",
    )


@router.get("/recommendations/also-bought", response={200: AlsoBoughtOut, 400: ErrorOut, 404: ErrorOut}, url_name="also-bought")
def also_bought(request, query: Query[AlsoBoughtQuery]):
    """“Customers who bought X also bought”, X being the first of the products with computed
    partners; the products themselves are never offered."""
    wanted = list(dict.fromkeys(query.product))
    known = set(Product.objects.filter(pk__in=wanted).values_list("pk", flat=True))
    unknown = [pid for pid in wanted if pid not in known]
    if unknown:
        raise ApiError(404, "not_found", f"No product with id {', '.join(map(str, unknown))}.")
    result = also_bought_for_request(request, product_ids=wanted)
    if result is None:
        return {"anchor": None, "items": []}
    return {
        "anchor": presenters.product_card(request, result.anchor),
        **_shown(request, result.items, placement=Placement.API_ALSO_BOUGHT, anchor_id=result.anchor.pk),
    }


# The visitor's own history ----------------------------------------------------------------


class RecentlyViewedQuery(Schema):
    exclude: int | None = Field(default=None, description="The product on screen, left out of the list.")


@router.get("/recommendations/recently-viewed", response=RecommendationList, url_name="recently-viewed")
def recently_viewed(request, query: Query[RecentlyViewedQuery]):
    """What the visitor looked at lately (their account's views, or the guest's), still on sale and
    not in the cart, newest first."""
    exclude = [query.exclude] if query.exclude else []
    return _shown(request, recently_viewed_for_request(request, exclude_ids=exclude), placement=Placement.API_RECENTLY_VIEWED)


@router.get("/recommendations/for-you", response=ForYouOut, url_name="for-you")
def for_you(request):
    """"Recommended for you": the co-purchase partners of what the visitor viewed and bought,
    weighted by recency; a first visit gets today's best sellers."""
    recs = home_for_request(request)
    if recs is not None and recs.for_you:
        return {"kind": "for_you", **_shown(request, recs.for_you, placement=Placement.API_FOR_YOU)}
    if recs is not None and recs.bestsellers:
        kind = "today" if recs.bestsellers_today else "bestsellers"
        return {"kind": kind, **_shown(request, recs.bestsellers, placement=Placement.API_BESTSELLERS)}
    return {"kind": "for_you", "items": []}


@router.get("/recommendations/inspired", response=RecommendationList, url_name="inspired")
def inspired(request):
    """"Inspired by your orders" for a signed-in customer (a Bearer token or the shop's
    session); empty for a guest."""
    return _shown(request, inspired_for_request(request), placement=Placement.API_ACCOUNT_INSPIRED)


@router.post("/recommendations/clicks", response={201: ClickOut, 400: ErrorOut, 404: ErrorOut}, url_name="click")
def click(request, data: ClickIn):
    """Record that the shopper opened a recommended item (its `token`)."""
    target = click_target_load(data.token)
    if target is None:
        raise ApiError(400, "invalid_token", "That recommendation token isn't valid.")
    if not Product.objects.filter(pk=target.product_id).exists():
        raise ApiError(404, "not_found", "That product no longer exists.")
    click_record(
        visit=getattr(request, "rec_visit", NOT_COUNTED), placement=target.placement, source=target.source,
        product_id=target.product_id, anchor_id=target.anchor_id, shown_to=target.shown_to,
    )
    return Status(201, {"product_id": target.product_id, "placement": target.placement, "source": target.source})
