from django.http import Http404, HttpResponseRedirect
from django.shortcuts import get_object_or_404
from django.views.decorators.http import require_GET

from catalog.models import Product

from .clicks import click_target_load, origin_query
from .holdout import NOT_COUNTED
from .services import click_record


@require_GET
def click(request, token):
    """Record a click on a recommendation and go to the product.

    A GET that writes: it only appends an event, once per visitor (repeating it changes
    nothing), and links in e-mails and pages can only be GETs.
    """
    target = click_target_load(token)
    if target is None:
        raise Http404("Unknown link")
    product = get_object_or_404(Product.objects.only("slug"), pk=target.product_id)
    click_record(
        visit=getattr(request, "rec_visit", NOT_COUNTED),
        placement=target.placement,
        source=target.source,
        product_id=product.pk,
        anchor_id=target.anchor_id,
        shown_to=target.shown_to,
    )
    return HttpResponseRedirect(f"{product.get_absolute_url()}?{origin_query(target)}")
