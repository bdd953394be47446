"""Reads of orders for the customer pages and the order e-mail, each in a constant number of queries."""

from django.db.models import Count, Prefetch, Q, QuerySet, Sum
from django.shortcuts import get_object_or_404

from .models import Order, OrderAdjustment, OrderLine
from shop.payments.providers import provider_for


def _with_details(queryset: QuerySet) -> QuerySet:
    return queryset.prefetch_related(
        Prefetch("lines", queryset=OrderLine.objects.select_related("product")),
        Prefetch("adjustments", queryset=OrderAdjustment.objects.all()),
    )


def order_for_idempotency_key(key: str) -> Order | None:
    return Order.objects.filter(idempotency_key=key).first() if key else None


def order_for_confirmation(*, token: str) -> Order:
    """The order behind a confirmation link (404 for an unknown token)."""
    return get_object_or_404(_with_details(Order.objects.all()), access_token=token)


def order_for_customer(*, user, number: str) -> Order:
    """One of the customer's own orders; anyone else's is a 404, never a 403, so order
    numbers can't be probed."""
    return get_object_or_404(_with_details(Order.objects.filter(user=user)), number=number)


def orders_for_customer(*, user) -> QuerySet:
    """The customer's orders, newest first, with item counts (one query per page)."""
    items = Q(lines__parent__isnull=True)  # service add-ons are lines, not items
    return Order.objects.filter(user=user).annotate(
        line_count=Count("lines", filter=items), item_count=Sum("lines__quantity", filter=items)
    ).order_by("-placed_at", "-id")


def order_items(lines) -> list[OrderLine]:
    """An order's item lines, each with the service add-ons bought with it as `service_lines`
    (from the lines already loaded: no query)."""
    lines = list(lines)
    services: dict[int, list[OrderLine]] = {}
    for line in lines:
        if line.parent_id is not None:
            services.setdefault(line.parent_id, []).append(line)
    items = [line for line in lines if line.parent_id is None]
    for line in items:
        line.service_lines = services.get(line.pk, [])
    return items


def order_summary(*, order: Order) -> dict:
    """What the order pages and the order e-mails show of a placed order: its lines (items,
    each with its service add-ons) and adjustments (prefetched by the selectors above, so no
    query) and how it is paid; how to pay only while it still waits for the money."""
    provider = provider_for(order.payment_method)
    awaiting = order.status == Order.Status.AWAITING_PAYMENT
    return {
        "order": order,
        "lines": order_items(order.lines.all()),
        "adjustments": list(order.adjustments.all()),
        "payment_provider": provider,
        "payment_label": provider.label if provider else order.payment_method,
        "payment_instructions": provider.instructions(order) if provider and awaiting else "",
        "awaiting_payment": awaiting,
    }


def counted_purchases(*, user) -> QuerySet:
    """The lines of the customer's orders that count as sales (`Order.objects.counted()`:
    cancelled orders excluded), i.e. what they have bought. Lazy, so another app can use it
    as a subquery: `Exists(counted_purchases(user=user).filter(product_id=OuterRef("pk")))`."""
    return OrderLine.objects.filter(order__in=Order.objects.counted().filter(user=user))
