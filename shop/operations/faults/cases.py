"""The cases of the fault check. Each takes the running stack and returns one Row.

What a case reads back from the database it reads through this process's connection to
the check's own database (stack.Database), closed after each read: some cases cut every
connection to it on purpose.
"""

import secrets
import signal
import subprocess
import threading
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from datetime import timedelta
from decimal import Decimal

import psycopg
from django.contrib.auth import get_user_model
from django.db import connection
from django.db.models import Sum
from django.utils import timezone

from catalog.models import Category, Product, StockMovement
from catalog.services import StockChange, stock_move
from recommendations.copurchase.models import RefreshLease, Snapshot
from shop.orders.models import Order, OrderLine

from .browser import DETAILS, Browser, hidden_value, placed
from .stack import Database, Processes, Server

# An answer slower than this "waits": far above a page's own time, far below Celery's
# default publish retries or a shopper's patience.
FAST_SECONDS = 2.0
# After a fault, requests may fail for at most this long before the shop must answer again.
RECOVERY_SECONDS = 2.0
REFRESH_PATH = "/admin/copurchase/snapshot/refresh/"
HISTORY_PRODUCTS = 30
HISTORY_ORDERS = 400


@dataclass(frozen=True)
class Row:
    case: str
    expected: str
    observed: str
    seconds: float
    passed: bool


@dataclass(frozen=True)
class Shop:
    """What the seed made, as plain values (the cases run on threads of their own)."""

    last_unit: int
    last_five: int
    plenty: int
    paths: dict[int, str]
    staff: tuple[str, str]


def read(function: Callable):
    """Run a read on this process's connection and close it (a case may cut it next)."""
    try:
        return function()
    finally:
        connection.close()


def seed() -> Shop:
    """A category, three products to race for, an order history for the co-purchase
    refresh, and a member of staff."""
    category = Category.objects.create(name="Fault check", slug="fault-check")
    stock = {"last-unit": 1, "last-five": 5, "plenty": 100_000}
    products = {
        slug: Product.objects.create(
            sku=slug.upper(), name=slug.replace("-", " ").title(), slug=slug, category=category, price=Decimal("9.50")
        )
        for slug in stock
    }
    history = [
        Product(sku=f"FC-{i}", name=f"Fault check item {i}", slug=f"fault-check-item-{i}", category=category,
                price=Decimal("4.00"))
        for i in range(HISTORY_PRODUCTS)
    ]
    Product.objects.bulk_create(history)
    stock_move(
        changes=[StockChange(products[slug].pk, units) for slug, units in stock.items()]
        + [StockChange(product.pk, 1000) for product in history],
        kind=StockMovement.Kind.ADJUSTMENT,
        note="fault check",
    )
    _order_history(history)
    password = secrets.token_urlsafe(16)
    get_user_model().objects.create_superuser("faultcheck", "staff@fault-check.example", password)
    connection.close()
    return Shop(
        last_unit=products["last-unit"].pk,
        last_five=products["last-five"].pk,
        plenty=products["plenty"].pk,
        paths={product.pk: product.get_absolute_url() for product in products.values()},
        staff=("faultcheck", password),
    )


def _order_history(products: list[Product]) -> None:
    """Paid orders of two to four products from small families, so pairs recur."""
    now = timezone.now()
    orders = Order.objects.bulk_create(
        Order(number=f"FC{i:07d}", email=f"history{i}@fault-check.example", status=Order.Status.PAID,
              placed_at=now - timedelta(hours=i))
        for i in range(HISTORY_ORDERS)
    )
    lines = []
    for i, order in enumerate(orders):
        family = (i % 6) * 5
        for offset in range(2 + i % 3):
            product = products[(family + (i + offset) % 5) % len(products)]
            lines.append(OrderLine(order=order, product=product, sku=product.sku, name=product.name,
                                   unit_price=product.price, quantity=1, line_total=product.price))
    OrderLine.objects.bulk_create(lines, ignore_conflicts=True)


