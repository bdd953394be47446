"""Recommendation blocks for the storefront templates. Each tag fetches through one
selector (`recommendations.selectors.request`: memoised per request, so the blocks of a
page share one read and never repeat an item; nothing for the holdout) and hands a dict to
its inclusion template. The JSON API calls the same selectors.

    {% load recommendation_tags %}
    Product page:  {% product_upgrade_offer product %} {% frequently_bought_together product %} {% tier_chart product %}
    Cart page:     {% cart_shipping_bar %} {% cart_line_upgrade line %} {% cart_complete_purchase %}
    Checkout:      {% checkout_addons %}        Confirmation: {% also_bought order %}
    Personal:      {% note_product_view product %} {% recently_viewed product %} (product page)
                   {% cart_recently_viewed %}   {% home_upgrade_offer %} {% recommended_for_you %}
                   {% home_recently_viewed %}   {% inspired_by_orders %} (My account)
"""

from django import template

from catalog.templatetags.catalog_tags import money
from recommendations.personal.services import product_view_record
from recommendations.selectors.request import (
    also_bought_for_request,
    cart_page_for_request,
    checkout_addons_for_request,
    home_for_request,
    inspired_for_request,
    product_page_for_request,
    recently_viewed_for_request,
    recommendations_enabled,
    request_cart_is,
)
from recommendations.vocabulary import Placement, Source
from shop.cart.pricing import free_shipping_progress

register = template.Library()


def _base(context, **values) -> dict:
    request = context.get("request")
    return {"request": request, "csrf_token": context.get("csrf_token"), "next": request.get_full_path() if request else "", **values}


def _product_page(context, product):
    request = context.get("request")
    if request is None or product is None:
        return None
    return product_page_for_request(request, product=product)


@register.inclusion_tag("recommendations/partials/upgrade_offer.html", takes_context=True)
def product_upgrade_offer(context, product):
    recs = _product_page(context, product)
    return _base(context, anchor=product, upgrade=recs.upgrade if recs else None, placement=Placement.PRODUCT_UPGRADE)


@register.inclusion_tag("recommendations/partials/fbt.html", takes_context=True)
def frequently_bought_together(context, product):
    recs = _product_page(context, product)
    return _base(
        context, anchor=product, fbt=recs.fbt if recs else None, bundle=recs.bundle if recs else None,
        placement=Placement.PRODUCT_FBT, bundle_placement=Placement.PRODUCT_BUNDLE, bundle_source=Source.BUNDLE,
    )


@register.inclusion_tag("recommendations/partials/tier_chart.html", takes_context=True)
def tier_chart(context, product):
    recs = _product_page(context, product)
    return _base(
        context, anchor=product, chart=recs.tier_chart if recs else None, placement=Placement.PRODUCT_TIERS, source=Source.LADDER
    )


def _cart_page(context):
    request = context.get("request")
    if request is None:
        return None
    totals = context.get("totals")
    return cart_page_for_request(
        request, lines=context.get("lines") or [], free_shipping_gap=totals.free_shipping_gap if totals else 0
    )


@register.inclusion_tag("recommendations/partials/shipping_bar.html", takes_context=True)
def cart_shipping_bar(context):
    request = context.get("request")
    # The holdout sees none of this placement (the cart summary still states the gap), so
    # the experiment measures the bar and its fillers together.
    if request is None or not recommendations_enabled(request):
        return {}
    totals = context.get("totals")
    recs = _cart_page(context)
    return _base(
        context, totals=totals, progress=free_shipping_progress(totals) if totals is not None else 100,
        fillers=recs.shipping_fillers if recs else [], placement=Placement.CART_SHIPPING,
    )


@register.inclusion_tag("recommendations/partials/line_upgrade.html", takes_context=True)
def cart_line_upgrade(context, line):
    recs = _cart_page(context)
    return _base(context, line=line, upgrade=recs.upgrades.get(line.pk) if recs else None, placement=Placement.CART_UPGRADE)


@register.inclusion_tag("recommendations/partials/complete_purchase.html", takes_context=True)
def cart_complete_purchase(context):
    recs = _cart_page(context)
    return _base(context, items=recs.complete if recs else [], placement=Placement.CART_COMPLETE)


