"""The demo's compact data set: three xz-compressed CSV files in one folder.

    products.csv.xz   sku,description,price
    invoices.csv.xz   invoice,placed_at,customer,country      (in date order)
    lines.csv.xz      invoice,sku,quantity,unit_price          (grouped by invoice)

A line's unit_price is left empty when it is the product's price (nine lines in ten):
the file compresses to a third of its size that way. Written by `build_demo_data` from
../shared/data/online_retail; read by `load_demo`. Reading and writing are streamed,
with Python's own lzma: no extra dependency.
"""

from __future__ import annotations

import csv
import io
import lzma
from collections.abc import Iterator
from decimal import Decimal
from pathlib import Path

from shop.demo.cleaning import CleanDataset, InvoiceRecord, LineRecord, ProductRecord

DEFAULT_DIR = Path(__file__).resolve().parent / "data" / "online_retail"
PRODUCTS, INVOICES, LINES = "products.csv.xz", "invoices.csv.xz", "lines.csv.xz"
FILES = (PRODUCTS, INVOICES, LINES)

# xz preset 9 with the "extreme" flag: the files are written once and read many times.
XZ_PRESET = 9 | lzma.PRESET_EXTREME


def _open_text(path: Path, mode: str) -> io.TextIOWrapper:
    binary = lzma.open(path, "wb", preset=XZ_PRESET) if mode == "w" else lzma.open(path, "rb")
    return io.TextIOWrapper(binary, encoding="utf-8", newline="")


def write_dataset(data: CleanDataset, folder: Path) -> None:
    folder.mkdir(parents=True, exist_ok=True)
    prices = {p.sku: p.price for p in data.products}
    with _open_text(folder / PRODUCTS, "w") as fh:
        writer = csv.writer(fh, lineterminator="\n")
        writer.writerow(["sku", "description", "price"])
        writer.writerows((p.sku, p.description, p.price) for p in data.products)
    with _open_text(folder / INVOICES, "w") as fh:
        writer = csv.writer(fh, lineterminator="\n")
        writer.writerow(["invoice", "placed_at", "customer", "country"])
        writer.writerows((i.number, i.placed_at, i.customer, i.country) for i in data.invoices)
    with _open_text(folder / LINES, "w") as fh:
        writer = csv.writer(fh, lineterminator="\n")
        writer.writerow(["invoice", "sku", "quantity", "unit_price"])
        writer.writerows(
            (line.invoice, line.sku, line.quantity, "" if line.unit_price == prices[line.sku] else line.unit_price)
            for line in data.lines
        )


def _rows(path: Path) -> Iterator[list[str]]:
    with _open_text(path, "r") as fh:
        reader = csv.reader(fh)
        next(reader)  # header
        yield from reader


def read_products(folder: Path) -> list[ProductRecord]:
    _check(folder)
    return [ProductRecord(sku=s, description=d, price=Decimal(p)) for s, d, p in _rows(Path(folder) / PRODUCTS)]


def read_dataset(
    folder: Path, *, limit: int | None = None, lines: bool = True, products: list[ProductRecord] | None = None
) -> CleanDataset:
    """The data set in `folder`; with `limit`, only the first `limit` invoices (and their lines);
    with `lines=False`, no lines (most of the reading time); `products` when already read."""
    folder = Path(folder)
    _check(folder)
    if products is None:
        products = read_products(folder)
    invoices = []
    for number, placed_at, customer, country in _rows(folder / INVOICES):
        if limit is not None and len(invoices) >= limit:
            break
        invoices.append(InvoiceRecord(number=number, placed_at=placed_at, customer=customer, country=country))
    wanted = {inv.number for inv in invoices} if limit is not None else None
    prices = {p.sku: p.price for p in products}
    # One Decimal per distinct price string, not one per line: half a million lines, a few hundred prices.
    decimals: dict[str, Decimal] = {}
    records: list[LineRecord] = []
    append = records.append
    for invoice, sku, quantity, unit_price in _rows(folder / LINES) if lines else ():
        if wanted is not None and invoice not in wanted:
            if records:
                break  # lines follow the invoices' order: the first invoices' lines are all read
            continue
        if unit_price:
            price = decimals.get(unit_price)
            if price is None:
                price = decimals[unit_price] = Decimal(unit_price)
        else:
            price = prices[sku]
        append(LineRecord(invoice, sku, int(quantity), price))
    return CleanDataset(products=products, invoices=invoices, lines=records)


def _check(folder: Path) -> None:
    missing = [name for name in FILES if not (Path(folder) / name).exists()]
    if missing:
        raise FileNotFoundError(f"{folder} has no {', '.join(missing)} (run `manage.py build_demo_data`)")
