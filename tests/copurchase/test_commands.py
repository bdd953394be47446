"""The management commands: refresh, evaluate, benchmark."""

import datetime as dt
import json
import lzma
from io import StringIO

import pytest
from django.core.management import CommandError, call_command
from django.utils import timezone

from recommendations.copurchase.lease import lease_acquire
from recommendations.copurchase.models import Snapshot

from .builders import place_baskets

pytestmark = pytest.mark.django_db


def run(*args, **options) -> str:
    out = StringIO()
    call_command(*args, stdout=out, stderr=StringIO(), **options)
    return out.getvalue()


def test_refresh_recommendations_publishes_and_reports_the_snapshot(products):
    place_baskets([products[:3]] * 4, placed_at=timezone.now() - dt.timedelta(days=1))

    first = run("refresh_recommendations")
    second = run("refresh_recommendations", "--full")

    assert "live (full): 4 orders, 3 products, 3 pairs, 6 partner rows" in first
    assert "live (full)" in second
    assert Snapshot.objects.get(status=Snapshot.Status.LIVE).mode == "full"


def test_refresh_recommendations_says_so_when_a_refresh_is_already_running(products):
    lease_acquire(holder="nightly", seconds=60)

    with pytest.raises(CommandError, match="another co-purchase refresh is running"):
        run("refresh_recommendations")


def test_evaluate_recommendations_prints_hit_rates_for_every_score_from_a_csv(tmp_path):
    path = tmp_path / "retail.csv.xz"
    rows = ["InvoiceNo,StockCode,Description,Quantity,InvoiceDate,UnitPrice,CustomerID,Country"]
    invoice = 500000
    for month, repeat in ((10, 6), (11, 3)):
        for _ in range(repeat):
            for basket in (["22423", "22424"], ["22423", "22424", "85123A"], ["85123A", "21212"]):
                invoice += 1
                rows += [f"{invoice},{code},Thing,1,2011-{month:02d}-05 10:00:00,2.5,1,UK" for code in basket]
    rows += ["C999999,22423,Thing,-1,2011-11-05 10:00:00,2.5,1,UK", "600000,POST,Postage,1,2011-11-05 10:00:00,18,1,UK"]
    with lzma.open(path, "wt") as handle:
        handle.write("\n".join(rows) + "\n")

    out = run("evaluate_recommendations", "--csv", str(path), "--cutoff", "2011-11-01")

    assert "18 train orders before 2011-11-01, 9 test orders" in out
    for name in ("chosen", "popularity", "cocount", "lift", "cosine", "ease"):
        assert f"\n{name}" in out
    assert "questions: 21 over all test orders, 21 over cart-sized ones" in out


def test_evaluate_recommendations_reads_the_orders_in_the_database(products):
    a, b, c, *_ = products
    place_baskets([[a, b], [a, b, c]] * 3, placed_at=timezone.now() - dt.timedelta(days=60))
    place_baskets([[a, b]] * 2, placed_at=timezone.now() - dt.timedelta(days=5))

    out = run("evaluate_recommendations", "--no-ease")

    chosen = next(line for line in out.splitlines() if line.startswith("chosen "))
    assert chosen.split()[1:3] == ["1.000", "1.000"]  # a ↔ b is everyone's first partner


def test_bench_copurchase_generates_a_history_and_prints_its_figures():
    out = run(
        "bench_copurchase", "--orders", "300", "--products", "40", "--inline", "--incremental-orders", "30", "--repeat", "2"
    )

    figures = json.loads(out[: out.rindex("}") + 1])
    assert figures["orders"] == 300 and figures["status"] == "live"
    assert figures["rounds"] == 2 and len(figures["refresh_runs_s"]) == 2
    assert figures["refresh_s"] == pytest.approx(sum(figures["refresh_runs_s"]) / 2)  # the median of two
    assert 300 <= figures["lines"] <= 300 * 20
    assert figures["incremental_mode"] == "incremental"
    for key in ("refresh_s", "refresh_peak_rss_mb", "floor_s", "compute_s", "pandas_s", "incremental_s"):
        assert figures[key] is not None
