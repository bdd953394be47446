"""Who is due a follow-up, and what to recommend in it."""

from datetime import datetime, timedelta

from django.conf import settings
from django.db.models import Exists, OuterRef, Prefetch, Q
from django.db.models.functions import Lower

from recommendations.measurement.holdout import CONTROL
from recommendations.measurement.models import CustomerGroup
from recommendations.selectors.placements import Recommendation, basket_recommendations
from shop.cart.models import Cart, CartLine
from shop.orders.models import Order, OrderLine

from .models import FollowUp, OptOut

# Orders shipped longer ago than their delay plus this are left alone: switching the e-mails
# on must not write to every customer of the last year.
LATE_LIMIT_DAYS = 7
# Carts idle longer than this are not worth a reminder any more.
CART_MAX_IDLE_DAYS = 7
# At most one cart reminder per address in this many days, whatever carts they leave.
CART_REMINDER_COOLDOWN_DAYS = 7
# Rows examined per beat run; whatever is left is picked up by the next run.
BATCH_SIZE = 200
POST_PURCHASE_ITEMS = 3
CART_COMPLEMENT_ITEMS = 1


def _opted_out(email_field: str = "email"):
    return Exists(OptOut.objects.filter(email=Lower(OuterRef(email_field))))


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
    haven't opted out, placed outside the holdout (the control group gets no recommendation,
    by e-mail neither, or the uplift comparison would be contaminated). Two queries (orders,
    then their lines)."""
    delays = [settings.FOLLOWUP_POST_PURCHASE_DAYS, *settings.FOLLOWUP_POST_PURCHASE_DAYS_BY_CATEGORY.values()]
    orders = (
        Order.objects.filter(
            status=Order.Status.SHIPPED,
            shipped_at__lte=now - timedelta(days=min(delays)),
            shipped_at__gte=now - timedelta(days=max(delays) + LATE_LIMIT_DAYS),
        )
        .exclude(email="")
        .exclude(rec_group=CONTROL)
        .filter(~Exists(FollowUp.objects.filter(kind=FollowUp.Kind.POST_PURCHASE, order=OuterRef("pk"))))
        .filter(~_opted_out())
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
    """Carts with a known address, idle for FOLLOWUP_ABANDONED_CART_HOURS, not ordered since,
    not reminded in this state, and no reminder to that address lately; none of the holdout
    (started by a visitor in the control group, or a customer in it)."""
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
        created_at__gte=now - timedelta(days=CART_REMINDER_COOLDOWN_DAYS),
    )
    carts = (
        Cart.objects.exclude(email="")
        .exclude(rec_group=CONTROL)
        .filter(~Exists(CustomerGroup.objects.filter(user_id=OuterRef("user_id"), group=CONTROL)))
        .filter(updated_at__lte=idle_before, updated_at__gte=now - timedelta(days=CART_MAX_IDLE_DAYS))
        .filter(Exists(CartLine.objects.filter(cart=OuterRef("pk"))))
        .filter(~Exists(ordered_since), ~Exists(reminded), ~Exists(reminded_lately), ~_opted_out())
        .select_related("user")
        .prefetch_related(
            Prefetch(
                "lines",
                queryset=CartLine.objects.select_related("product__category").prefetch_related("product__images"),
            )
        )
        .order_by("updated_at", "pk")[:BATCH_SIZE]
    )
    return list(carts)


def cart_complement(*, cart: Cart) -> list[Recommendation]:
    product_ids = [line.product_id for line in cart.lines.all()]
    if not product_ids:
        return []
    return basket_recommendations(product_ids=product_ids, user=cart.user, limit=CART_COMPLEMENT_ITEMS)
