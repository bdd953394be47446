from django import template
from django.conf import settings

from ..clicks import click_url

register = template.Library()


@register.simple_tag
def rec_click_url(product, placement, source, anchor=None):
    """`{% rec_click_url product "product-fbt" item.source anchor=product %}`: a link to the
    product that records the click for the placement and source."""
    return click_url(
        product_id=getattr(product, "pk", product),
        placement=placement,
        source=source,
        anchor_id=getattr(anchor, "pk", anchor),
    )


@register.filter
def percent(value, places=1):
    """0.1234 → "12.3%"; None (nothing to divide by) → "—"."""
    if value is None:
        return "—"
    return f"{value * 100:.{int(places)}f}%"


@register.filter
def money(value):
    if value is None:
        return "—"
    return f"{settings.CURRENCY_SYMBOL}{value:,.2f}"
