"""Writes of measurement events.

Measurement must never slow or break a page: impressions are buffered on the request and
written in one INSERT after the page has rendered (HoldoutMiddleware calls
`impressions_flush`), and a failed write is logged, not raised.
"""

import logging
import secrets
from collections.abc import Iterable
from datetime import timedelta

from django.conf import settings
from django.db import DatabaseError
from django.utils import timezone

from catalog import fragments
from recommendations.vocabulary import Source
from shop.cart.models import CartLine, CartLineService

from .holdout import Visit, current_visit
from .models import Event

logger = logging.getLogger(__name__)

_BUFFER = "_rec_impressions"
_SEEN = "_rec_impressions_seen"


def impressions_record(
    *, request, placement: str, items: Iterable[tuple[int, str]], anchor_id: int | None = None
) -> None:
    """Note that a block was shown with these (product id, source) items. Costs no query:
    the rows are written with the others of the page when the response is ready."""
    impressions_record_block(
        request=request, placement=placement, items=[(product_id, source, anchor_id) for product_id, source in items]
    )


def impressions_record_block(*, request, placement: str, items: Iterable[tuple[int, str, int | None]]) -> None:
    """The same for a block whose items each have their own anchor (the cart's complements,
    each complementing one of the lines): (product id, source, anchor id) triples.

    An item already noted for the same placement and anchor on this page is not noted again,
    so a block recorded both by its template tag and by its template counts once."""
    items = [(getattr(p, "pk", p), str(s), getattr(a, "pk", a)) for p, s, a in items]
    fragments.effect(f"{__name__}.impressions_record_block", placement=str(placement), items=items)
    _impressions_buffer(
        request=request,
        placement=placement,
        rows=(
            ((placement, anchor_id, product_id), {"source": source, "product_id": product_id, "anchor_id": anchor_id})
            for product_id, source, anchor_id in items
        ),
    )


def service_impressions_record(*, request, placement: str, offers: Iterable[tuple[int, int]]) -> None:
    """Note that service add-ons were offered: (service id, item's product id) pairs, the item
    being both the event's product and its anchor. Costs no query, like the blocks' impressions.
    Every visitor sees the offers (they are part of the shop, not a recommendation the holdout
    goes without), so both groups' impressions count."""
    offers = list(offers)
    fragments.effect(f"{__name__}.service_impressions_record", placement=str(placement), offers=offers)
    _impressions_buffer(
        request=request,
        placement=placement,
        rows=(
            (
                (placement, "service", service_id, product_id),
                {"source": Source.SERVICE, "product_id": product_id, "anchor_id": product_id, "service_id": service_id},
            )
            for service_id, product_id in offers
        ),
    )


def _impressions_buffer(*, request, placement: str, rows: Iterable[tuple[tuple, dict]]) -> None:
    """Buffer one impression event per (key, fields) row for the request's counted visit, in
    one view; a key already noted on this page is not noted again."""
    visit: Visit | None = getattr(request, "rec_visit", None)
    if visit is None or not visit.counted:
        return
    buffer: list[Event] = request.__dict__.setdefault(_BUFFER, [])
    seen: set[tuple] = request.__dict__.setdefault(_SEEN, set())
    view_id = secrets.token_hex(8)
    now = timezone.now()
    for key, fields in rows:
        if key in seen:
            continue
        seen.add(key)
        buffer.append(
            Event(
                kind=Event.Kind.IMPRESSION,
                placement=placement,
                view_id=view_id,
                visitor_key=visit.visitor_key,
                group=visit.group,
                created_at=now,
                **fields,
            )
        )


def impressions_record_items(*, request, placement: str, items, anchor=None, source: str = "") -> None:
    """Note that a block was shown with these recommendations (what the `rec_impressions`
    template tag and the JSON API both call).

    `items` is one recommendation or a list of them, each with `.product` (or `.product_id`)
    and `.source` (else `source` is used); each item's own `.anchor_id` is its anchor unless
    `anchor` is given. The anchor itself (a tier chart's current column) is not an impression.
    """
    if not items:
        return
    if not isinstance(items, list | tuple):
        items = [items]
    anchor_id = getattr(anchor, "pk", anchor)
    rows = []
    for item in items:
        product_id = getattr(item, "product_id", None) or item.product.pk
        item_anchor = anchor_id if anchor_id is not None else getattr(item, "anchor_id", None)
        if product_id != item_anchor:
            rows.append((product_id, getattr(item, "source", "") or source, item_anchor))
    impressions_record_block(request=request, placement=placement, items=rows)


