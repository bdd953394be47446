"""Synthetic shoppers driving the storefront through its real URLs, so the demo's
recommendations dashboard has real figures, and a check that the holdout measurement finds
the effect the simulation built in (`make simulate`).

Every visitor is a Django test Client with a browser user agent, against the current
database: home page, one product page, maybe a click on a recommendation, and (with
probability --buy) add to cart, cart page, checkout details, review, place order and the
confirmation page. The holdout middleware puts each visitor in a group exactly as it does
for real visitors (read back from their visitor cookie). A visitor in treatment who buys
also takes the product page's first recommendation with probability --accept (a click on
its link, then the add-to-cart form of the page it leads to, which carries the link's
signed origin). Control visitors see no recommendation and so take none.

The true effect is therefore known: +accept items per order, and +accept × the mean price
change of adding the first recommendation (shipping and bundle discounts included) on the
order value. The command prints the measured differences, their Welch 95% intervals and
whether each interval contains the true effect.

It refuses to run against a shop with real orders unless given --force, marks its own orders
as simulated (shop.demo.guards), and sends no e-mail: tasks run in-process and mail goes to
Django's in-memory outbox.
"""

import logging
import random
import re
import secrets
import time
from collections import Counter
from dataclasses import dataclass
from datetime import timedelta
from decimal import Decimal

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.db.models import F, Sum
from django.test import Client
from django.test.utils import override_settings
from django.urls import reverse

from catalog.models import Product
from recommendations.measurement.clicks import click_target_load
from recommendations.measurement.holdout import CONTROL, TREATMENT, VISITOR_COOKIE, visitor_cookie_group
from recommendations.measurement.models import Event, Visitor
from recommendations.measurement.statistics import Summary, compare
from recommendations.selectors.placements import product_page_recommendations
from recommendations.vocabulary import Placement
from shop.cart.pricing import calculate_totals
from shop.demo.guards import SIMULATED_CUSTOMER_REF, no_real_email, real_orders_refusal
from shop.orders.models import Order

HOLDOUT_MIDDLEWARE = "recommendations.measurement.middleware.HoldoutMiddleware"
_REC_ITEM = re.compile(r'data-rec-product="(\d+)" data-rec-source="([\w-]+)"')
_REC_BLOCK = re.compile(r'data-rec-block="([\w-]+)"')
_CLICK_LINK = re.compile(r'href="(/r/[^"]+/)"')
_PLACE_ORDER_FIELDS = ("idempotency_key", "expected_total")


def _hidden_value(html: str, name: str) -> str:
    match = re.search(rf'name="{name}" value="([^"]*)"', html) or re.search(rf'value="([^"]*)" name="{name}"', html)
    return match.group(1) if match else ""


@dataclass(frozen=True)
class Offer:
    """A pool product and the first recommendation its page shows."""

    product: Product
    first_item: Product
    placement: str
    source: str
    order_value_change: Decimal


@dataclass
class _Line:
    product: Product
    quantity: int = 1

    @property
    def product_id(self):
        return self.product.pk


def _order_total(products: list[Product]) -> Decimal:
    return calculate_totals(lines=[_Line(product) for product in products]).total