# Checkout races --------------------------------------------------------------------------


def buyers_race(server: Server, shop: Shop, *, product_id: int, units: int, buyers: int, database: Database) -> Row:
    """`buyers` shoppers, each with the product in their cart, place their orders at once."""
    case = f"{buyers} buyers, last {'unit' if units == 1 else f'{units} units'}"
    expected = f"{units} order{'s' if units != 1 else ''}, stock 0, never < 0"
    browsers = [Browser(server.base) for _ in range(buyers)]
    with ThreadPoolExecutor(max_workers=16) as pool:
        forms = list(pool.map(lambda b: b.fill_cart_and_review(shop.paths[product_id], product_id), browsers))
    ready = [(browser, form) for browser, form in zip(browsers, forms, strict=True) if form]
    lowest = _watch_stock(database, product_id)
    barrier = threading.Barrier(len(ready))
    started = time.monotonic()

    def go(pair):
        barrier.wait()
        return pair[0].place(pair[1])

    with ThreadPoolExecutor(max_workers=len(ready)) as pool:
        answers = list(pool.map(go, ready))
    seconds = time.monotonic() - started
    lowest_seen = lowest.stop()
    orders = read(lambda: Order.objects.filter(lines__product_id=product_id).distinct().count())
    stock = read(lambda: Product.objects.values_list("stock", flat=True).get(pk=product_id))
    ledger = read(lambda: StockMovement.objects.filter(product_id=product_id).aggregate(s=Sum("delta"))["s"])
    confirmed = sum(placed(answer) for answer in answers)
    errors = sum(answer.status == 0 or answer.status >= 500 for answer in answers)
    refused = len(answers) - confirmed - errors
    observed = (
        f"{orders} order{'s' if orders != 1 else ''} ({confirmed} confirmed, {refused} refused, {errors} errors; {len(ready)}/{buyers} reached "
        f"review), stock {stock}, lowest {lowest_seen}, ledger {'=' if ledger == stock else '≠'} stock"
    )
    passed = (
        orders == confirmed == units and stock == 0 and lowest_seen >= 0 and errors == 0 and ledger == stock
        and len(ready) == buyers
    )
    return Row(case, expected, observed, seconds, passed)


class _StockWatch:
    def __init__(self, database: Database, product_id: int):
        self.lowest: int | None = None
        self.running = True
        self.thread = threading.Thread(target=self.run, args=(database, product_id), daemon=True)
        self.thread.start()

    def run(self, database: Database, product_id: int) -> None:
        with psycopg.connect(dbname=database.name, autocommit=True, **database.params) as conn:
            while self.running:
                (stock,) = conn.execute("SELECT stock FROM catalog_product WHERE id = %s", [product_id]).fetchone()
                self.lowest = stock if self.lowest is None else min(self.lowest, stock)
                time.sleep(0.005)

    def stop(self) -> int:
        self.running = False
        self.thread.join(timeout=10)
        return self.lowest if self.lowest is not None else 0


def _watch_stock(database: Database, product_id: int) -> _StockWatch:
    return _StockWatch(database, product_id)


def same_order_five_times(server: Server, shop: Shop) -> Row:
    """One shopper's place-order form submitted five times at once (a double click, retries)."""
    browser = Browser(server.base)
    form = browser.fill_cart_and_review(shop.paths[shop.plenty], shop.plenty, quantity=2)
    barrier = threading.Barrier(5)
    started = time.monotonic()

    def go(_):
        barrier.wait()
        return browser.place(form)

    with ThreadPoolExecutor(max_workers=5) as pool:
        answers = list(pool.map(go, range(5)))
    seconds = time.monotonic() - started
    orders = read(lambda: Order.objects.filter(idempotency_key=form.get("idempotency_key")).count())
    confirmations = {answer.location for answer in answers if placed(answer)}
    observed = (
        f"{orders} order; {sum(placed(a) for a in answers)}/5 answered with "
        f"{'its' if len(confirmations) == 1 else f'{len(confirmations)} different'} confirmation"
    )
    passed = bool(form) and orders == 1 and len(confirmations) == 1 and all(placed(a) for a in answers)
    return Row("one form submitted 5× at once", "1 order, 5 × its confirmation", observed, seconds, passed)


