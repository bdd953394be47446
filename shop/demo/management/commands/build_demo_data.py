"""Rebuild the demo's shipped data set (shop/demo/data/online_retail/) from the raw Online Retail CSV.

manage.py build_demo_data                         # ../shared/data/online_retail/online_retail.csv.xz
manage.py build_demo_data --raw FILE --out DIR --invoices 150   # a small sample (tests)
"""

from __future__ import annotations

import csv
import io
import lzma
import time
from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from shop.demo.cleaning import CleanDataset, clean_rows
from shop.demo.dataset import DEFAULT_DIR, FILES, write_dataset

DEFAULT_RAW = Path(settings.BASE_DIR).parent / "shared" / "data" / "online_retail" / "online_retail.csv.xz"


def _open_raw(path: Path) -> io.TextIOBase:
    if path.suffix == ".xz":
        return io.TextIOWrapper(lzma.open(path, "rb"), encoding="utf-8", newline="")
    return open(path, encoding="utf-8", newline="")


def first_invoices(data: CleanDataset, count: int) -> CleanDataset:
    """The first `count` invoices, their lines and only the products they sell."""
    invoices = data.invoices[:count]
    numbers = {inv.number for inv in invoices}
    lines = [line for line in data.lines if line.invoice in numbers]
    skus = {line.sku for line in lines}
    return CleanDataset(products=[p for p in data.products if p.sku in skus], invoices=invoices, lines=lines)


class Command(BaseCommand):
    help = "Clean the raw Online Retail CSV and write the compact data set load_demo reads."

    def add_arguments(self, parser):
        parser.add_argument("--raw", type=Path, default=DEFAULT_RAW, help="the raw CSV (.csv or .csv.xz)")
        parser.add_argument("--out", type=Path, default=DEFAULT_DIR, help="the folder to write")
        parser.add_argument("--invoices", type=int, default=None, help="keep only the first N invoices (a sample)")

    def handle(self, *args, raw: Path, out: Path, invoices: int | None, **options):
        if not raw.exists():
            raise CommandError(f"{raw} not found: the raw data lives in ../shared/data/online_retail")
        started = time.perf_counter()
        with _open_raw(raw) as fh:
            data = clean_rows(csv.DictReader(fh))
        if invoices is not None:
            data = first_invoices(data, invoices)
        write_dataset(data, out)
        size = sum((out / name).stat().st_size for name in FILES)
        self.stdout.write(
            f"{len(data.products):,} products, {len(data.invoices):,} invoices, {len(data.lines):,} lines "
            f"-> {out} ({size / 1e6:.2f} MB) in {time.perf_counter() - started:.1f}s"
        )
