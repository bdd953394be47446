"""Loading (and removing) the demo shop: catalogue, stock, ladders and 20,000 historical orders.

`demo_load` runs the phases in one transaction, so a failed load leaves nothing behind but
picture files. The data comes from the compact data set shipped in shop/demo/data
(see shop/demo/dataset.py), already cleaned by shop/demo/cleaning.py.

Measured on this 2-core machine for the whole data set (3,812 products, 19,773 orders,
517,736 order lines, 3,812 pictures) with other jobs running (load average ~2):
SQLite 24.5 s, PostgreSQL 18.8 s (was 41 s / 45 s before the pictures were drawn beside
the database work and the order lines inserted without their secondary indexes).
CPU: 14.7 s (SQLite) / 10.5 s (PostgreSQL) in this process plus ~21 s in the two
picture workers, which run from the start of the load to the end of the orders.
"""

from __future__ import annotations

import time
from collections import Counter, defaultdict
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field, replace
from decimal import Decimal
from itertools import groupby
from operator import attrgetter
from pathlib import Path
from typing import Protocol

from django.core.files.storage import default_storage
from django.db import transaction
from django.utils.text import slugify

from catalog.models import Attribute, Category, Product, ProductAttributeValue, ProductImage
from recommendations.models import Complement, LadderTier, TierLadder, Upgrade
from recommendations.services import curation_version_bump
from shop.demo import handmade
from shop.demo.categories import CATEGORY_DESCRIPTIONS, TOP_LEVEL, category_for, category_tree
from shop.demo.cleaning import CleanDataset, LineRecord, ProductRecord, product_name
from shop.demo.dataset import DEFAULT_DIR, read_dataset, read_products
from shop.demo.history import create_orders, order_number, placed_at
from shop.demo.images import Artwork, ImageJob
from shop.demo.ladders import Candidate, find_ladders, parse_name
from shop.demo.models import DemoLoad
from shop.demo.reviews import demo_reviews_create
from shop.demo.stock import DEFAULT_SEED, stock_for
from shop.orders.models import Order, OrderLine


class ProgressBar(Protocol):
    def update(self, n: int = 1) -> object: ...

    def close(self) -> object: ...


# progress(desc, total) -> a bar; the command passes tqdm, tests and callers nothing.
Progress = Callable[[str, int], ProgressBar]


class _Silent:
    def update(self, n: int = 1) -> None:
        pass

    def close(self) -> None:
        pass


def no_progress(desc: str, total: int) -> ProgressBar:
    return _Silent()


@dataclass
class LoadReport:
    counts: dict[str, int] = field(default_factory=dict)
    timings: dict[str, float] = field(default_factory=dict)
    already_loaded: bool = False

    def timed(self, phase: str, started: float) -> None:
        self.timings[phase] = round(time.perf_counter() - started, 2)


def demo_is_loaded() -> bool:
    return DemoLoad.objects.exists()


def unique_slugs(names: dict[str, str]) -> dict[str, str]:
    """sku -> slug from sku -> name; a name that two products share gets the SKU appended."""
    counts = Counter(slugify(name) for name in names.values())
    slugs = {}
    for sku, name in names.items():
        slug = slugify(name)[:200] or slugify(sku)
        if counts[slugify(name)] > 1 or not slug:
            slug = f"{slug}-{slugify(sku)}"
        slugs[sku] = slug
    return slugs


# ---------------------------------------------------------------------------
# Phases


def _create_categories() -> dict[tuple[str, str | None], Category]:
    """The category tree (idempotent: existing slugs are reused)."""
    featured = dict(TOP_LEVEL)
    by_path: dict[tuple[str, str | None], Category] = {}
    for position, (parent_name, children) in enumerate(category_tree().items()):
        parent, _ = Category.objects.get_or_create(
            slug=slugify(parent_name),
            defaults={
                "name": parent_name,
                "position": position,
                "is_featured": featured[parent_name],
                "description": CATEGORY_DESCRIPTIONS.get(parent_name, ""),
            },
        )
        by_path[(parent_name, None)] = parent
        for child_position, child_name in enumerate(children):
            child, _ = Category.objects.get_or_create(
                slug=slugify(f"{parent_name} {child_name}"),
                defaults={"name": child_name, "parent": parent, "position": child_position},
            )
            by_path[(parent_name, child_name)] = child
    return by_path


