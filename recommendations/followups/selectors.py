"""Who is due a follow-up, and what to recommend in it."""

from datetime import datetime, timedelta

from django.conf import settings
from django.db.models import Exists, OuterRef, Prefetch, Q
from django.db.models.functions import Lower

from catalog.models import Product
from catalog.reviews.selectors import reviewed_product_ids
from recommendations.selectors.placements import Recommendation, basket_recommendations
from shop.accounts.models import MarketingConsent
from shop.cart.models import Cart, CartLine
from shop.orders.models import Order, OrderLine

from .models import FollowUp

# Orders shipped longer ago than their delay plus this are left alone: switching the e-mails
# on must not write to every customer of the last year.
LATE_LIMIT_DAYS = 7
# Carts idle longer than this are not worth a reminder any more.
CART_MAX_IDLE_DAYS = 7
# Rows examined per beat run; whatever is left is picked up by the next run.
BATCH_SIZE = 200
POST_PURCHASE_ITEMS = 3
CART_COMPLEMENT_ITEMS = 1


def _consented(email_field: str = "email"):
    """The address agreed to marketing e-mail (shop.accounts); unsubscribing withdraws it."""
    return Exists(MarketingConsent.objects.opted_in().filter(email=Lower(OuterRef(email_field))))


def cart_reminder_cooldown_start(*, now: datetime) -> datetime:
    """Reminders sent since this moment count against FOLLOWUP_ABANDONED_CART_COOLDOWN_DAYS."""
    return now - timedelta(days=settings.FOLLOWUP_ABANDONED_CART_COOLDOWN_DAYS)


def post_purchase_delay(order: Order) -> timedelta:
    """The order's delay: the shortest of its categories' (settings override by category
    slug, FOLLOWUP_POST_PURCHASE_DAYS otherwise). Needs lines with product and category."""
    overrides = settings.FOLLOWUP_POST_PURCHASE_DAYS_BY_CATEGORY
    default = settings.FOLLOWUP_POST_PURCHASE_DAYS
    days = [
        overrides.get(line.product.category.slug, default) for line in order.lines.all() if line.product is not None
    ]
    return timedelta(days=min(days, default=default))


def post_purchase_due(*, now: datetime) -> list[Order]:
    """Shipped orders whose delay has passed, with no follow-up yet, to addresses that
    agreed to marketing e-mail. Two queries (orders, then their lines)."""
    delays = [settings.FOLLOWUP_POST_PURCHASE_DAYS, *settings.FOLLOWUP_POST_PURCHASE_DAYS_BY_CATEGORY.values()]
    orders = (
        Order.objects.filter(
            status=Order.Status.SHIPPED,
            shipped_at__lte=now - timedelta(days=min(delays)),
            shipped_at__gte=now - timedelta(days=max(delays) + LATE_LIMIT_DAYS),
        )
        .exclude(email="")
        .filter(~Exists(FollowUp.objects.filter(kind=FollowUp.Kind.POST_PURCHASE, order=OuterRef("pk"))))
        .filter(_consented())
        .select_related("user")
        .prefetch_related(Prefetch("lines", queryset=OrderLine.objects.select_related("product__category")))
        .order_by("shipped_at", "pk")[:BATCH_SIZE]
    )
    due = []
    for order in orders:
        due_at = order.shipped_at + post_purchase_delay(order)
        if due_at <= now <= due_at + timedelta(days=LATE_LIMIT_DAYS):
            due.append(order)
    return due


def _customer_orders(order: Order):
    same_customer = Q(email__iexact=order.email)
    if order.user_id:
        same_customer |= Q(user_id=order.user_id)
    return Order.objects.counted().filter(same_customer)


def post_purchase_picks(*, order: Order) -> list[Recommendation]:
    """Complements of what the order held, minus anything the customer has bought since
    (and the order's own products), through the storefront's selection and its guards."""
    bought = [line.product_id for line in order.lines.all() if line.product_id]
    if not bought:
        return []
    since = OrderLine.objects.filter(
        order__in=_customer_orders(order).filter(placed_at__gte=order.placed_at), product__isnull=False
    ).values_list("product_id", flat=True)
    return basket_recommendations(
        product_ids=bought,
        exclude_ids=set(since),
        user=order.user,
        limit=POST_PURCHASE_ITEMS,
    )


