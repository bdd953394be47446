"""Loading (and removing) the demo shop: catalogue, stock, ladders, service add-ons and 20,000
historical orders.

`demo_load` runs the phases in one transaction, so a failed load leaves nothing behind but
picture files. The data comes from the compact data set shipped in shop/demo/data
(see shop/demo/dataset.py), already cleaned by shop/demo/cleaning.py; the catalogue's rows
are written by shop/demo/catalogue.py, the orders by shop/demo/history.py.

Where the time goes: `load_demo` prints each phase's seconds and the CPU time. The
pictures are drawn by worker processes beside the database work (shop/demo/images.py),
and the order lines go in without their secondary indexes or foreign keys, which are
rebuilt once at the end (shop/demo/bulk.py).
"""

from __future__ import annotations

import time
from collections import Counter
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path

from django.core.files.storage import default_storage
from django.db import transaction
from django.utils.text import slugify

from catalog.models import Attribute, Category, Product, ProductImage
from recommendations.models import TierLadder
from shop.addons.models import Service
from shop.demo import handmade
from shop.demo.addons import demo_services_create
from shop.demo.offers import demo_deals_create
from shop.demo.catalogue import (
    artworks_to_draw,
    create_attributes,
    create_categories,
    create_data_ladders,
    create_handmade,
    create_products,
    feature_products,
    sales_counts,
    unique_slugs,
)
from shop.demo.categories import TOP_LEVEL
from shop.demo.cleaning import product_name
from shop.demo.dataset import DEFAULT_DIR, read_dataset, read_products
from shop.demo.history import create_orders, order_number
from shop.demo.images import WORKERS, ImageJob
from shop.demo.models import DemoLoad
from shop.demo.progress import Progress, no_progress
from shop.demo.reviews import demo_reviews_create
from shop.demo.stock import DEFAULT_SEED
from shop.orders.models import Order, OrderLine


@dataclass
class LoadReport:
    counts: dict[str, int] = field(default_factory=dict)
    timings: dict[str, float] = field(default_factory=dict)
    already_loaded: bool = False

    def timed(self, phase: str, started: float) -> None:
        self.timings[phase] = round(time.perf_counter() - started, 2)


def demo_is_loaded() -> bool:
    return DemoLoad.objects.exists()


# ---------------------------------------------------------------------------
# Entry points


def demo_load(
    *,
    source: Path = DEFAULT_DIR,
    limit: int | None = None,
    images: bool = True,
    workers: int = WORKERS,
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
    job = ImageJob(artworks_to_draw(records, names=names, slugs=slugs), workers=workers) if images else None
    try:
        data = read_dataset(source, limit=limit, products=records)
        report.timed("read", started)

        with transaction.atomic():
            started = time.perf_counter()
            categories = create_categories()
            sales = sales_counts(data.lines)
            products = create_products(data, categories, names=names, slugs=slugs, seed=seed, sales=sales)
            attributes = create_attributes()
            ladders, tiers, values = create_data_ladders(products, attributes)
            extra = create_handmade(categories, attributes)
            featured = feature_products(products, categories) + len(handmade.FEATURED)
            report.timed("catalogue", started)

            started = time.perf_counter()
            orders, lines = create_orders(data, products, progress)
            report.timed("orders", started)
            reviews = demo_reviews_create(products={**products, **extra}, seed=seed)
            services = demo_services_create(categories=categories, products={**products, **extra})
            deals = demo_deals_create(products={**products, **extra})

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
        "service_add_ons": services,
        "deals": deals,
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
        deleted["service_add_ons"] += Service.objects.filter(is_demo=True).delete()[1].get(Service._meta.label, 0)
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