def _sales_counts(lines: Iterable[LineRecord]) -> Counter:
    """Orders containing each SKU (a product on two lines of one order counts once).

    The lines come grouped by invoice (the data set is written that way)."""
    counts: Counter = Counter()
    for _invoice, group in groupby(lines, key=attrgetter("invoice")):
        counts.update({line.sku for line in group})
    return counts


def _first_sold(data: CleanDataset) -> dict[str, str]:
    dates = {inv.number: inv.placed_at for inv in data.invoices}
    first: dict[str, str] = {}
    for line in data.lines:
        when = dates[line.invoice]
        if line.sku not in first or when < first[line.sku]:
            first[line.sku] = when
    return first


def _create_products(
    data: CleanDataset, categories: dict, *, names: dict[str, str], slugs: dict[str, str], seed: int, sales: Counter
) -> dict[str, Product]:
    products = []
    for record in data.products:
        name = names[record.sku]
        category = categories[category_for(record.description)]
        level = stock_for(record.sku, seed=seed)
        products.append(
            Product(
                sku=record.sku,
                name=name,
                slug=slugs[record.sku],
                description=f"{name}, from our {category.name.lower()} range.",
                category=category,
                price=record.price,
                stock=level.stock,
                is_active=level.is_active,
                sales_count=sales[record.sku],
            )
        )
    Product.objects.bulk_create(products, batch_size=500)
    by_sku = {product.sku: product for product in products}
    # created_at is auto_now_add; "newest first" should follow the first sale in the data. One
    # UPDATE per day of first sales (~300) is far cheaper than bulk_update's CASE per product.
    by_day: dict[str, list[str]] = defaultdict(list)
    for sku, first in _first_sold(data).items():
        by_day[first[:10]].append(sku)
    for day, skus in by_day.items():
        when = placed_at(f"{day} 09:00")
        Product.objects.filter(sku__in=skus).update(created_at=when)
        for sku in skus:
            by_sku[sku].created_at = when
    return by_sku


def _create_attributes() -> dict[str, Attribute]:
    attributes = {}
    for spec in handmade.ATTRIBUTES:
        attribute, _ = Attribute.objects.get_or_create(
            slug=slugify(spec.name),
            defaults={"name": spec.name, "kind": spec.kind, "unit": spec.unit, "position": spec.position},
        )
        attributes[spec.name] = attribute
    return attributes


def _create_data_ladders(products: dict[str, Product], attributes: dict[str, Attribute]) -> tuple[int, int, int]:
    """Size / Pieces attribute values from every name that has them, and the ladders found."""
    values = []
    for product in products.values():
        parsed = parse_name(product.name)
        if parsed.size:
            values.append(
                ProductAttributeValue(product=product, attribute=attributes["Size"], value=parsed.size.title())
            )
        if parsed.pieces:
            values.append(
                ProductAttributeValue(product=product, attribute=attributes["Pieces"], value=str(parsed.pieces))
            )
    ladders = find_ladders(
        Candidate(key=p.sku, name=p.name, price=p.price, popularity=p.sales_count) for p in products.values()
    )
    # Members of a ladder need the value on every tier ("Single" = 1 piece, "Regular" size).
    has_value = {(v.product.sku, v.attribute.name) for v in values}
    for ladder in ladders:
        for tier in ladder.tiers:
            if tier.size and (tier.key, "Size") not in has_value:
                values.append(
                    ProductAttributeValue(product=products[tier.key], attribute=attributes["Size"], value=tier.size)
                )
            if tier.pieces and (tier.key, "Pieces") not in has_value:
                values.append(
                    ProductAttributeValue(
                        product=products[tier.key], attribute=attributes["Pieces"], value=str(tier.pieces)
                    )
                )
    ProductAttributeValue.objects.bulk_create(values, batch_size=500)

    rows = TierLadder.objects.bulk_create(
        [TierLadder(name=product_name(ladder.name), hide_identical_rows=True) for ladder in ladders]
    )
    tiers = [
        LadderTier(
            ladder=row,
            product=products[tier.key],
            label=tier.label,
            position=position,
            is_recommended=position == ladder.recommended,
        )
        for row, ladder in zip(rows, ladders, strict=False)
        for position, tier in enumerate(ladder.tiers)
    ]
    LadderTier.objects.bulk_create(tiers, batch_size=500)
    return len(rows), len(tiers), len(values)