def impressions_flush(*, request) -> int:
    """Write the request's buffered impressions in one query; returns how many."""
    buffer = request.__dict__.pop(_BUFFER, None)
    if not buffer:
        return 0
    try:
        Event.objects.bulk_create(buffer)
    except DatabaseError:
        logger.exception("Could not record %d recommendation impressions", len(buffer))
        return 0
    return len(buffer)


def click_record(
    *, visit: Visit, placement: str, source: str, product_id: int, anchor_id: int | None, shown_to: str = ""
) -> bool:
    """Record a click on a recommendation link, once per visitor and link: the visitor the
    link was shown to (`shown_to`, from the signed link), else the one following it. True if
    it was counted."""
    if not visit.counted:
        return False
    visitor_key = shown_to or visit.visitor_key
    click = {
        "kind": Event.Kind.CLICK, "placement": placement, "source": source, "product_id": product_id,
        "anchor_id": anchor_id, "visitor_key": visitor_key,
    }
    try:
        if visitor_key and Event.objects.filter(**click).exists():
            return False
        Event.objects.create(**click, group=visit.group)
    except DatabaseError:
        logger.exception("Could not record a recommendation click")
        return False
    return True


def add_record(*, line: CartLine) -> None:
    """Record the add of a cart line that came from a recommendation.

    The cart sets `rec_added_at` when (and only when) a recommendation brings a line in, and
    the event is keyed on (line, rec_added_at): saving the same line again (a quantity change,
    a merge at login) records nothing new.
    """
    if not (line.rec_placement and line.rec_added_at):
        return
    _add_event_record(
        placement=line.rec_placement,
        source=line.rec_source,
        product_id=line.product_id,
        anchor_id=line.rec_anchor_id,
        cart_line_id=line.pk,
        created_at=line.rec_added_at,
    )


def service_add_record(*, line_service: CartLineService) -> None:
    """Record that a service add-on was taken from one of its offers (a row without a
    placement, from a tampered form, records nothing)."""
    if not line_service.rec_placement:
        return
    line = line_service.line
    _add_event_record(
        placement=line_service.rec_placement,
        source=Source.SERVICE,
        product_id=line.product_id,
        anchor_id=line.product_id,
        service_id=line_service.service_id,
        cart_line_id=line.pk,
        created_at=line_service.added_at,
    )


def _add_event_record(**fields) -> None:
    """One add event for the current visit (none for a visit that is not counted); a second
    record of the same add is a no-op through the event's unique key."""
    visit = current_visit.get()
    if visit is not None and not visit.counted:
        return
    Event.objects.bulk_create(
        [
            Event(
                kind=Event.Kind.ADD,
                visitor_key=visit.visitor_key if visit else "",
                group=visit.group if visit else "",
                **fields,
            )
        ],
        ignore_conflicts=True,
    )


def rec_origins_expire(*, now=None) -> int:
    """Forget the recommendation origin of cart lines added longer ago than the attribution
    window (settings.RECOMMENDATIONS_ATTRIBUTION_DAYS, default 7).

    This is where the window is enforced: the checkout copies a cart line's origin onto the
    order line as it is, so an origin that has been cleared here is never credited. Run
    hourly by Celery beat, so a purchase is credited at most an hour past the window; the
    cart and the checkout need to know nothing about attribution policy. Service add-ons taken
    from an offer (`CartLineService.rec_placement`) expire the same way. Returns the rows changed.
    """
    now = now or timezone.now()
    cutoff = now - timedelta(days=settings.RECOMMENDATIONS_ATTRIBUTION_DAYS)
    services = CartLineService.objects.filter(added_at__lt=cutoff).exclude(rec_placement="").update(rec_placement="")
    return services + CartLine.objects.filter(rec_added_at__lt=cutoff).update(
        rec_placement="", rec_source="", rec_anchor=None, rec_added_at=None
    )
