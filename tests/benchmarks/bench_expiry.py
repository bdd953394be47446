"""The expiry task's time on N unpaid orders past their window (default 10,000, 2 lines
each over 500 products), then the outbox sweeper sending their "cancelled" e-mails.

    DATABASE_URL=postgres://… .venv/bin/python tests/benchmarks/bench_expiry.py [--orders 10000] [--send]

The task's publish of the e-mail sweep goes to an in-memory broker, so the first figure is
the expiry alone (stock released, orders cancelled, e-mails written to the outbox).
"""

import argparse
import sys
import time
from datetime import timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

from tests.benchmarks.harness import test_database  # noqa: E402

PRODUCTS = 500


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--orders", type=int, default=10_000)
    parser.add_argument("--batch", type=int, default=None)
    parser.add_argument("--send", action="store_true", help="also time the sweeper sending the e-mails")
    args = parser.parse_args()
    with test_database() as connection:
        from django.db.models import Sum
        from django.utils import timezone

        from catalog.models import Category, Product
        from shop.celery import app as celery_app
        from shop.orders.emails import order_emails_send_pending
        from shop.orders.holds import EXPIRY_BATCH, orders_expire_unpaid
        from shop.orders.models import Order, OrderEmail, OrderLine

        celery_app.conf.update(task_always_eager=False, broker_url="memory://")
        category = Category.objects.create(name="Bench", slug="bench")
        products = Product.objects.bulk_create(
            Product(sku=f"B{i:05d}", name=f"Bench {i}", slug=f"bench-{i}", category=category, price=5, stock=0)
            for i in range(PRODUCTS)
        )
        now = timezone.now()
        orders = Order.objects.bulk_create(
            Order(number=f"X{i:09d}", access_token=f"bench-expiry-{i}", email=f"b{i}@example.com",
                  status=Order.Status.AWAITING_PAYMENT, payment_method="bank_transfer",
                  placed_at=now - timedelta(days=4), payment_due_at=now - timedelta(minutes=1 + i % 600))
            for i in range(args.orders)
        )
        OrderLine.objects.bulk_create(
            OrderLine(order=order, product=products[(i + k * 7) % PRODUCTS], sku="B", name="Bench", unit_price=5,
                      quantity=1 + k, line_total=5 * (1 + k))
            for i, order in enumerate(orders) for k in range(2)
        )
        units = OrderLine.objects.aggregate(n=Sum("quantity"))["n"]

        batch = args.batch or EXPIRY_BATCH
        started = time.perf_counter()
        run = orders_expire_unpaid(batch_size=batch)
        expiry = time.perf_counter() - started

        assert run.expired == args.orders
        assert Product.objects.aggregate(n=Sum("stock"))["n"] == units
        assert OrderEmail.objects.filter(kind="cancelled", status="pending").count() == args.orders
        print(f"expiry task on {connection.vendor}: {args.orders:,} orders ({units:,} units over {PRODUCTS} products)")
        print(f"  expired and released in {expiry:.2f} s  ({run.batches} batches of up to {batch}; "
              f"{expiry / args.orders * 1e6:.0f} µs per order)")
        started = time.perf_counter()
        again = orders_expire_unpaid(batch_size=batch)
        print(f"  a second run finds nothing: {again.expired} orders in {time.perf_counter() - started:.3f} s")
        if not args.send:
            return
        started = time.perf_counter()
        sent = order_emails_send_pending()
        print(f"  outbox sweeper sent {sent:,} 'cancelled' e-mails (local-memory backend) in {time.perf_counter() - started:.2f} s")


if __name__ == "__main__":
    main()