def _handmade_slugs() -> dict[str, str]:
    return unique_slugs({spec.sku: spec.name for spec in handmade.PRODUCTS})


def _create_handmade(categories: dict, attributes: dict[str, Attribute]) -> dict[str, Product]:
    category = categories[(handmade.CATEGORY, None)]
    slugs = _handmade_slugs()
    products = Product.objects.bulk_create(
        [
            Product(
                sku=spec.sku,
                name=spec.name,
                slug=slugs[spec.sku],
                description=spec.description,
                category=category,
                price=spec.price,
                stock=spec.stock,
                is_consumable=spec.is_consumable,
                is_featured=spec.sku in handmade.FEATURED,
            )
            for spec in handmade.PRODUCTS
        ]
    )
    by_sku = {product.sku: product for product in products}
    ProductAttributeValue.objects.bulk_create(
        ProductAttributeValue(product=by_sku[spec.sku], attribute=attributes[name], value=value)
        for spec in handmade.PRODUCTS
        for name, value in spec.attributes.items()
    )
    for spec in handmade.LADDERS:
        ladder = TierLadder.objects.create(name=spec.name, hide_identical_rows=True)
        LadderTier.objects.bulk_create(
            LadderTier(
                ladder=ladder,
                product=by_sku[sku],
                label=label,
                position=position,
                is_recommended=sku == spec.recommended,
            )
            for position, (sku, label) in enumerate(spec.tiers)
        )
    Complement.objects.bulk_create(
        Complement(product=by_sku[link.product], complement=by_sku[link.other], pitch=link.pitch, position=i)
        for i, link in enumerate(handmade.COMPLEMENTS)
    )
    Upgrade.objects.bulk_create(
        Upgrade(product=by_sku[link.product], upgrade=by_sku[link.other], pitch=link.pitch, position=i)
        for i, link in enumerate(handmade.UPGRADES)
    )
    curation_version_bump()
    return by_sku


def _artworks(records: list[ProductRecord], *, names: dict[str, str], slugs: dict[str, str]) -> list[Artwork]:
    """The pictures to draw, known before any row exists: the workers start on them at once."""
    artworks = []
    for record in records:
        parent, child = category_for(record.description)
        artworks.append(Artwork(sku=record.sku, name=names[record.sku], category=child or parent, stem=""))
    handmade_slugs = _handmade_slugs()
    artworks += [
        Artwork(sku=spec.sku, name=spec.name, category=handmade.CATEGORY, stem="") for spec in handmade.PRODUCTS
    ]
    every_slug = {**slugs, **handmade_slugs}
    return [replace(artwork, stem=f"{every_slug[artwork.sku]}-art") for artwork in artworks]


def _feature_products(products: dict[str, Product], categories: dict) -> int:
    """The best seller of each featured top-level category (active, in stock) goes on the home page."""
    featured_roots = {categories[(name, None)].pk for name, featured in TOP_LEVEL if featured}
    root_of = {cat.pk: (cat.parent_id or cat.pk) for cat in categories.values()}
    best: dict[int, Product] = {}
    for product in products.values():
        root = root_of[product.category_id]
        if root in featured_roots and product.is_active and product.stock > 0:
            held = best.get(root)
            if held is None or (product.sales_count, product.sku) > (held.sales_count, held.sku):
                best[root] = product
    ids = [product.pk for product in best.values()]
    return Product.objects.filter(pk__in=ids).update(is_featured=True)


# ---------------------------------------------------------------------------
# Entry points


