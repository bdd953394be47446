"""How long a checkout takes end to end, through the real views (Django's test client, no
network but the local Stripe stand-in): add to cart, details, review, place the order, and
the confirmation (bank transfer) or Stripe's page, the webhook and the return page (card).

    .venv/bin/python tests/benchmarks/bench_checkout.py [--rounds 30]
    DATABASE_URL=postgres://… REDIS_URL=redis://…/N .venv/bin/python tests/benchmarks/bench_checkout.py

Order e-mails are sent in-process (eager Celery, local-memory mail), as with `make run`.
"""

import argparse
import re
import sys
import time
from decimal import Decimal
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

from tests.benchmarks.harness import summary, test_database  # noqa: E402

DETAILS = {
    "email": "bench@example.com", "name": "Bench Shopper", "line1": "1 Timing Road", "line2": "",
    "city": "Leeds", "postcode": "LS1 1AA", "country": "United Kingdom", "phone": "",
}


def checkout(client, product, method: str, standin) -> dict[str, float]:
    from django.urls import reverse

    timings = {}
    started = time.perf_counter()
    client.post(reverse("cart:add"), {"product": product.pk, "quantity": 2})
    client.post(reverse("checkout:start"), DETAILS)
    review = client.get(reverse("checkout:review")).text
    form = {
        "idempotency_key": re.search(r'name="idempotency_key" value="([^"]+)"', review).group(1),
        "expected_total": re.search(r'name="expected_total" value="([^"]+)"', review).group(1),
        "payment_method": method,
    }
    timings["browse to review"] = time.perf_counter() - started
    placed = time.perf_counter()
    response = client.post(reverse("checkout:place"), form)
    timings["place order"] = time.perf_counter() - placed
    if method == "card":
        session_id = response.url.rsplit("/", 1)[1]
        paid = time.perf_counter()
        event = standin.event("checkout.session.completed", standin.pay(session_id))
        webhook = client.post(reverse("payments:webhook"), data=event, content_type="application/json",
                              HTTP_STRIPE_SIGNATURE=standin.signature(event))
        assert webhook.status_code == 200
        timings["webhook"] = time.perf_counter() - paid
        page = client.get(standin.sessions[session_id]["success_url"].replace("http://testserver", ""))
        assert 'data-payment-state="paid"' in page.text
    else:
        page = client.get(response.url)
        assert "How to pay" in page.text
    timings["end to end"] = time.perf_counter() - started
    return timings


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rounds", type=int, default=30)
    args = parser.parse_args()
    with test_database() as connection:
        from django.conf import settings
        from django.test import Client

        from tests.factories import ProductFactory
        from tests.payments.standin import StripeStandIn

        standin = StripeStandIn(secret_key="sk_test_bench", webhook_secret="whsec_bench").start()
        settings.STRIPE_SECRET_KEY, settings.STRIPE_PUBLISHABLE_KEY = standin.secret_key, "pk_test_bench"
        settings.STRIPE_WEBHOOK_SECRET, settings.STRIPE_API_BASE = standin.webhook_secret, standin.url
        settings.CART_DISCOUNT_PROVIDERS = []
        product = ProductFactory(price=Decimal("12.50"), stock=10_000)
        print(f"checkout end to end on {connection.vendor}, {args.rounds} rounds each (first round of each warms up)")
        for method in ("bank_transfer", "card"):
            rounds = [checkout(Client(), product, method, standin) for _ in range(args.rounds + 1)][1:]
            for phase in rounds[0]:
                print(f"  {method:13s} {phase:17s} {summary([r[phase] for r in rounds])}")
        standin.stop()


if __name__ == "__main__":
    main()
