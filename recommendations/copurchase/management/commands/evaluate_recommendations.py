"""Offline evaluation of the ranking score against the baselines (see evaluation.py)."""

import datetime as dt
from dataclasses import replace
from pathlib import Path

import numpy as np
from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from recommendations.copurchase.evaluation import (
    CART_SIZES,
    DEFAULT_MIN_TEST_ORDERS,
    DEFAULT_TEST_DAYS,
    Lines,
    default_cutoff,
    evaluate,
    parse_cutoff,
    read_online_retail,
)
from recommendations.copurchase.refresh import score_params
from recommendations.copurchase.tuned_evaluation import evaluate_tuned, random_split, read_groceries
from shop.orders.models import Order, OrderLine

DEFAULT_CSV = Path(settings.BASE_DIR).parent / "shared" / "data" / "online_retail" / "online_retail.csv.xz"
DEFAULT_GROCERIES = Path(settings.BASE_DIR).parent / "shared" / "data" / "groceries" / "groceries.csv"


def lines_from_db() -> Lines:
    rows = (
        OrderLine.objects.filter(product_id__isnull=False)
        .exclude(order__status=Order.Status.CANCELLED)
        .values_list("order_id", "product_id", "order__placed_at")
    )
    order_ids, product_ids, placed = [], [], []
    for order_id, product_id, placed_at in rows.iterator(chunk_size=50_000):
        order_ids.append(order_id)
        product_ids.append(product_id)
        placed.append(np.datetime64(placed_at.astimezone(dt.UTC).replace(tzinfo=None), "s"))
    return Lines(np.array(order_ids, np.int64), np.array(product_ids, np.int64), np.array(placed, "datetime64[s]"))


class Command(BaseCommand):
    help = "Hit-rate@3/@5 and coverage of the chosen score and the baselines, train before a cut-off, test after."

    def add_arguments(self, parser):
        parser.add_argument("--csv", help=f"evaluate straight from an Online Retail CSV (.csv or .csv.xz), e.g. {DEFAULT_CSV}")
        parser.add_argument(
            "--cutoff",
            help=f"YYYY-MM-DD: train before, test from (CSV default 2011-11-01; DB: {DEFAULT_TEST_DAYS} days before the "
            f"newest order, earlier if that leaves fewer than {DEFAULT_MIN_TEST_ORDERS} test orders)",
        )
        parser.add_argument("--gamma", type=float, help="size weight exponent of the chosen score")
        parser.add_argument("--alpha", type=float, help="partner popularity damping of the chosen score")
        parser.add_argument("--no-ease", action="store_true", help="skip the EASE baseline (dense, items² memory)")
        parser.add_argument(
            "--groceries", nargs="?", const=str(DEFAULT_GROCERIES), metavar="CSV",
            help="the Groceries baskets (one per line; no dates): 80/20 at random, random.Random(--seed), one draw "
            f"per basket in file order (default file {DEFAULT_GROCERIES})",
        )
        parser.add_argument("--seed", type=int, default=42, help="seed of the --groceries split")
        parser.add_argument("--no-tune", action="store_true", help="skip the tuned score (the refresh's back-test)")

    def handle(self, *args, csv=None, cutoff=None, gamma=None, alpha=None, no_ease=False, groceries=None, seed=42,
               no_tune=False, **options):
        if groceries:
            if not Path(groceries).exists():
                raise CommandError(f"{groceries} not found")
            train, test = random_split(read_groceries(groceries), seed=seed)
            cutoff, source = None, f"{groceries} (random 80/20, seed {seed})"
        elif csv:
            if not Path(csv).exists():
                raise CommandError(f"{csv} not found")
            lines = read_online_retail(csv)
            cutoff = cutoff or "2011-11-01"
            source = csv
        else:
            lines = lines_from_db()
            cutoff = cutoff or default_cutoff(lines) or timezone.localdate().isoformat()
            source = "database orders"
        if not groceries:
            train, test = lines.split(parse_cutoff(cutoff))
        if not len(train.order_ids) or not len(test.order_ids):
            raise CommandError(f"no orders on one side of {cutoff}: choose another --cutoff")
        params = score_params()
        overrides = {"gamma": gamma, "alpha": alpha}
        params = replace(params, **{name: value for name, value in overrides.items() if value is not None})
        results = evaluate(train=train, test=test, params=params, ease_reg=None if no_ease else 250.0)
        backtest = None
        if not no_tune:
            backtest, tuned = evaluate_tuned(train=train, test=test, params=params)
            results = {"tuned": tuned["tuned"], **results}
        sides = (f" before {cutoff}", " from it") if cutoff else ("", "")
        self.stdout.write(
            f"{source}: {len(np.unique(train.order_ids))} train orders{sides[0]}, "
            f"{len(np.unique(test.order_ids))} test orders{sides[1]}\n"
            f"chosen: {params.method} (gamma={params.gamma}, alpha={params.alpha}, min pair count {params.min_count})\n"
        )
        if backtest is not None:
            self.stdout.write(
                f"tuned: {backtest.chosen.label()}, picked by the refresh's back-test on the newest "
                f"{backtest.orders} cart-sized training orders held out ({backtest.queries} questions; best of the "
                f"grid {backtest.best.label()}, {backtest.figures['best'].hit3:.3f} vs default "
                f"{backtest.figures['default'].hit3:.3f}, one SE {backtest.se:.3f})\n"
            )
        elif not no_tune:
            self.stdout.write("tuned: nothing to hold out, the default setting\n")
        low, high = CART_SIZES
        header = f"{'score':<12}{'hit@3':>8}{'hit@5':>8}{'cover':>8}   {'cart hit@3':>11}{'hit@5':>8}{'cover':>8}"
        self.stdout.write(header + f"\n{'':<36}   (orders of {low}-{high} products)")
        for name, result in results.items():
            a, c = result["all"], result["cart"]
            self.stdout.write(
                f"{name:<12}{a.hits[3]:>8.3f}{a.hits[5]:>8.3f}{a.coverage:>8.3f}   {c.hits[3]:>11.3f}{c.hits[5]:>8.3f}{c.coverage:>8.3f}"
            )
        a, c = results["chosen"]["all"], results["chosen"]["cart"]
        self.stdout.write(f"questions: {a.queries} over all test orders, {c.queries} over cart-sized ones")
        if "tuned" in results:
            tuned, cocount = results["tuned"]["cart"].hits[3], results["cocount"]["cart"].hits[3]
            ratio = f"×{tuned / cocount:.3f}" if cocount else "—"
            self.stdout.write(
                f"cart-sized hit@3: tuned {tuned:.3f} vs co-count {cocount:.3f} ({ratio}, {tuned - cocount:+.4f}), "
                f"popularity {results['popularity']['cart'].hits[3]:.3f}"
            )
