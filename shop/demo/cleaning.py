"""Cleaning the raw Online Retail rows into products, invoices and order lines.

Pure functions over the CSV's rows (dicts of strings): no Django, no files, so the
rules are tested on a handful of hand-made rows. `build_demo_data` runs them over the
541,909 raw rows; what they leave is what the demo ships (see shop/demo/dataset.py).

With guest orders kept, the cleaning gives 527,758 sale rows, 19,773 invoices and
3,907 stock codes (the figures in ../shared/data/online_retail/README.md). Two steps go
further, because a shop's catalogue and orders need them:
- stock codes differing only in case ("85123a" / "85123A", same product, same name)
  are one product: 3,798 products;
- rows repeating a product at the same price within one invoice are one order line
  with the quantities summed: an order lists a product once per price.
"""

from __future__ import annotations

import re
from collections import Counter, defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from typing import NamedTuple

# Postage, carriage, fees, discounts, samples, manual adjustments, charity commission:
# lines on an invoice that are not goods on a shelf.
NON_PRODUCT_CODES = frozenset(
    {"POST", "DOT", "M", "D", "C2", "S", "B", "BANK CHARGES", "AMAZONFEE", "PADS", "CRUK", "CARRIAGE"}
)
NON_PRODUCT_PREFIXES = ("GIFT_",)  # gift vouchers: gift_0001_10, gift_0001_20, …


@dataclass(frozen=True)
class ProductRecord:
    sku: str
    description: str  # as in the data: upper case; the loader makes the display name
    price: Decimal  # the most common unit price: the retail price


@dataclass(frozen=True)
class InvoiceRecord:
    number: str
    placed_at: str  # "YYYY-MM-DD HH:MM", UK local time
    customer: str  # "" for a guest
    country: str


class LineRecord(NamedTuple):
    """A NamedTuple, not a dataclass: the loader makes half a million of them, and a
    tuple costs a third of a frozen dataclass's time and memory."""

    invoice: str
    sku: str
    quantity: int
    unit_price: Decimal


@dataclass(frozen=True)
class CleanDataset:
    products: list[ProductRecord]
    invoices: list[InvoiceRecord]
    lines: list[LineRecord]  # in invoice order


def normalise_code(code: str) -> str:
    return code.strip().upper()


def normalise_description(description: str) -> str:
    return " ".join(description.split())


def is_product_code(code: str) -> bool:
    code = normalise_code(code)
    return bool(code) and code not in NON_PRODUCT_CODES and not code.startswith(NON_PRODUCT_PREFIXES)


def _decimal(value: str) -> Decimal | None:
    try:
        return Decimal(value.strip())
    except (InvalidOperation, AttributeError):
        return None


def _int(value: str) -> int | None:
    try:
        return int(value.strip())
    except (ValueError, AttributeError):
        return None


def is_sale(row: Mapping[str, str]) -> bool:
    """A row that records goods sold: not a cancellation (invoice "C…") nor an adjustment
    ("A…"), a positive quantity and price, a product's stock code."""
    invoice = row["InvoiceNo"].strip()
    if not invoice.isdigit():
        return False
    quantity, price = _int(row["Quantity"]), _decimal(row["UnitPrice"])
    if quantity is None or quantity <= 0 or price is None or price <= 0:
        return False
    return is_product_code(row["StockCode"])


def _customer(value: str) -> str:
    value = (value or "").strip()
    # Some exports write the id as a float ("17850.0").
    return value[:-2] if value.endswith(".0") else value


def _modal_price(prices: Counter) -> Decimal:
    # Ties go to the higher price: the lower one is a wholesale quantity price.
    return max(prices.items(), key=lambda item: (item[1], item[0]))[0]


def clean_rows(rows: Iterable[Mapping[str, str]]) -> CleanDataset:
    """Products, invoices and merged order lines from raw CSV rows (csv.DictReader's)."""
    descriptions: dict[str, Counter] = defaultdict(Counter)
    prices: dict[str, Counter] = defaultdict(Counter)
    invoices: dict[str, InvoiceRecord] = {}
    # (invoice, sku, price) -> quantity; dicts keep the data's order.
    quantities: dict[tuple[str, str, Decimal], int] = {}

    for row in rows:
        if not is_sale(row):
            continue
        sku = normalise_code(row["StockCode"])
        invoice = row["InvoiceNo"].strip()
        price = Decimal(row["UnitPrice"].strip())
        quantity = int(row["Quantity"])
        description = normalise_description(row["Description"] or "")
        if description:
            descriptions[sku][description] += 1
        prices[sku][price] += 1
        placed_at = row["InvoiceDate"].strip()[:16]
        known = invoices.get(invoice)
        # A few invoices span two minutes: the order was placed at the first one.
        if known is None or placed_at < known.placed_at:
            invoices[invoice] = InvoiceRecord(
                number=invoice,
                placed_at=placed_at,
                customer=_customer(row["CustomerID"]),
                country=row["Country"].strip(),
            )
        key = (invoice, sku, price)
        quantities[key] = quantities.get(key, 0) + quantity

    products = [
        ProductRecord(
            sku=sku,
            description=descriptions[sku].most_common(1)[0][0] if descriptions[sku] else sku,
            price=_modal_price(prices[sku]),
        )
        for sku in sorted(prices)
    ]
    ordered = sorted(invoices.values(), key=lambda inv: (inv.placed_at, inv.number))
    position = {inv.number: i for i, inv in enumerate(ordered)}
    lines = [
        LineRecord(invoice=invoice, sku=sku, quantity=quantity, unit_price=price)
        for (invoice, sku, price), quantity in quantities.items()
    ]
    lines.sort(key=lambda line: position[line.invoice])  # stable: keeps each invoice's line order
    return CleanDataset(products=products, invoices=ordered, lines=lines)


def count_sale_rows(rows: Iterable[Mapping[str, str]]) -> int:
    """How many raw rows survive the cleaning (before merging), for checking against the README."""
    return sum(1 for row in rows if is_sale(row))


# ---------------------------------------------------------------------------
# Display names

SMALL_WORDS = frozenset({"a", "an", "and", "as", "at", "for", "in", "of", "on", "or", "the", "to", "with", "w"})
ACRONYMS = frozenset({"LED", "UK", "USA", "DVD", "CD", "DIY", "PVC", "XL", "II", "III"})
_WORD_START = re.compile(r"(^|[\s\-/(+&])([a-z])")


def product_name(description: str) -> str:
    """ "WHITE HANGING HEART T-LIGHT HOLDER" -> "White Hanging Heart T-Light Holder".

    str.title() would give "50'S" and "B'Draw": only letters that start a word (or a
    hyphenated or slashed part) are capitalised; small words stay lower case inside the
    name; a few acronyms stay in capitals.
    """
    text = normalise_description(description)
    text = re.sub(r",(?=\S)", ", ", text).strip(" ,.")
    if not (text.isupper() or text.islower()):
        return text  # already mixed case: somebody typed it with care
    words = []
    for i, word in enumerate(text.lower().split()):
        if word.upper() in ACRONYMS:
            words.append(word.upper())
        elif i > 0 and word in SMALL_WORDS:
            words.append(word)
        else:
            words.append(_WORD_START.sub(lambda m: m.group(1) + m.group(2).upper(), word))
    return " ".join(words)
