"""Reviews in the storefront's templates. The ratings on cards and in recommendation blocks
need no tag: `{% include "reviews/partials/rating.html" %}` reads the product's own columns.

    {% load review_tags %}
    {% product_reviews product %}                    the product page's reviews section
    {% product_json_ld product image_url %}          schema.org Product / Offer / AggregateRating
    {{ product.rating_average|rating_percent }}      "92%": how much of five stars to fill
    {% if chart.columns|any_rated %}                 does any tier have a rating?
"""

from decimal import Decimal, InvalidOperation

from django import template
from django.conf import settings

from catalog.reviews.models import MAX_RATING
from catalog.reviews.selectors import product_reviews as select_product_reviews
from catalog.reviews.structured_data import json_ld_script, product_structured_data
from catalog.reviews.voters import voter_for_request

register = template.Library()

SORT_PARAM = "reviews"
PAGE_PARAM = "reviews_page"


@register.inclusion_tag("reviews/partials/product_reviews.html", takes_context=True)
def product_reviews(context, product):
    request = context.get("request")
    user = getattr(request, "user", None)
    reviews = select_product_reviews(
        product=product,
        sort_key=request.GET.get(SORT_PARAM) if request else None,
        page_number=request.GET.get(PAGE_PARAM) if request else None,
        user=user,
        voter=voter_for_request(request) if request else "",
    )
    return {
        "request": request,
        "user": user,
        "csrf_token": context.get("csrf_token"),
        "product": product,
        "reviews": reviews,
        "sort_param": SORT_PARAM,
        "page_param": PAGE_PARAM,
        "site_name": settings.SITE_NAME,
    }


@register.simple_tag(takes_context=True)
def product_json_ld(context, product, image_url, price=None, price_valid_until=None):
    """`price` and `price_valid_until`: a price the page shows for a while instead of the list
    price (a deal of the day, which the template hands over: the catalog knows no offers).
    Without one the template passes its empty string for a missing variable."""
    request = context.get("request")
    url = request.build_absolute_uri(product.get_absolute_url()) if request else product.get_absolute_url()
    image = request.build_absolute_uri(image_url) if request else image_url
    return json_ld_script(
        product_structured_data(product=product, url=url, image_url=image, price=price or None, price_valid_until=price_valid_until or None)
    )


@register.filter
def rating_percent(average) -> str:
    """The share of five stars an average fills, for the star bar's width ("92%")."""
    try:
        value = Decimal(average)
    except (InvalidOperation, TypeError, ValueError):
        return "0%"
    return f"{max(Decimal(0), min(value / MAX_RATING * 100, Decimal(100))):.0f}%"


@register.filter
def any_rated(columns) -> bool:
    return any(getattr(column.product, "rating_count", 0) for column in columns)
