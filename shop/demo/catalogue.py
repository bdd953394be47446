"""The demo catalogue's rows: categories, products, attributes, tier ladders, the hand-made
kitchen range with its curation, and which products the home page features.

Each function is one phase of `shop.demo.services.demo_load` and writes in bulk; the rules
it follows (categories, stock, ladders) are pure functions in their own modules.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Iterable
from itertools import groupby
from operator import attrgetter

from django.utils.text import slugify

from catalog.images import art_stem
from catalog.models import Attribute, Category, Product, ProductAttributeValue, StockMovement
from catalog.services import StockChange, stock_move
from recommendations.models import Complement, LadderTier, TierLadder, Upgrade
from recommendations.services import curation_version_bump
from shop.demo import handmade
from shop.demo.categories import CATEGORY_DESCRIPTIONS, TOP_LEVEL, category_for, category_tree
from shop.demo.cleaning import CleanDataset, LineRecord, ProductRecord, product_name
from shop.demo.history import placed_at
from shop.demo.images import Artwork
from shop.demo.ladders import Candidate, find_ladders, parse_name
from shop.demo.stock import stock_for


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


def create_categories() -> dict[tuple[str, str | None], Category]:
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


def sales_counts(lines: Iterable[LineRecord]) -> Counter:
    """Orders containing each SKU (a product on two lines of one order counts once).

    The lines come grouped by invoice (the data set is written that way)."""
    counts: Counter = Counter()
    for _invoice, group in groupby(lines, key=attrgetter("invoice")):
        counts.update({line.sku for line in group})
    return counts


def _create_with_stock(products: list[Product]) -> list[Product]:
    """Insert the products empty, then stock them through the ledger (as every stock change
    is made), so each product's movements sum to its stock from the start."""
    levels = [product.stock for product in products]
    for product in products:
        product.stock = 0
    Product.objects.bulk_create(products, batch_size=500)
    stock_move(
        changes=[StockChange(product.pk, level) for product, level in zip(products, levels, strict=True)],
        kind=StockMovement.Kind.DEMO,
        note="Demo data",
    )
    for product, level in zip(products, levels, strict=True):
        product.stock = level
    return products


def _first_sold(data: CleanDataset) -> dict[str, str]:
    dates = {inv.number: inv.placed_at for inv in data.invoices}
    first: dict[str, str] = {}
    for line in data.lines:
        when = dates[line.invoice]
        if line.sku not in first or when < first[line.sku]:
            first[line.sku] = when
    return first


def create_products(
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
    _create_with_stock(products)
    by_sku = {product.sku: product for product in products}
    # created_at is auto_now_add; "newest first" should follow the first sale in the data. One
    # UPDATE per day of first sales (the days are far fewer than the products) is far cheaper
    # than bulk_update's CASE per product.
    by_day: dict[str, list[str]] = defaultdict(list)
    for sku, first in _first_sold(data).items():
        by_day[first[:10]].append(sku)
    for day, skus in by_day.items():
        when = placed_at(f"{day} 09:00")
        Product.objects.filter(sku__in=skus).update(created_at=when)
        for sku in skus:
            by_sku[sku].created_at = when
    return by_sku


def create_attributes() -> dict[str, Attribute]:
    attributes = {}
    for spec in handmade.ATTRIBUTES:
        attribute, _ = Attribute.objects.get_or_create(
            slug=slugify(spec.name),
            defaults={"name": spec.name, "kind": spec.kind, "unit": spec.unit, "position": spec.position},
        )
        attributes[spec.name] = attribute
    return attributes


def create_data_ladders(products: dict[str, Product], attributes: dict[str, Attribute]) -> tuple[int, int, int]:
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


def create_handmade(categories: dict, attributes: dict[str, Attribute]) -> dict[str, Product]:
    category = categories[(handmade.CATEGORY, None)]
    slugs = _handmade_slugs()
    products = _create_with_stock(
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


def artworks_to_draw(records: list[ProductRecord], *, names: dict[str, str], slugs: dict[str, str]) -> list[Artwork]:
    """The pictures to draw, known before any row exists: the workers start on them at once."""
    artworks = []
    for record in records:
        parent, child = category_for(record.description)
        stem = art_stem(slug=slugs[record.sku])
        artworks.append(Artwork(sku=record.sku, name=names[record.sku], category=child or parent, stem=stem))
    handmade_slugs = _handmade_slugs()
    artworks += [
        Artwork(sku=spec.sku, name=spec.name, category=handmade.CATEGORY, stem=art_stem(slug=handmade_slugs[spec.sku]))
        for spec in handmade.PRODUCTS
    ]
    return artworks


def feature_products(products: dict[str, Product], categories: dict) -> int:
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
