"""Benchmark the storefront's pages under gunicorn: home, category, product (FBT + tier chart +
upgrade), each for a visitor without a cart and with one ("+cart"), the cart page with
lines and empty, and the JSON API's "frequently bought together" endpoint.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/tandem_recs manage.py bench_pages
    manage.py bench_pages --duration 20 --connections 8 --products 500 --carts 50
    manage.py bench_pages --pages product,product+cart,cart --rounds 3
    manage.py bench_pages --compare /path/to/other/checkout   # the same pages there, in turn

Needs the demo data (`manage.py load_demo`) and preferably a live snapshot
(`manage.py refresh_recommendations`). Starts gunicorn (2 sync workers,
--no-control-socket) with DEBUG off on a free port, warms every URL once, then runs
wrk (a Lua script rotates over the URLs and session cookies; p50/p95 from wrk's own
histogram) or, without wrk, a small threaded load generator. Prints requests/second,
p50/p95 latency and the SQL queries each page takes (measured in-process with the same
URLs, on a warm cache). Stops gunicorn by its PID.

With --compare, a second gunicorn serves another checkout of the shop (say, main) on the
same database; every page is measured on both in turn, alternating which goes first each
round, and the ratio is printed (a shared machine's load moves both alike).

It writes benchmark carts and sessions, so it refuses a shop with real orders unless given
--force (shop.demo.guards), and neither it nor its gunicorn can send e-mail.
"""

from __future__ import annotations

import io
import os
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import urllib.request
from dataclasses import dataclass
from importlib import import_module
from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.db import connection
from django.db.models import Count, Exists, OuterRef
from django.test import Client
from django.test.utils import CaptureQueriesContext

from catalog.models import Category, Product
from recommendations.models import LadderTier
from shop.cart.models import Cart, CartLine
from shop.orders.models import REC_GROUP_SESSION_KEY, Order
from shop.demo.guards import no_real_email, real_orders_refusal

WRK = shutil.which("wrk") or "/usr/bin/wrk"

PAGES = ("home", "home+cart", "category", "category+cart", "product", "product+cart", "cart", "cart-empty", "api-fbt")
DEFAULT_PAGES = PAGES[:-1]

LUA = r"""
local paths = {%(paths)s}
local cookies = {%(cookies)s}
local i = 0
request = function()
  i = i + 1
  local n = (i %% #paths) + 1
  local headers = {}
  if #cookies > 0 then headers["Cookie"] = cookies[(i %% #cookies) + 1] end
  return wrk.format("GET", paths[n], headers)
end
done = function(summary, latency, requests)
  io.write(string.format("BENCH requests=%%d errors=%%d duration_us=%%d p50_us=%%d p95_us=%%d non2xx=%%d\n",
    summary.requests, summary.errors.connect + summary.errors.read + summary.errors.write + summary.errors.timeout,
    summary.duration, latency:percentile(50), latency:percentile(95), summary.errors.status))
end
"""


