"""Domain objects (products, carts, the placements' results) as the plain dicts the API's
schemas describe. Reads nothing: everything shown was loaded by the selectors."""

from decimal import Decimal

from django.conf import settings

from catalog.images import image_urls, product_image_urls
from recommendations.measurement.clicks import click_token
from recommendations.vocabulary import Source
from shop.cart.origin import rec_origin_sign


def money(value) -> str:
    return f"{Decimal(value):.2f}"


def _absolute(request, url: str) -> str:
    return request.build_absolute_uri(url)


def _images(request, urls: dict[str, str]) -> dict[str, str]:
    return {name: _absolute(request, url) for name, url in urls.items()}


def product_card(request, product) -> dict:
    category = product.category if product.category_id else None
    return {
        "id": product.pk,
        "name": product.name,
        "slug": product.slug,
        "price": money(product.price),
        "currency": settings.CURRENCY,
        "category": {"id": category.pk, "name": category.name, "slug": category.slug} if category else None,
        "stock_state": product.stock_state,
        "available": product.is_available,
        "max_quantity": max(product.max_quantity, 0),
        "image": _images(request, product_image_urls(product)),
        "url": _absolute(request, product.get_absolute_url()),
    }


def product_detail(request, product, *, breadcrumbs) -> dict:
    return {
        **product_card(request, product),
        "sku": product.sku,
        "description": product.description,
        "images": [{**_images(request, image_urls(image)), "alt": image.alt or product.name} for image in product.images.all()],
        "attributes": [
            {"name": value.attribute.name, "value": value.value, "unit": value.attribute.unit}
            for value in product.attribute_values.all()
        ],
        "breadcrumbs": [{"id": node.id, "name": node.name, "slug": node.slug} for node in breadcrumbs],
    }


def category(request, node) -> dict:
    return {
        "id": node.id, "name": node.name, "slug": node.slug, "parent_id": node.parent_id,
        "description": node.description, "is_featured": node.is_featured,
        "url": _absolute(request, node.get_absolute_url()),
    }


def totals(value) -> dict:
    return {
        "subtotal": money(value.subtotal),
        "discount": money(value.discount),
        "adjustments": [{"label": a.label, "amount": money(a.amount), "code": a.code} for a in value.adjustments],
        "shipping": money(value.shipping),
        "total": money(value.total),
        "free_shipping_threshold": money(value.free_shipping_threshold),
        "free_shipping_gap": money(value.free_shipping_gap),
    }


def cart(request, overview) -> dict:
    return {
        "lines": [
            {
                "id": line.pk,
                "product": product_card(request, line.product),
                "quantity": line.quantity,
                "line_total": money(line.line_total),
                "problem": line.problem,
            }
            for line in overview.lines
        ],
        "item_count": overview.item_count,
        "totals": totals(overview.totals),
        "can_check_out": overview.can_check_out,
        "problems": overview.problems,
        "currency": settings.CURRENCY,
    }


# Recommendations ---------------------------------------------------------------------------


def _shown_to(request) -> str:
    """The visitor a token is handed to: a replayed click counts once for them."""
    visit = getattr(request, "rec_visit", None)
    return visit.visitor_key if visit is not None and visit.counted else ""


def recommendation(request, item, *, placement: str, anchor_id: int | None = None) -> dict:
    """One recommended item; `anchor_id` overrides the item's own (the product page's)."""
    anchor_id = anchor_id if anchor_id is not None else item.anchor_id
    return {
        "product": product_card(request, item.product),
        "source": str(item.source),
        "reason": item.reason,
        "pitch": item.pitch,
        "anchor_id": anchor_id,
        "price_delta": money(item.price_delta) if item.price_delta is not None else None,
        "token": click_token(
            product_id=item.product_id, placement=placement, source=item.source, anchor_id=anchor_id,
            shown_to=_shown_to(request),
        ),
    }


def recommendations(request, items, *, placement: str, anchor_id: int | None = None) -> list[dict]:
    return [recommendation(request, item, placement=placement, anchor_id=anchor_id) for item in items]


def fbt(request, result, *, placement: str) -> dict:
    return {
        "anchor": product_card(request, result.anchor),
        "items": recommendations(request, result.items, placement=placement, anchor_id=result.anchor.pk),
        "total": money(result.total),
    }


def tier_chart(request, chart, *, anchor_id: int, placement: str, source: str) -> dict:
    return {
        "name": chart.name,
        "columns": [
            {
                "product": product_card(request, column.product),
                "label": column.label,
                "is_current": column.is_current,
                "is_recommended": column.is_recommended,
                "price_delta": money(column.price_delta),
                "available": column.available,
                "token": None if column.is_current else click_token(
                    product_id=column.product.pk, placement=placement, source=source, anchor_id=anchor_id,
                    shown_to=_shown_to(request),
                ),
            }
            for column in chart.columns
        ],
        "rows": [
            {"name": row.name, "differs": row.differs, "cells": [{"text": c.text, "flag": c.flag} for c in row.cells]}
            for row in chart.rows
        ],
    }


def bundle(request, offer, *, anchor_id: int, placement: str) -> dict:
    """A bundle offer; its token is the page's bundle form's signed origin (api.origins)."""
    return {
        "id": offer.bundle.bundle_id,
        "name": offer.bundle.name,
        "lines": [{"product": product_card(request, product), "quantity": quantity} for product, quantity in offer.lines],
        "price": money(offer.price),
        "saving": money(offer.saving),
        "final_price": money(offer.final_price),
        "token": rec_origin_sign(placement=placement, source=Source.BUNDLE, anchor_id=anchor_id),
    }