# Database faults -------------------------------------------------------------------------


def database_fault(server: Server, shop: Shop, *, name: str, fault: Callable[[], str], threads: int = 8,
                   before: float = 2.0, after: float = 6.0) -> Row:
    """Pages under steady traffic while `fault` cuts the database; the shop must answer again
    within RECOVERY_SECONDS of the fault's end, with the same gunicorn workers."""
    workers_before = server.worker_pids()
    paths = ["/", shop.paths[shop.plenty], "/cart/"]
    log: list[tuple[float, float, int]] = []  # (sent, answered, status)
    lock = threading.Lock()
    stop = threading.Event()
    origin = time.monotonic()

    def traffic(n: int) -> None:
        browser = Browser(server.base)
        i = n
        while not stop.is_set():
            sent = time.monotonic() - origin
            answer = browser.get(paths[i % len(paths)])
            with lock:
                log.append((sent, time.monotonic() - origin, answer.status))
            i += 1

    pool = [threading.Thread(target=traffic, args=(n,), daemon=True) for n in range(threads)]
    for thread in pool:
        thread.start()
    time.sleep(before)
    connection.close()
    fault_started = time.monotonic() - origin
    what = fault()
    fault_ended = time.monotonic() - origin
    time.sleep(after)
    stop.set()
    for thread in pool:
        thread.join(timeout=70)
    connection.close()

    failed = [(sent, answered) for sent, answered, status in log if status == 0 or status >= 500]
    late = [sent for sent, _ in failed if sent > fault_ended + RECOVERY_SECONDS]
    after_fault = [status for sent, _, status in log if sent > fault_ended]
    first_ok = min((answered for sent, answered, status in log if sent >= fault_started and 200 <= status < 400),
                   default=None)
    last_failure = max((answered for _, answered in failed), default=None)
    restarted = workers_before != server.worker_pids()
    recovery = (last_failure - fault_ended) if last_failure is not None else 0.0
    observed = (
        f"{what}; {len(log)} requests, {len(failed)} failed"
        + (f" (last {max(recovery, 0):.2f} s after)" if failed else "")
        + (f", first page {first_ok - fault_started:.2f} s after the fault" if first_ok is not None else ", no page after")
        + ("; gunicorn workers RESTARTED" if restarted else "; same gunicorn workers")
    )
    passed = not late and not restarted and bool(after_fault) and first_ok is not None
    return Row(name, f"pages again within {RECOVERY_SECONDS:.0f} s, no worker restart", observed,
               fault_ended - fault_started + max(recovery, 0), passed)


def terminate_backends(database: Database) -> Callable[[], str]:
    def fault() -> str:
        return f"{database.terminate_connections()} connections terminated"

    return fault


def restart_postgres(cluster: str) -> Callable[[], str]:
    def fault() -> str:
        version, name = cluster.split()
        subprocess.run(["pg_ctlcluster", version, name, "restart"], check=True, capture_output=True)
        return f"PostgreSQL {cluster} restarted"

    return fault


# Redis unreachable -----------------------------------------------------------------------


