"""Which services each item can have, and at what price: two queries for any number of items.

A service is offered with a product when it is active and names the product, or its
category, or any category above that one (hidden categories too: their products stay on
sale). The product page, the cart, checkout and order placement all ask `service_offers`,
so an offer the shopper sees is exactly what the cart accepts and placement charges.
"""

from collections.abc import Iterable
from dataclasses import dataclass
from decimal import Decimal

from catalog.models import Product
from catalog.selectors import category_lineages

from .models import Service
from .pricing import service_unit_price


@dataclass(frozen=True)
class ServiceOffer:
    """A service as offered with one product: its price for that product's price."""

    service: Service
    unit_price: Decimal


def _sort_key(service: Service):
    return (service.position, service.name, service.pk)


def offered_services(*, products: Iterable[Product]) -> dict[int, list[Service]]:
    """For each product (by id), the active services it can have, in the staff's order.

    Products need `category_id` only. Two queries (one more when the category parents are
    not cached); none without products.
    """
    products = {product.pk: product for product in products}
    if not products:
        return {}
    lineages = category_lineages({product.category_id for product in products.values()})
    category_ids = {category_id for lineage in lineages.values() for category_id in lineage}
    services: dict[int, Service] = {}
    by_product: dict[int, set[int]] = {}
    by_category: dict[int, set[int]] = {}
    for link in Service.products.through.objects.filter(
        product_id__in=products, service__is_active=True
    ).select_related("service"):
        services[link.service_id] = link.service
        by_product.setdefault(link.product_id, set()).add(link.service_id)
    for link in Service.categories.through.objects.filter(
        category_id__in=category_ids, service__is_active=True
    ).select_related("service"):
        services[link.service_id] = link.service
        by_category.setdefault(link.category_id, set()).add(link.service_id)
    offered = {}
    for product_id, product in products.items():
        ids = set(by_product.get(product_id, ()))
        for category_id in lineages[product.category_id]:
            ids |= by_category.get(category_id, set())
        offered[product_id] = sorted((services[pk] for pk in ids), key=_sort_key)
    return offered


def service_offers(*, products: Iterable[Product]) -> dict[int, list[ServiceOffer]]:
    """`offered_services`, each priced for its product."""
    products = list(products)
    prices = {product.pk: product.price for product in products}
    return {
        product_id: [
            ServiceOffer(service=service, unit_price=service_unit_price(service=service, item_price=prices[product_id]))
            for service in services
        ]
        for product_id, services in offered_services(products=products).items()
    }