def demo_load(
    *,
    source: Path = DEFAULT_DIR,
    limit: int | None = None,
    images: bool = True,
    workers: int = 2,
    seed: int = DEFAULT_SEED,
    progress: Progress = no_progress,
) -> LoadReport:
    """Load the demo shop unless it is loaded already (then nothing changes)."""
    report = LoadReport()
    if demo_is_loaded():
        report.already_loaded = True
        return report
    begun = started = time.perf_counter()
    records = read_products(source)
    names = {p.sku: product_name(p.description) for p in records}
    slugs = unique_slugs(names)
    # Pictures are drawn by worker processes from here on, beside everything that follows
    # (they are most of the load's CPU time; the database work is most of this process's).
    job = ImageJob(_artworks(records, names=names, slugs=slugs), workers=workers) if images else None
    try:
        data = read_dataset(source, limit=limit, products=records)
        report.timed("read", started)

        with transaction.atomic():
            started = time.perf_counter()
            categories = _create_categories()
            sales = _sales_counts(data.lines)
            products = _create_products(data, categories, names=names, slugs=slugs, seed=seed, sales=sales)
            attributes = _create_attributes()
            ladders, tiers, values = _create_data_ladders(products, attributes)
            extra = _create_handmade(categories, attributes)
            featured = _feature_products(products, categories) + len(handmade.FEATURED)
            report.timed("catalogue", started)

            started = time.perf_counter()
            orders, lines = create_orders(data, products, progress)
            report.timed("orders", started)
            reviews = demo_reviews_create(products={**products, **extra}, seed=seed)

            started = time.perf_counter()
            everything = {**products, **extra}
            pictures = job.finish(everything, progress=progress) if job else 0
            # What the load waited for the pictures (they were drawn beside the other phases).
            report.timed("images", started)

            seconds = time.perf_counter() - begun
            DemoLoad.objects.create(
                source=str(source),
                products=len(everything),
                orders=orders,
                order_lines=lines,
                seconds=Decimal(f"{seconds:.2f}"),
            )
            started = time.perf_counter()
    except BaseException:
        if job:
            job.cancel()
        raise
    # Committing checks the deferred foreign keys of every inserted row: worth its own figure.
    report.timed("commit", started)
    report.timings["total"] = round(time.perf_counter() - begun, 2)
    report.counts = {
        "categories": len(categories),
        "products": len(everything),
        "inactive": sum(1 for p in everything.values() if not p.is_active),
        "out_of_stock": sum(1 for p in everything.values() if p.stock == 0),
        "featured": featured,
        "ladders": ladders + len(handmade.LADDERS),
        "ladder_tiers": tiers + sum(len(spec.tiers) for spec in handmade.LADDERS),
        "attribute_values": values + sum(len(spec.attributes) for spec in handmade.PRODUCTS),
        "orders": orders,
        "order_lines": lines,
        "reviews": reviews,
        "images": pictures,
    }
    return report


def demo_reset(*, source: Path = DEFAULT_DIR) -> dict[str, int]:
    """Delete the demo rows (the products and orders of `source`, the hand-made catalogue, the
    ladders, categories and attributes nothing else uses) and their picture files."""
    data = read_dataset(source, lines=False)
    skus = [p.sku for p in data.products] + [spec.sku for spec in handmade.PRODUCTS]
    numbers = [order_number(inv.number) for inv in data.invoices]
    deleted: Counter = Counter()
    with transaction.atomic():
        for chunk in _chunks(numbers, 5000):
            deleted["order_lines"] += OrderLine.objects.filter(order__number__in=chunk).delete()[0]
            deleted["orders"] += Order.objects.filter(number__in=chunk).delete()[1].get(Order._meta.label, 0)
        files = []
        for chunk in _chunks(skus, 5000):
            for image in ProductImage.objects.filter(product__sku__in=chunk).only("image", "thumbnail", "medium"):
                files.extend(f.name for f in (image.image, image.thumbnail, image.medium) if f)
            TierLadder.objects.filter(tiers__product__sku__in=chunk).delete()
            deleted["products"] += Product.objects.filter(sku__in=chunk).delete()[1].get(Product._meta.label, 0)
        TierLadder.objects.filter(tiers__isnull=True).delete()
        demo_slugs = {slugify(name) for name, _ in TOP_LEVEL}
        children = Category.objects.filter(parent__slug__in=demo_slugs, products__isnull=True, children__isnull=True)
        deleted["categories"] += children.delete()[0]
        deleted["categories"] += Category.objects.filter(
            slug__in=demo_slugs, products__isnull=True, children__isnull=True
        ).delete()[0]
        Attribute.objects.filter(name__in=[a.name for a in handmade.ATTRIBUTES], values__isnull=True).delete()
        DemoLoad.objects.all().delete()
        transaction.on_commit(lambda: _delete_files(set(files)))
    return dict(deleted)


def _delete_files(names: set[str]) -> None:
    for name in names:
        default_storage.delete(name)


def _chunks(items: list, size: int):
    for start in range(0, len(items), size):
        yield items[start : start + size]
