"""Service add-on offers for the storefront's templates: fetch and hand over.

    {% load addon_tags %}
    Product page, inside the add-to-cart form:  {% product_service_offers product %}

The cart and checkout get their lines' offers from the cart overview (`line.service_offers`)
and draw them with templates/addons/partials/line_services.html.
"""

from django import template

from shop.addons.models import OfferedAt
from shop.addons.selectors import service_offers

register = template.Library()


@register.inclusion_tag("addons/partials/product_offers.html", takes_context=True)
def product_service_offers(context, product):
    """The services offered with `product`, as boxes to tick beside "Add to cart" (two queries)."""
    offers = service_offers(products=[product]).get(product.pk, []) if product is not None else []
    return {"request": context.get("request"), "product": product, "offers": offers, "placement": OfferedAt.PRODUCT}
