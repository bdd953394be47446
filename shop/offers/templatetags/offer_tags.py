"""Template tags for the offers: each fetches and hands over.

    {% load offer_tags %}
    {% product_deal product as deal %}   the product's live deal (a DealOffer) or None; no query
    {% deal_price_block deal %}          deal price, was-price, "−20% today" and the countdown
    {% todays_deals %}                   the home page's "Today's deals" (one product read)
    {% points_to_earn amount %}          "You'll earn 120 points" / "Sign in to earn 120 points"
    {% cart_points cart %}               the customer's balance and the points spent in the cart
"""

from django import template
from django.utils import timezone

from catalog.selectors import products_for_cards

from ..points import points_balance, points_for, points_value
from ..selectors import deal_offer, deal_offers_for, live_deals

register = template.Library()

TODAYS_DEALS_LIMIT = 8


@register.simple_tag
def product_deal(product):
    return deal_offer(deal=live_deals().get(product.pk), list_price=product.price)


@register.inclusion_tag("offers/partials/deal_price.html")
def deal_price_block(deal, size="large"):
    return {"deal": deal, "size": size}


@register.inclusion_tag("offers/partials/todays_deals.html", takes_context=True)
def todays_deals(context):
    now = timezone.now()
    deals = live_deals(now=now)
    if not deals:
        return {"items": []}
    products = list(products_for_cards().in_stock().filter(pk__in=list(deals)))
    offers = deal_offers_for(products, now=now)
    items = sorted(
        ((product, offers[product.pk]) for product in products if product.pk in offers),
        key=lambda item: (item[1].ends_at, item[0].name, item[0].pk),
    )[:TODAYS_DEALS_LIMIT]
    return {"items": items, "request": context.get("request"), "csrf_token": context.get("csrf_token")}


@register.inclusion_tag("offers/partials/points_note.html", takes_context=True)
def points_to_earn(context, amount):
    """ "You'll earn 120 points" for `amount` of goods (guests: "Sign in to earn …")."""
    request = context.get("request")
    points = points_for(amount) if amount is not None else 0
    return {"points": points, "user": getattr(request, "user", None), "next": request.get_full_path() if request else "/"}


@register.inclusion_tag("offers/partials/cart_points.html", takes_context=True)
def cart_points(context, cart):
    """The signed-in customer's points in the cart: their balance and what they spend here."""
    request = context.get("request")
    user = getattr(request, "user", None)
    if cart is None or user is None or not user.is_authenticated:
        return {"show": False}
    balance = points_balance(user_id=user.pk)
    return {
        "show": balance > 0 or cart.points_to_redeem > 0,
        "balance": balance,
        "worth": points_value(max(balance, 0)),
        "using": cart.points_to_redeem,
        "csrf_token": context.get("csrf_token"),
    }
