from django import template

from catalog import fragments

from ..origin import rec_origin_sign

register = template.Library()


@register.simple_tag
def rec_origin_token(placement, source=None, anchor=None, product=None):
    """`{% rec_origin_token placement source anchor product %}`: the signed value of a
    recommendation form's `rec_origin` field (shop.cart.origin). Signed when the page is
    served (a hole in a cached fragment), so its attribution window starts then."""
    values = {"placement": str(placement), "source": str(source or ""), "anchor_id": _id(anchor), "product_id": _id(product)}
    if fragments.recording():
        return fragments.hole("shop.cart.templatetags.cart_tags.rec_origin_for_request", **values)
    return rec_origin_sign(**values)


def rec_origin_for_request(*, request, **values) -> str:
    return rec_origin_sign(**values)


def _id(value) -> int | None:
    """A product, its id, or nothing ("" from a template) as an id or None."""
    value = getattr(value, "pk", value)
    try:
        return int(value) if value not in (None, "") else None
    except (TypeError, ValueError):
        return None
