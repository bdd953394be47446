"""The historical orders: every cleaned invoice as a shipped Order with its snapshotted lines."""

from __future__ import annotations

from collections import defaultdict
from datetime import datetime, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

from django.db import connection

from catalog.models import Product
from shop.demo.bulk import insert_rows
from shop.demo.cleaning import CleanDataset
from shop.demo.progress import Progress
from shop.orders.models import Order, OrderLine, new_access_token

ORDER_PREFIX = "OR"
SOURCE_TZ = ZoneInfo("Europe/London")  # the shop's invoices are in UK local time
CENT = Decimal("0.01")


def order_number(invoice: str) -> str:
    return f"{ORDER_PREFIX}{invoice}"


def order_email(*, invoice: str, customer: str) -> str:
    return f"customer-{customer}@example.com" if customer else f"guest-{invoice}@example.com"


def placed_at(local: str) -> datetime:
    """ "2010-12-01 08:26" (UK local time) as an aware datetime."""
    return datetime.fromisoformat(local).replace(tzinfo=SOURCE_TZ)


def create_orders(data: CleanDataset, products: dict[str, Product], progress: Progress) -> tuple[int, int]:
    # Line totals and money as text, computed once per distinct (price, quantity): half a
    # million lines share far fewer of them. Strings are exact, and the database driver then
    # has no Decimal to adapt per value. Subtotals add up whole pennies.
    totals: dict[tuple[Decimal, int], tuple[str, str, int]] = {}
    line_money: list[tuple[str, str]] = []
    subtotals: dict[str, int] = defaultdict(int)
    for line in data.lines:
        key = (line.unit_price, line.quantity)
        found = totals.get(key)
        if found is None:
            total = (line.unit_price * line.quantity).quantize(CENT)
            found = totals[key] = (str(line.unit_price), str(total), int(total * 100))
        line_money.append(found[:2])
        subtotals[line.invoice] += found[2]

    # Orders go in like their lines, as plain rows: 20,000 model instances through bulk_create
    # cost more than the half million lines through COPY / executemany.
    # Datetimes as the ORM would send them (SQLite: naive UTC text; PostgreSQL: aware).
    adapt = connection.ops.adapt_datetimefield_value
    order_rows = []
    for invoice in data.invoices:
        when = placed_at(invoice.placed_at)
        subtotal = str(Decimal(subtotals[invoice.number]).scaleb(-2))
        order_rows.append(
            (
                order_number(invoice.number),
                new_access_token(),
                order_email(invoice=invoice.number, customer=invoice.customer),
                invoice.customer,
                Order.Status.SHIPPED.value,
                adapt(when),
                adapt(when + timedelta(days=1)),
                invoice.country,
                subtotal,
                subtotal,
            )
        )
    columns = (
        "number",
        "access_token",
        "email",
        "customer_ref",
        "status",
        "placed_at",
        "shipped_at",
        "shipping_country",
        "subtotal",
        "total",
    )
    orders = insert_rows(Order, columns, order_rows, total=len(order_rows), progress=progress, desc="Orders")
    numbers = Order.objects.filter(number__startswith=ORDER_PREFIX).values_list("number", "id")
    order_ids = {number[len(ORDER_PREFIX) :]: pk for number, pk in numbers.iterator(chunk_size=10_000)}

    ids = {sku: (product.pk, product.name) for sku, product in products.items()}
    rows = (
        (order_ids[line.invoice], *ids[line.sku], line.sku, price, line.quantity, total)
        for line, (price, total) in zip(data.lines, line_money, strict=True)
    )
    columns = ("order_id", "product_id", "name", "sku", "unit_price", "quantity", "line_total")
    inserted = insert_rows(OrderLine, columns, rows, total=len(data.lines), progress=progress, desc="Order lines")
    return orders, inserted
