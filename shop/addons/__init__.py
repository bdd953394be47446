"""Service add-ons: non-stock services (extended warranty, installation, gift wrap) that staff
attach to categories or products and shoppers buy with an item.

This app holds what a service *is*: the `Service` rows staff edit in the admin, which items
each one is offered with (`selectors.service_offers`) and its price for an item
(`pricing.service_unit_price`). It reads the catalog and nothing else. The storefront uses
it: the cart keeps a taken service as a `CartLineService` row on the item's line (its
quantity is always the line's), the totals charge it, order placement snapshots it as an
order line under its item's, and the measurement counts it as a placement.
"""