class Command(BaseCommand):
    help = "Drive the storefront with synthetic shoppers who accept recommendations with a known probability."

    def add_arguments(self, parser):
        parser.add_argument("--visitors", type=int, default=300)
        parser.add_argument(
            "--accept", type=float, default=0.35, help="Chance a buyer in treatment takes the first recommendation."
        )
        parser.add_argument("--buy", type=float, default=0.5, help="Chance a visitor buys the product they look at.")
        parser.add_argument(
            "--click-only",
            type=float,
            default=0.1,
            help="Chance a visitor clicks a recommendation and buys nothing more.",
        )
        parser.add_argument(
            "--holdout-share",
            type=float,
            default=None,
            help="Override the control share for this run (default: the site's setting). 0.5 balances the groups.",
        )
        parser.add_argument("--pool", type=int, default=60, help="How many different products the visitors look at.")
        parser.add_argument("--days", type=int, default=14, help="Spread the visits over this many past days.")
        parser.add_argument("--seed", type=int, default=1)
        parser.add_argument("--force", action="store_true", help="run even though the shop has real orders")

    def handle(self, *args, **options):
        refusal = real_orders_refusal(action="simulate_shoppers")
        if refusal and not options["force"]:
            raise CommandError(refusal)
        with no_real_email():
            self.simulate(options)

    def simulate(self, options):
        # One line per task of every simulated order is noise here.
        logging.getLogger("celery.app.trace").setLevel(logging.WARNING)
        self.rng = random.Random(options["seed"])
        # Each run's shoppers are new people: the dashboard counts buyers by address, so
        # addresses reused across runs would merge two runs' shoppers into one buyer.
        self.run_tag = secrets.token_hex(3)
        self.tally = Counter()
        offers = self._pool(options["pool"])
        if not offers:
            raise CommandError("No product page shows a recommendation: load the demo (make demo) first.")
        overrides = {
            "ALLOWED_HOSTS": [*settings.ALLOWED_HOSTS, "testserver"],
            "SECURE_SSL_REDIRECT": False,
        }
        if HOLDOUT_MIDDLEWARE not in settings.MIDDLEWARE:
            self.stderr.write(f"Note: {HOLDOUT_MIDDLEWARE} is not in MIDDLEWARE; added for this run.")
            middleware = list(settings.MIDDLEWARE)
            middleware.insert(
                middleware.index("django.contrib.auth.middleware.AuthenticationMiddleware") + 1, HOLDOUT_MIDDLEWARE
            )
            overrides["MIDDLEWARE"] = middleware
        if options["holdout_share"] is not None:
            overrides["RECOMMENDATIONS_HOLDOUT_SHARE"] = options["holdout_share"]
        started = time.monotonic()
        orders: dict[str, list[int]] = {TREATMENT: [], CONTROL: []}
        visitors = {TREATMENT: 0, CONTROL: 0}
        requests = 0
        with override_settings(**overrides):
            for number in range(options["visitors"]):
                group, order_id, made = self._visit(number, offers, options)
                requests += made
                visitors[group] += 1
                if order_id:
                    orders[group].append(order_id)
                if (number + 1) % 50 == 0:
                    self.stdout.write(
                        f"  {number + 1} visitors, {requests} requests, {time.monotonic() - started:.0f}s"
                    )
        elapsed = time.monotonic() - started
        self.stdout.write(
            f"{options['visitors']} visitors ({visitors[TREATMENT]} treatment, {visitors[CONTROL]} control), "
            f"{requests} requests in {elapsed:.0f}s; "
            f"orders: {len(orders[TREATMENT])} treatment, {len(orders[CONTROL])} control."
        )
        self._report(offers, orders, visitors, options)

    # The pool ------------------------------------------------------------------------------

    def _pool(self, size: int) -> list[Offer]:
        """Products whose page shows a "frequently bought together" block, with the first
        item it offers and what taking it changes in the order total."""
        candidates = list(
            Product.objects.available()
            .filter(stock__gte=20)
            .order_by("-sales_count")
            .values_list("pk", flat=True)[: size * 4]
        )
        self.rng.shuffle(candidates)
        offers = []
        for product in Product.objects.filter(pk__in=candidates).select_related("category"):
            fbt = product_page_recommendations(product=product).fbt
            if fbt is None or not fbt.items:
                continue
            first = fbt.items[0]
            change = _order_total([product, first.product]) - _order_total([product])
            offers.append(Offer(product, first.product, Placement.PRODUCT_FBT, first.source, change))
            if len(offers) == size:
                break
        return offers

    # One visitor --------------------------------------------------------------------------

    def _visit(self, number: int, offers: list[Offer], options) -> tuple[str, int | None, int]:
        rng = self.rng
        client = Client(
            HTTP_USER_AGENT=f"Mozilla/5.0 (X11; Linux x86_64) Chrome/131.0 Safari/537.36 SimShopper/{number}",
            # Each shopper from an address of their own, as real ones are (the per-IP rate
            # limits would otherwise count the whole crowd as one visitor).
            REMOTE_ADDR=f"10.{number >> 16 & 255}.{number >> 8 & 255}.{number & 255}",
        )
        made = 0

        def get(url, **kwargs):
            nonlocal made
            made += 1
            return client.get(url, **kwargs)

        def post(url, data, **kwargs):
            nonlocal made
            made += 1
            return client.post(url, data, **kwargs)

        get("/")
        offer = rng.choice(offers)
        page = get(offer.product.get_absolute_url()).content.decode()
        key, group = self._visitor(client)
        shown = group == TREATMENT and f'data-rec-product="{offer.first_item.pk}"' in page
        links = _CLICK_LINK.findall(page)
        buys = rng.random() < options["buy"]
        order_id = None
        if links and not buys and rng.random() < options["click_only"]:
            get(rng.choice(links).replace("&amp;", "&"))
        if buys:
            self.tally[f"{group} buyers"] += 1
            self.tally[f"{group} buyers shown the offer"] += shown
            post(reverse("cart:add"), {"product": offer.product.pk, "quantity": 1})
            if shown and rng.random() < options["accept"]:
                self.tally[f"{group} buyers who took it"] += 1
                link = next((href for href in links if self._leads_to(href, offer)), None)
                if link:
                    landing = get(link, follow=True).content.decode()
                    made += 1  # the redirect's own request
                    post(
                        reverse("cart:add"),
                        {"product": offer.first_item.pk, "quantity": 1, "rec_origin": _hidden_value(landing, "rec_origin")},
                    )
            get(reverse("cart:detail"))
            order_id = self._checkout(client, number, get, post)
        self._backdate(key, order_id, days=rng.randrange(options["days"]))
        return group, order_id, made

    @staticmethod
    def _visitor(client) -> tuple[str, str]:
        """The visitor key and group the holdout gave this browser (its visitor cookie)."""
        cookie = client.cookies.get(VISITOR_COOKIE)
        found = visitor_cookie_group(cookie.value) if cookie is not None else None
        return found or ("", TREATMENT)

    @staticmethod
    def _leads_to(href: str, offer: Offer) -> bool:
        """Whether a click link is the offer's first recommendation's, on its product page."""
        target = click_target_load(href.replace("&amp;", "&").strip("/").split("/")[-1])
        return target is not None and target.product_id == offer.first_item.pk and target.placement == offer.placement

    def _checkout(self, client, number, get, post) -> int | None:
        details = {
            "email": f"sim{number}.{self.run_tag}@shoppers.example",
            "name": f"Sim Shopper {chr(ord('A') + number % 26)}",  # names have no digits
            "line1": f"{number} Test Street",
            "city": "Leeds",
            "postcode": "LS1 1AA",
            "country": "United Kingdom",
        }
        if post(reverse("checkout:start"), details).status_code != 302:
            return None
        review = get(reverse("checkout:review")).content.decode()
        fields = {name: _hidden_value(review, name) for name in _PLACE_ORDER_FIELDS}
        if not all(fields.values()):
            return None
        placed = post(reverse("checkout:place"), {**fields, "payment_method": "bank_transfer"}, follow=True)
        if placed.status_code != 200:
            return None
        order = Order.objects.filter(idempotency_key=fields["idempotency_key"])
        order.update(customer_ref=SIMULATED_CUSTOMER_REF)
        return order.values_list("pk", flat=True).first()

    def _backdate(self, key, order_id, *, days: int) -> None:
        """Spread the visits over past days, so the daily charts have a shape."""
        if not days:
            return
        delta = timedelta(days=days, minutes=self.rng.randrange(60 * 12))
        if key:
            Visitor.objects.filter(key=key).update(first_seen=F("first_seen") - delta)
            Event.objects.filter(visitor_key=key).update(created_at=F("created_at") - delta)
        if order_id:
            Order.objects.filter(pk=order_id).update(placed_at=F("placed_at") - delta)

    # The verdict --------------------------------------------------------------------------

    def _report(self, offers, orders, visitors, options) -> None:
        accept = options["accept"]
        totals, items = {}, {}
        for group, ids in orders.items():
            rows = Order.objects.filter(pk__in=ids).annotate(n=Sum("lines__quantity")).values_list("total", "n")
            totals[group] = [float(total) for total, _ in rows]
            items[group] = [float(n or 0) for _, n in rows]
        mean_change = sum(o.order_value_change for o in offers) / len(offers)
        # Every treatment buyer is shown the offer unless the page left it out (out of stock
        # since, say): the built-in effect is accept × the share who saw it.
        buyers = self.tally[f"{TREATMENT} buyers"]
        exposure = self.tally[f"{TREATMENT} buyers shown the offer"] / buyers if buyers else 0.0
        truths = [
            ("Items per order", items, accept * exposure, "{:+.3f}"),
            ("Average order value (£)", totals, accept * exposure * float(mean_change), "{:+.2f}"),
        ]
        min_sample = settings.RECOMMENDATIONS_MIN_SAMPLE
        self.stdout.write("")
        self.stdout.write(f"{'metric':<26}{'true effect':>12}{'measured':>11}   95% interval          contains truth?")
        for label, samples, truth, fmt in truths:
            result = compare(
                treatment=Summary.of(samples[TREATMENT]), control=Summary.of(samples[CONTROL]), min_sample=min_sample
            )
            interval = result.interval
            if interval is None:
                self.stdout.write(f"{label:<26}{fmt.format(truth):>12}   sample too small to tell")
                continue
            verdict = "yes" if interval.contains(truth) else "NO"
            note = "" if result.verdict != "too_small" else "  (sample too small to tell)"
            self.stdout.write(
                f"{label:<26}{fmt.format(truth):>12}{fmt.format(interval.difference):>11}   "
                f"[{fmt.format(interval.low)}, {fmt.format(interval.high)}]".ljust(26)
                + f"   {verdict}{note}"
            )
        conversion = compare(
            treatment=Summary.proportion(successes=len(orders[TREATMENT]), n=visitors[TREATMENT]),
            control=Summary.proportion(successes=len(orders[CONTROL]), n=visitors[CONTROL]),
            min_sample=min_sample,
            sample_size=min(len(orders[TREATMENT]), len(orders[CONTROL])),
        )
        if conversion.interval is not None:
            i = conversion.interval
            verdict = "yes" if i.contains(0.0) else "NO"
            self.stdout.write(
                f"{'Conversion':<26}{'+0.000':>12}{i.difference:>+11.3f}   [{i.low:+.3f}, {i.high:+.3f}]".ljust(26)
                + f"   {verdict}"
            )
        self.stdout.write(
            f"\nTrue effects = accept ({accept}) × share of treatment buyers shown the offer ({exposure:.1%}); "
            f"for the order value × the mean change from adding the first recommendation "
            f"(£{mean_change:.2f} over {len(offers)} products, shipping and bundle discounts included)."
        )
        self.stdout.write("Tally: " + ", ".join(f"{key} {value}" for key, value in sorted(self.tally.items())))
        self.stdout.write(
            "The admin's Recommendations dashboard shows these orders with every other one in the period."
        )
