"""schema.org `Product` with its `Offer` and `AggregateRating`, as JSON-LD for the product page.

Search engines show the stars and the price from it. The rating is left out until there is a
published review (a rating of nothing is an error to them), and the JSON is escaped the way
Django's `json_script` escapes it, so a product name can never close the <script> element.
"""

import json
from decimal import Decimal

from django.conf import settings
from django.core.serializers.json import DjangoJSONEncoder
from django.utils.html import format_html
from django.utils.safestring import SafeString, mark_safe

from catalog.models import Product

from .models import MAX_RATING, MIN_RATING

IN_STOCK = "https://schema.org/InStock"
OUT_OF_STOCK = "https://schema.org/OutOfStock"
# As django.utils.html.json_script does: <, > and & never appear in the element's text.
_SCRIPT_ESCAPES = {ord(">"): "\\u003E", ord("<"): "\\u003C", ord("&"): "\\u0026"}


def product_structured_data(
    *, product: Product, url: str, image_url: str, price: Decimal | None = None, price_valid_until=None
) -> dict:
    data = {
        "@context": "https://schema.org",
        "@type": "Product",
        "name": product.name,
        "sku": product.sku,
        "url": url,
        "image": [image_url],
        "offers": {
            "@type": "Offer",
            "url": url,
            "price": str((product.price if price is None else price).quantize(Decimal("0.01"))),
            "priceCurrency": settings.CURRENCY,
            "availability": IN_STOCK if product.is_available else OUT_OF_STOCK,
            "itemCondition": "https://schema.org/NewCondition",
        },
    }
    if price_valid_until is not None:
        data["offers"]["priceValidUntil"] = price_valid_until.date().isoformat()
    if product.description:
        data["description"] = product.description
    category = getattr(product, "category", None)
    if category is not None:
        data["category"] = category.name
    if product.rating_count and product.rating_average is not None:
        data["aggregateRating"] = {
            "@type": "AggregateRating",
            "ratingValue": str(product.rating_average),
            "reviewCount": product.rating_count,
            "bestRating": MAX_RATING,
            "worstRating": MIN_RATING,
        }
    return data


def json_ld_script(data: dict) -> SafeString:
    text = json.dumps(data, cls=DjangoJSONEncoder, ensure_ascii=False).translate(_SCRIPT_ESCAPES)
    return format_html('<script type="application/ld+json">{}</script>', mark_safe(text))
