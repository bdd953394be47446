"""The words recommendations are recorded with: where one was shown (placement) and where
it came from (source). Every placement and source string in the code is one of these.

They are stored on cart lines and order lines (`rec_placement`, `rec_source`), on
measurement events and in the signed click links of pages and e-mails. The storefront
(`shop.cart`, `shop.orders`) does not import this module: its columns take any short
lowercase slug (`shop.cart.services.rec_origin_from_values`), so the cart and the orders
work without the recommendations app; the cart takes one only from a form's signed origin
(`shop.cart.origin`), so a hand-made POST credits nothing. The measurement app's own table
uses these as its choices.

A leaf module: it imports nothing from the project, so every layer may use it.
"""

from django.db import models


class Placement(models.TextChoices):
    """Where a recommendation was shown."""

    PRODUCT_FBT = "product_fbt", "Product page: frequently bought together"
    PRODUCT_TIERS = "product_tiers", "Product page: tier chart"
    PRODUCT_UPGRADE = "product_upgrade", "Product page: upgrade offer"
    PRODUCT_BUNDLE = "product_bundle", "Product page: bundle"
    CART_COMPLETE = "cart_complete", "Cart: complete your purchase"
    CART_UPGRADE = "cart_upgrade", "Cart: line upgrade"
    CART_SHIPPING = "cart_shipping", "Cart: free-delivery fillers"
    CHECKOUT_ADDONS = "checkout_addons", "Checkout: add-ons"
    CONFIRMATION = "confirmation", "Confirmation: customers who bought this also bought"
    EMAIL_POST_PURCHASE = "email_post_purchase", "E-mail: after the purchase"
    EMAIL_ABANDONED_CART = "email_abandoned_cart", "E-mail: abandoned cart"
    # Service add-ons (shop.addons) offered beside an item: the storefront names these three
    # itself (shop.addons.models.OfferedAt), with the same values.
    PRODUCT_SERVICE = "product_service", "Product page: service add-ons"
    CART_SERVICE = "cart_service", "Cart: service add-ons"
    CHECKOUT_SERVICE = "checkout_service", "Checkout: service add-ons"
    # Offers (shop.offers): "Today's deals" on the home page; every visitor sees it, holdout included.
    HOME_DEALS = "home_deals", "Home page: today's deals"
    # Personal (recommendations.selectors.personal): the visitor's own history.
    PRODUCT_RECENT = "product_recent", "Product page: recently viewed"
    CART_RECENT = "cart_recent", "Cart: recently viewed"
    HOME_RECENT = "home_recent", "Home page: recently viewed"
    HOME_FOR_YOU = "home_for_you", "Home page: recommended for you"
    HOME_BESTSELLERS = "home_bestsellers", "Home page: today's best sellers (first visit)"
    HOME_UPGRADE = "home_upgrade", "Home page: upgrade what you own"
    ACCOUNT_INSPIRED = "account_inspired", "My account: inspired by your orders"
    EMAIL_UPGRADE = "email_upgrade", "E-mail: upgrade what you own"
    EMAIL_RESTOCK = "email_restock", "E-mail: time to restock"
    # The same blocks served by the JSON API (a headless front end, a mobile app), each under
    # its own name so the dashboard shows what the API earned.
    API_PRODUCT_FBT = "api_product_fbt", "API: frequently bought together"
    API_PRODUCT_TIERS = "api_product_tiers", "API: tier chart"
    API_PRODUCT_UPGRADE = "api_product_upgrade", "API: upgrade offer"
    API_PRODUCT_BUNDLE = "api_product_bundle", "API: bundle"
    API_CART_COMPLETE = "api_cart_complete", "API: cart, complete your purchase"
    API_CART_UPGRADE = "api_cart_upgrade", "API: cart line upgrade"
    API_CART_SHIPPING = "api_cart_shipping", "API: cart, free-delivery fillers"
    API_CHECKOUT_ADDONS = "api_checkout_addons", "API: checkout add-ons"
    API_ALSO_BOUGHT = "api_also_bought", "API: customers who bought this also bought"
    API_RECENTLY_VIEWED = "api_recently_viewed", "API: recently viewed"
    API_FOR_YOU = "api_for_you", "API: recommended for you"
    API_BESTSELLERS = "api_bestsellers", "API: today's best sellers (first visit)"
    API_ACCOUNT_INSPIRED = "api_account_inspired", "API: inspired by your orders"


class Source(models.TextChoices):
    """Where a recommendation came from."""

    CURATED = "curated", "Staff pick"
    COPURCHASE = "copurchase", "Bought together (statistics)"
    CATEGORY = "category", "Bought with the category"
    BESTSELLER = "bestseller", "Category best seller"
    UPGRADE = "upgrade", "Curated upgrade"
    LADDER = "ladder", "Tier ladder"
    BUNDLE = "bundle", "Bundle"
    SERVICE = "service", "Service add-on"
    # Offers (shop.offers): an item added from a deal; a voucher's or points' discount on an
    # order is measured from the order's adjustments (measurement.selectors.offer_performance).
    DEAL = "deal", "Deal of the day"
    VOUCHER = "voucher", "Voucher"
    POINTS = "points", "Loyalty points"
    HISTORY = "history", "The customer's own history (viewed, or bought and used up)"


# The sources that say "goes with this product" (as opposed to fallbacks and upgrades):
# an item complementing several cart lines ranks first, and gap fillers prefer them.
COMPLEMENT_SOURCES = frozenset({Source.CURATED, Source.COPURCHASE})