@register.inclusion_tag("recommendations/partials/checkout_addons.html", takes_context=True)
def checkout_addons(context):
    request = context.get("request")
    items = []
    if request is not None:
        lines = context.get("lines") or []
        items = checkout_addons_for_request(request, product_ids=[line.product_id for line in lines])
    return _base(context, items=items, placement=Placement.CHECKOUT_ADDONS)


@register.inclusion_tag("recommendations/partials/also_bought.html", takes_context=True)
def also_bought(context, order):
    request = context.get("request")
    result = None
    if request is not None and order is not None:
        result = also_bought_for_request(request, product_ids=[line.product_id for line in order.lines.all()])
    return _base(context, result=result, placement=Placement.CONFIRMATION)


# Personal blocks ----------------------------------------------------------------------------


@register.simple_tag(takes_context=True)
def note_product_view(context, product):
    """Records that the visitor looked at `product` (for everyone but bots, the holdout too:
    it is their history, not a recommendation). Renders nothing; see
    `recommendations.personal.services` for when it writes."""
    request = context.get("request")
    if request is not None and product is not None:
        product_view_record(request=request, product_id=product.pk)
    return ""


def _recent(context, *, exclude_ids, placement) -> dict:
    request = context.get("request")
    items = recently_viewed_for_request(request, exclude_ids=exclude_ids) if request is not None else []
    return _base(context, items=items, placement=placement)


@register.inclusion_tag("recommendations/partials/recently_viewed.html", takes_context=True)
def recently_viewed(context, product):
    """Product page: the visitor's recently viewed products but this one and the cart's."""
    return _recent(context, exclude_ids={product.pk}, placement=Placement.PRODUCT_RECENT)


@register.inclusion_tag("recommendations/partials/recently_viewed.html", takes_context=True)
def cart_recently_viewed(context):
    """Cart page (empty or not): recently viewed products that are not in the cart."""
    product_ids = context.get("cart_product_ids")
    if product_ids is None:
        product_ids = [line.product_id for line in context.get("lines") or []]
    request = context.get("request")
    if request is not None:
        request_cart_is(request, product_ids=product_ids)
    return _recent(context, exclude_ids=set(product_ids), placement=Placement.CART_RECENT)


def _home_page(context):
    request = context.get("request")
    if request is None:
        return None
    listed = [*(context.get("products") or ()), *(context.get("new_products") or ())]
    return home_for_request(request, page_product_ids={product.pk for product in listed})


@register.inclusion_tag("recommendations/partials/owned_upgrade.html", takes_context=True)
def home_upgrade_offer(context):
    recs = _home_page(context)
    return _base(context, offer=recs.upgrade if recs else None, placement=Placement.HOME_UPGRADE)


@register.inclusion_tag("recommendations/partials/for_you.html", takes_context=True)
def recommended_for_you(context):
    """"Recommended for you" for a returning visitor, today's best sellers for a first visit."""
    recs = _home_page(context)
    if recs is not None and recs.for_you:
        return _base(context, items=recs.for_you, placement=Placement.HOME_FOR_YOU, kind="for_you")
    if recs is not None and recs.bestsellers:
        kind = "today" if recs.bestsellers_today else "bestsellers"
        return _base(context, items=recs.bestsellers, placement=Placement.HOME_BESTSELLERS, kind=kind)
    return _base(context, items=[])


@register.inclusion_tag("recommendations/partials/recently_viewed.html", takes_context=True)
def home_recently_viewed(context):
    recs = _home_page(context)
    return _base(context, items=recs.recently_viewed if recs else [], placement=Placement.HOME_RECENT)


@register.inclusion_tag("recommendations/partials/for_you.html", takes_context=True)
def inspired_by_orders(context):
    """My account: "Inspired by your orders"."""
    request = context.get("request")
    items = inspired_for_request(request) if request is not None else []
    return _base(context, items=items, placement=Placement.ACCOUNT_INSPIRED, kind="inspired")


@register.filter
def signed_money(value):
    """+£4.10 / −£2.00 / £0.00 for price differences."""
    if value is None:
        return ""
    if value > 0:
        return f"+{money(value)}"
    if value < 0:
        return f"−{money(-value)}"
    return money(value)