def abandoned_carts_due(*, now: datetime) -> list[Cart]:
    """Carts with a known address that agreed to marketing e-mail, idle for
    FOLLOWUP_ABANDONED_CART_HOURS, not ordered since, not reminded in this state, and no
    reminder to that address within the cooldown. One cart per address (the most recently
    changed): the claim enforces the cooldown too, this just spares the others' work."""
    idle_before = now - timedelta(hours=settings.FOLLOWUP_ABANDONED_CART_HOURS)
    ordered_since = Order.objects.filter(
        Q(email__iexact=OuterRef("email")) | Q(user_id=OuterRef("user_id"), user__isnull=False),
        placed_at__gte=OuterRef("updated_at"),
    )
    reminded = FollowUp.objects.filter(
        kind=FollowUp.Kind.ABANDONED_CART, cart=OuterRef("pk"), cart_idle_since=OuterRef("updated_at")
    )
    reminded_lately = FollowUp.objects.filter(
        kind=FollowUp.Kind.ABANDONED_CART,
        email=Lower(OuterRef("email")),
        created_at__gte=cart_reminder_cooldown_start(now=now),
    )
    carts = (
        Cart.objects.exclude(email="")
        .filter(updated_at__lte=idle_before, updated_at__gte=now - timedelta(days=CART_MAX_IDLE_DAYS))
        .filter(Exists(CartLine.objects.filter(cart=OuterRef("pk"))))
        .filter(~Exists(ordered_since), ~Exists(reminded), ~Exists(reminded_lately), _consented())
        .select_related("user")
        .prefetch_related(
            Prefetch(
                "lines",
                queryset=CartLine.objects.select_related("product__category").prefetch_related("product__images"),
            )
        )
        .order_by("updated_at", "pk")[:BATCH_SIZE]
    )
    newest_per_address = {}
    for cart in carts:
        newest_per_address[cart.email.lower()] = cart
    return sorted(newest_per_address.values(), key=lambda cart: (cart.updated_at, cart.pk))


def cart_complement(*, cart: Cart) -> list[Recommendation]:
    product_ids = [line.product_id for line in cart.lines.all()]
    if not product_ids:
        return []
    return basket_recommendations(product_ids=product_ids, user=cart.user, limit=CART_COMPLEMENT_ITEMS)


def review_requests_due(*, now: datetime) -> list[Order]:
    """Orders shipped FOLLOWUP_REVIEW_REQUEST_DAYS ago (and not LATE_LIMIT_DAYS more), not
    asked yet, to addresses that agreed to marketing e-mail. Two queries (orders, then their lines)."""
    shipped_before = now - timedelta(days=settings.FOLLOWUP_REVIEW_REQUEST_DAYS)
    orders = (
        Order.objects.filter(
            status=Order.Status.SHIPPED,
            shipped_at__lte=shipped_before,
            shipped_at__gte=shipped_before - timedelta(days=LATE_LIMIT_DAYS),
        )
        .exclude(email="")
        .filter(~Exists(FollowUp.objects.filter(kind=FollowUp.Kind.REVIEW_REQUEST, order=OuterRef("pk"))))
        .filter(_consented())
        .select_related("user")
        .prefetch_related(
            Prefetch(
                "lines",
                queryset=OrderLine.objects.select_related("product__category").prefetch_related("product__images"),
            )
        )
        .order_by("shipped_at", "pk")[:BATCH_SIZE]
    )
    return list(orders)


def review_request_products(*, order: Order) -> list[Product]:
    """What the e-mail asks about: the order's products still on sale that the customer
    (their account, or as a guest their address) hasn't reviewed yet."""
    products = {line.product_id: line.product for line in order.lines.all() if line.product and line.product.is_active}
    if not products:
        return []
    reviewed = reviewed_product_ids(product_ids=list(products), user=order.user, email=order.email)
    return [product for pid, product in products.items() if pid not in reviewed]