@dataclass
class Result:
    name: str
    side: str
    requests: int
    seconds: float
    p50_ms: float
    p95_ms: float
    errors: int
    queries: list[int]

    @property
    def rps(self) -> float:
        return self.requests / self.seconds if self.seconds else 0.0


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class Command(BaseCommand):
    help = "Requests/second, p50/p95 latency and SQL queries of the product and cart pages under gunicorn."

    def add_arguments(self, parser):
        parser.add_argument("--duration", type=int, default=20, help="seconds per page")
        parser.add_argument("--connections", type=int, default=8)
        parser.add_argument("--workers", type=int, default=2, help="gunicorn sync workers")
        parser.add_argument("--products", type=int, default=300, help="different product pages to rotate over")
        parser.add_argument("--carts", type=int, default=50, help="different carts (sessions) for the cart page")
        parser.add_argument("--lines", type=int, default=4, help="lines in each benchmark cart")
        parser.add_argument("--tool", choices=["auto", "wrk", "python"], default="auto")
        parser.add_argument(
            "--pages", default=",".join(DEFAULT_PAGES), help=f"comma-separated, of: {', '.join(PAGES)}",
        )
        parser.add_argument(
            "--profile", default="",
            help="instead: profile one gunicorn worker under this page's load (a name from --pages) and print where the time goes",
        )
        parser.add_argument("--compare", default="", help="another checkout of the shop to measure in turn (its manage.py's folder)")
        parser.add_argument(
            "--rounds", type=int, default=1,
            help="run the pages in turn this many times and report each page's median round (a shared, busy machine)",
        )
        parser.add_argument("--force", action="store_true", help="run even though the shop has real orders")

    def handle(self, *args, force, **options):
        if not Product.objects.exists():
            raise CommandError("No products: load the demo data first (manage.py load_demo).")
        refusal = real_orders_refusal(action="bench_pages")
        if refusal and not force:
            raise CommandError(refusal)
        with no_real_email():
            self.bench(**options)

    def bench(self, *, duration, connections, workers, products, carts, lines, tool, pages, rounds, compare, profile, **options):
        use_wrk = tool == "wrk" or (tool == "auto" and os.path.exists(WRK))
        wanted = [name.strip() for name in pages.split(",") if name.strip()]
        if profile and profile not in wanted:
            wanted.append(profile)
        if unknown := set(wanted) - set(PAGES):
            raise CommandError(f"Unknown page(s): {', '.join(sorted(unknown))}. Choose from: {', '.join(PAGES)}.")
        product_paths = self.product_paths(products)
        cookies = self.cart_cookies(carts, lines)
        urls = {
            "home": ["/"],
            "category": self.category_paths(),
            "product": product_paths,
            "cart": ["/cart/"],
            "cart-empty": ["/cart/"],
            "api-fbt": self.api_fbt_paths(products),
        }
        plans = []
        for name in wanted:
            base_name = name.removesuffix("+cart")
            with_cart = name.endswith("+cart") or name == "cart"
            plans.append((name, urls[base_name], cookies if with_cart else []))
        compare_dir = Path(compare).resolve() if compare else None
        if compare_dir is not None and not (compare_dir / "manage.py").exists():
            raise CommandError(f"--compare {compare}: no manage.py there.")
        self.stdout.write(
            f"Database: {connection.vendor} {settings.DATABASES['default'].get('NAME')} · "
            f"cache: {settings.CACHES['default']['BACKEND'].rsplit('.', 1)[-1]} · "
            f"fragments: {'on' if getattr(settings, 'FRAGMENT_CACHE', False) else 'off'} · {len(product_paths)} product pages · "
            f"{len(urls['category'])} category pages · {len(cookies)} carts of {lines} lines · {workers} gunicorn workers · "
            f"{connections} connections × {duration}s · {'wrk' if use_wrk else 'python load generator'} · CPUs: {os.cpu_count()}"
        )
        query_counts = {
            name: self.query_counts(paths[:60] if len(paths) > 1 else paths * min(len(page_cookies) or 1, 30), cookies=page_cookies[:30])
            for name, paths, page_cookies in plans
        }
        if profile:
            self.profile(dict((name, (paths, page_cookies)) for name, paths, page_cookies in plans), profile, duration=duration, connections=connections)
            return
        sides = [("this", Path(settings.BASE_DIR))] + ([("compare", compare_dir)] if compare_dir else [])
        servers = {}
        results = []
        try:
            for side, folder in sides:
                port = free_port()
                servers[side] = (self.start_gunicorn(port=port, workers=workers, folder=folder), f"http://127.0.0.1:{port}")
            for side, (_, base) in servers.items():
                self.wait_ready(base + "/")
                for name, paths, page_cookies in plans:
                    self.warm(base, paths, page_cookies)
            for round_number in range(rounds):
                for name, paths, page_cookies in plans:
                    order = list(servers) if round_number % 2 == 0 else list(reversed(servers))
                    for side in order:
                        base = servers[side][1]
                        run = self.run_wrk if use_wrk else self.run_python
                        result = run(base, name, paths, page_cookies, duration=duration, connections=connections)
                        result.side = side
                        result.queries = query_counts[name] if side == "this" else []
                        results.append(result)
        finally:
            for server, _ in servers.values():
                self.stop(server)
        if rounds > 1:
            self.stdout.write("\nEvery round:")
            self.report(results, compare=bool(compare_dir))
            self.stdout.write("\nMedian round of each page:")
            results = [
                sorted((r for r in results if r.name == name and r.side == side), key=lambda r: r.rps)[(rounds - 1) // 2]
                for name, _, _ in plans
                for side in servers
            ]
        self.report(results, compare=bool(compare_dir))

    def profile(self, plans: dict, name: str, *, duration: int, connections: int) -> None:
        """One sync worker under cProfile (the load of `name`, after a warm-up of every URL),
        then the functions that took the most time, with and without their callees."""
        import pstats

        paths, cookies = plans[name]
        output = Path(tempfile.mkdtemp(prefix="bench-profile-")) / "worker.prof"
        warm_requests = len(set(paths)) + len(cookies)
        port = free_port()
        server = self.start_gunicorn(
            port=port, workers=1, folder=Path(settings.BASE_DIR), app="recommendations.management.profiled_wsgi:application",
            extra_env={"PROFILE_OUTPUT": str(output), "PROFILE_SKIP": str(warm_requests + 1)},
        )
        base = f"http://127.0.0.1:{port}"
        try:
            self.wait_ready(base + "/")
            self.warm(base, paths, cookies)
            result = self.run_wrk(base, name, paths, cookies, duration=duration, connections=connections)
        finally:
            self.stop(server)
        self.stdout.write(f"\n{name} on one profiled worker: {result.rps:.1f} req/s, p50 {result.p50_ms:.1f} ms (profiling slows it)")
        for title, order, count in (("Most time including callees", "cumulative", 45), ("Most time in the function itself", "tottime", 20)):
            buffer = io.StringIO()  # pstats writes piecemeal; the command's stdout adds a newline per write
            pstats.Stats(str(output), stream=buffer).sort_stats(order).print_stats(count)
            self.stdout.write(f"\n{title}:\n{buffer.getvalue()}")

    # Data ------------------------------------------------------------------------------

    def products_with_blocks(self, limit: int):
        """Products whose pages show the blocks: ladder members first (tier chart + upgrade),
        then the best sellers (full FBT lists), all active."""
        in_ladder = LadderTier.objects.filter(product=OuterRef("pk"))
        return Product.objects.available().annotate(in_ladder=Exists(in_ladder)).order_by("-in_ladder", "-sales_count", "id")[:limit]

    def product_paths(self, limit: int) -> list[str]:
        return [f"/product/{slug}/" for slug in self.products_with_blocks(limit).values_list("slug", flat=True)]

    def category_paths(self) -> list[str]:
        """Every category's first page, and its second where it has one."""
        paths = []
        for category in Category.objects.filter(is_active=True).annotate(n=Count("products")).filter(n__gt=0).order_by("id"):
            paths.append(f"/category/{category.slug}/")
            if category.n > settings.PRODUCTS_PER_PAGE:
                paths.append(f"/category/{category.slug}/?page=2")
        return paths

    def api_fbt_paths(self, limit: int) -> list[str]:
        """The same products' "frequently bought together" from the JSON API."""
        return [f"/api/v1/products/{pk}/fbt" for pk in self.products_with_blocks(limit).values_list("pk", flat=True)]

    def cart_cookies(self, count: int, lines: int) -> list[str]:
        """Sessions with a cart each (reused across runs), as cookies for the cart page."""
        engine = import_module(settings.SESSION_ENGINE)
        popular = list(Product.objects.available().order_by("-sales_count").values_list("id", flat=True)[: count + lines])
        cookies = []
        existing = list(
            Cart.objects.filter(session_key__startswith="bench", user__isnull=True)
            .annotate(n=Count("lines"))
            .filter(n=lines)
            .values_list("session_key", flat=True)[:count]
        )
        for i in range(count):
            key = existing[i] if i < len(existing) else None
            session = engine.SessionStore(session_key=key)
            if key is None or not session.exists(key):
                session = engine.SessionStore()
                session.create()
                cart = Cart.objects.create(session_key=session.session_key)
                picks = [popular[(i + j) % len(popular)] for j in range(lines)]
                CartLine.objects.bulk_create([CartLine(cart=cart, product_id=pid, quantity=1) for pid in dict.fromkeys(picks)])
                session["cart_id"] = cart.pk
                session.save()
                Cart.objects.filter(pk=cart.pk).update(session_key=session.session_key)
            # A returning visitor keeps their group (a cookieless request draws one each time):
            # one in ten benchmark carts is in the holdout.
            group = Order.Group.CONTROL if i % 10 == 9 else Order.Group.TREATMENT
            if session.get(REC_GROUP_SESSION_KEY) != group:
                session[REC_GROUP_SESSION_KEY] = group
                session.save()
            cookies.append(f"{settings.SESSION_COOKIE_NAME}={session.session_key}")
        return cookies

    def query_counts(self, paths: list[str], *, cookies: list[str]) -> list[int]:
        client = Client()
        counts = []
        for i, path in enumerate(paths):
            if cookies:
                client.cookies[settings.SESSION_COOKIE_NAME] = cookies[i % len(cookies)].split("=", 1)[1]
            client.get(path, secure=True, HTTP_HOST="localhost")  # warm
            with CaptureQueriesContext(connection) as queries:
                response = client.get(path, secure=True, HTTP_HOST="localhost")
            if response.status_code == 200:
                counts.append(len(queries))
        return counts

    # Server ----------------------------------------------------------------------------

    def start_gunicorn(
        self, *, port: int, workers: int, folder: Path, app: str = "shop.wsgi:application", extra_env: dict | None = None
    ) -> subprocess.Popen:
        env = {
            **os.environ,
            "DEBUG": "false",
            "SECRET_KEY": os.environ.get("SECRET_KEY", "bench-only-" + "x" * 40),
            "ALLOWED_HOSTS": "127.0.0.1,localhost",
            "SECURE_SSL_REDIRECT": "false",
            "SESSION_COOKIE_SECURE": "false",
            "CSRF_COOKIE_SECURE": "false",
            "SECURE_HSTS_SECONDS": "0",
            "LOG_LEVEL": "WARNING",
            # The benchmark's requests send nothing, and the server is told so anyway.
            "EMAIL_BACKEND": "django.core.mail.backends.locmem.EmailBackend",
            # A compared checkout shows the same pictures.
            "MEDIA_ROOT": str(settings.MEDIA_ROOT),
            **(extra_env or {}),
        }
        manage = folder / "manage.py"
        # DEBUG off serves hashed static names: the manifest must exist.
        subprocess.run([sys.executable, str(manage), "collectstatic", "--noinput", "-v0"], env=env, cwd=folder, check=True)
        gunicorn = Path(sys.executable).with_name("gunicorn")
        command = [
            str(gunicorn), app, "--workers", str(workers), "--worker-class", "sync",
            "--bind", f"127.0.0.1:{port}", "--no-control-socket", "--log-level", "warning",
        ]
        self.stdout.write(f"Starting gunicorn in {folder}: {' '.join(command[1:])}")
        return subprocess.Popen(command, cwd=folder, env=env, start_new_session=True)

    def wait_ready(self, url: str) -> None:
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            try:
                with urllib.request.urlopen(url, timeout=5) as response:
                    if response.status == 200:
                        return
            except OSError:
                time.sleep(0.3)
        raise CommandError(f"gunicorn did not answer {url} within 30 s")

    def stop(self, server: subprocess.Popen) -> None:
        server.send_signal(signal.SIGTERM)
        try:
            server.wait(timeout=15)
        except subprocess.TimeoutExpired:
            server.kill()

    def warm(self, base: str, paths: list[str], cookies: list[str]) -> None:
        """One request per URL and per cart, so both workers' caches are mostly warm."""
        for path in dict.fromkeys(paths):
            self.fetch(base + path, None)
        for cookie in cookies:
            self.fetch(base + paths[0], cookie)

    @staticmethod
    def fetch(url: str, cookie: str | None) -> int:
        request = urllib.request.Request(url, headers={"Cookie": cookie} if cookie else {})
        with urllib.request.urlopen(request, timeout=30) as response:
            response.read()
            return response.status

    # Load ------------------------------------------------------------------------------

    def run_wrk(self, base, name, paths, cookies, *, duration, connections) -> Result:
        quote = lambda s: '"' + s.replace('"', '\\"') + '"'  # noqa: E731
        script = LUA % {"paths": ", ".join(map(quote, paths)), "cookies": ", ".join(map(quote, cookies))}
        with tempfile.NamedTemporaryFile("w", suffix=".lua", delete=False) as handle:
            handle.write(script)
        try:
            output = subprocess.run(
                [WRK, "-t2", f"-c{connections}", f"-d{duration}s", "--timeout", "10s", "-s", handle.name, base + paths[0]],
                capture_output=True, text=True, check=True,
            ).stdout
        finally:
            os.unlink(handle.name)
        line = next((ln for ln in output.splitlines() if ln.startswith("BENCH ")), None)
        if line is None:
            raise CommandError(f"Unexpected wrk output:\n{output}")
        values = dict(part.split("=") for part in line.split()[1:])
        return Result(
            name=name, side="", requests=int(values["requests"]), seconds=int(values["duration_us"]) / 1e6,
            p50_ms=int(values["p50_us"]) / 1000, p95_ms=int(values["p95_us"]) / 1000,
            errors=int(values["errors"]) + int(values["non2xx"]), queries=[],
        )

    def run_python(self, base, name, paths, cookies, *, duration, connections) -> Result:
        latencies: list[float] = []
        errors = [0]
        lock = threading.Lock()
        stop_at = time.monotonic() + duration

        def worker(offset: int) -> None:
            i = offset
            local = []
            while time.monotonic() < stop_at:
                url = base + paths[i % len(paths)]
                cookie = cookies[i % len(cookies)] if cookies else None
                started = time.perf_counter()
                try:
                    if self.fetch(url, cookie) != 200:
                        errors[0] += 1
                except OSError:
                    errors[0] += 1
                local.append(time.perf_counter() - started)
                i += connections
            with lock:
                latencies.extend(local)

        started = time.monotonic()
        threads = [threading.Thread(target=worker, args=(n,)) for n in range(connections)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        elapsed = time.monotonic() - started
        latencies.sort()
        percentile = lambda p: latencies[min(len(latencies) - 1, int(len(latencies) * p))] * 1000 if latencies else 0  # noqa: E731
        return Result(name=name, side="", requests=len(latencies), seconds=elapsed, p50_ms=percentile(0.5), p95_ms=percentile(0.95),
                      errors=errors[0], queries=[])

    def report(self, results: list[Result], *, compare: bool = False) -> None:
        self.stdout.write("")
        side = f"{'side':<9}" if compare else ""
        self.stdout.write(
            f"{'page':<15}{side}{'req/s':>9}{'p50 ms':>9}{'p95 ms':>9}{'requests':>10}{'errors':>8}"
            f"{'  × other' if compare else ''}   SQL queries per page"
        )
        for r in results:
            q = r.queries
            queries = f"median {statistics.median(q):.0f}, max {max(q)} (over {len(q)} pages)" if q else "n/a"
            ratio = ""
            if compare:
                other = next((o for o in results if o.name == r.name and o.side != r.side), None)
                ratio = f"{r.rps / other.rps:>9.2f}" if other is not None and other.rps and r.side == "this" else f"{'':>9}"
            side = f"{r.side:<9}" if compare else ""
            self.stdout.write(
                f"{r.name:<15}{side}{r.rps:>9.1f}{r.p50_ms:>9.1f}{r.p95_ms:>9.1f}{r.requests:>10}{r.errors:>8}{ratio}   {queries}"
            )
