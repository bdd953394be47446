from django import template
from django.conf import settings

from catalog import fragments

from ..clicks import click_url, click_url_for_request
from ..holdout import current_visit
from ..services import impressions_record_items, service_impressions_record

register = template.Library()


@register.simple_tag
def rec_click_url(product, placement, source, anchor=None):
    """`{% rec_click_url item.product placement item.source anchor=product %}`: a link to the
    product that records the click for the placement and source (their names are the
    inclusion tag's context, from recommendations.vocabulary). The link names the visitor it
    is shown to, so it counts once for them however often it is followed (a hole in a
    cached fragment)."""
    if fragments.recording():
        return fragments.hole(
            "recommendations.measurement.clicks.click_url_for_request",
            product_id=getattr(product, "pk", product), placement=str(placement), source=str(source),
            anchor_id=getattr(anchor, "pk", anchor),
        )
    visit = current_visit.get()
    return click_url(
        product_id=getattr(product, "pk", product),
        placement=placement,
        source=source,
        anchor_id=getattr(anchor, "pk", anchor),
        shown_to=visit.visitor_key if visit is not None and visit.counted else "",
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


@register.simple_tag(takes_context=True)
def rec_impressions(context, placement, items, anchor=None, source=""):
    """`{% rec_impressions placement fbt.items anchor=fbt.anchor %}` in a block's template: notes
    that the block was shown with these items (`impressions_record_items`). Renders nothing
    and costs no query (the page's impressions are written together after it has rendered)."""
    request = context.get("request")
    if request is not None:
        impressions_record_items(request=request, placement=placement, items=items, anchor=anchor, source=source)
    return ""


@register.simple_tag(takes_context=True)
def service_impressions(context, placement, offers, product):
    """`{% service_impressions "cart_service" line.service_offers line.product %}` where service
    add-ons are offered beside an item: notes each offer (anything with `.service`) as shown.
    Renders nothing and costs no query."""
    request = context.get("request")
    if request is None or not offers or product is None:
        return ""
    product_id = getattr(product, "pk", product)
    service_impressions_record(
        request=request, placement=placement, offers=[(offer.service.pk, product_id) for offer in offers]
    )
    return ""