def redis_unreachable(server: Server, shop: Shop) -> Row:
    """Against a server whose REDIS_URL is a closed port: pages, cart, checkout and the
    admin's "Refresh now" answer, and at once."""
    shopper, staff = Browser(server.base), Browser(server.base)
    steps: list[tuple[str, object]] = []

    def step(name, call):
        answer = call()
        steps.append((name, answer))
        return answer

    step("home", lambda: shopper.get("/"))
    step("product page", lambda: shopper.get(shop.paths[shop.plenty]))
    step("add to cart", lambda: shopper.post("/cart/add/", {"product": shop.plenty, "quantity": 1}))
    step("cart", lambda: shopper.get("/cart/"))
    step("checkout details", lambda: shopper.post("/checkout/", DETAILS))
    review = step("review", lambda: shopper.get("/checkout/review/"))
    form = {name: hidden_value(review.body, name) for name in ("idempotency_key", "expected_total")}
    order = step("place order", lambda: shopper.place({**form, "payment_method": "bank_transfer"}))
    # Not timed: checking a password takes its second by design, Redis or not.
    logged_in = staff.log_in_to_admin(*shop.staff)
    refresh = step("Refresh now", lambda: staff.post(REFRESH_PATH, {}))
    slowest_name, slowest = max(steps, key=lambda s: s[1].seconds)
    bad = [f"{name} {answer.status}" for name, answer in [*steps, ("staff log-in", logged_in)] if not answer.ok]
    ordered = read(lambda: Order.objects.filter(idempotency_key=form["idempotency_key"]).exists())
    observed = (
        f"{len(steps)} answers (and a staff log-in), {'all 2xx/3xx' if not bad else 'failed: ' + ', '.join(bad)}; slowest "
        f"{slowest.seconds:.2f} s ({slowest_name}); order {'placed' if ordered else 'NOT placed'}"
    )
    passed = not bad and slowest.seconds < FAST_SECONDS and ordered and placed(order) and refresh.status == 302
    return Row("Redis unreachable", f"all answer < {FAST_SECONDS:.0f} s, order placed", observed,
               sum(answer.seconds for _, answer in steps), passed)


# A worker killed mid-refresh -------------------------------------------------------------


def worker_killed_mid_refresh(server: Server, shop: Shop, *, processes: Processes, env: dict,
                              recovery_timeout: float) -> Row:
    """A refresh is killed (SIGKILL) while it builds; a new worker starts and staff press
    "Refresh now" again. How long until a refresh finishes?"""
    expected = f"next refresh within {recovery_timeout / 60:.0f} min"
    # The test settings' slow build pauses mid-build (renewing the lease as a real build
    # does), long enough to kill the worker there.
    slow = processes.celery_worker(
        env={**env, "DJANGO_SETTINGS_MODULE": "tests.realstack.worker_settings", "COPURCHASE_TEST_BUILD_DELAY": "600"},
        name="worker-slow",
    )
    staff = Browser(server.base)
    staff.log_in_to_admin(*shop.staff)
    staff.post(REFRESH_PATH, {})
    if not _wait(lambda: read(lambda: RefreshLease.objects.exclude(holder="").exists()), seconds=90):
        processes.stop(slow)
        return Row("worker killed mid-refresh", expected, "the refresh never started (see worker-slow.log)", 0.0, False)
    time.sleep(1)
    processes.stop(slow, signal.SIGKILL)
    killed_at = timezone.now()
    started = time.monotonic()
    lease_until = read(lambda: RefreshLease.objects.exclude(holder="").values_list("expires_at", flat=True).first())
    fresh = processes.celery_worker(
        env={**env, "DJANGO_SETTINGS_MODULE": "tests.realstack.worker_settings"}, name="worker-fresh"
    )
    time.sleep(5)
    staff.post(REFRESH_PATH, {})  # staff ask again
    finished = _wait(
        lambda: read(
            lambda: Snapshot.objects.filter(created_at__gt=killed_at).exclude(status=Snapshot.Status.BUILDING).exists()
        ),
        seconds=recovery_timeout,
        every=2.0,
    )
    seconds = time.monotonic() - started
    processes.stop(fresh)
    if finished:
        observed = f"a refresh finished {seconds:.0f} s after the kill"
    else:
        until = timezone.localtime(lease_until).strftime("%H:%M:%S") if lease_until else "?"
        observed = f"no refresh within {recovery_timeout:.0f} s: the dead worker's lease holds until {until}"
    return Row("worker killed mid-refresh", expected, observed, seconds, finished)


def _wait(condition: Callable[[], bool], *, seconds: float, every: float = 0.5) -> bool:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if condition():
            return True
        time.sleep(every)
    return condition()
