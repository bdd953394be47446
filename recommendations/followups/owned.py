"""Follow-ups about what a customer owns, sent by Celery beat through the same claim and
delivery as the other follow-ups (`services._claim`, `services._deliver`, read from the
module at call time so that whatever the claim checks, these e-mails are checked too):

- **Upgrade what you own**: a product bought RECOMMENDATIONS_UPGRADE_AFTER_DAYS ago (its last
  purchase) that has an upgrade the customer doesn't own, nor a higher tier of its ladder:
  one e-mail per (address, product), ever.
- **Time to restock**: a consumable, when the customer should be running out: their last
  purchase plus their own repurchase interval, or the product's median interval across
  customers when they bought it once (`recommendations.personal.intervals`). The item and one
  complement; one reminder per last purchase (buying it again starts a new cycle).

Who is written to: addresses with orders that count that agreed to marketing e-mail and
have not withdrawn it (`selectors._consented`, the same rule as the other follow-ups,
re-checked by the claim), and not in the holdout group: a customer's stored
group (`CustomerGroup`) when they have an account, else the group of their latest order. What
is offered comes from the one selection service (`selectors.personal`), with its guards.
Each run looks at most BATCH_SIZE addresses; a due e-mail stays due for LATE_LIMIT_DAYS.
"""

from collections import defaultdict
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.conf import settings
from django.db.models import Exists, Max, OuterRef, Q
from django.db.models.functions import Lower
from django.utils import timezone

from recommendations.measurement.holdout import CONTROL
from recommendations.measurement.models import CustomerGroup
from recommendations.models import LadderTier, Upgrade
from recommendations.personal.intervals import product_intervals, restock_due
from recommendations.selectors.placements import UpgradeOffer, owned_upgrades, restock_items
from shop.accounts.models import MarketingConsent
from shop.orders.models import Order, OrderLine

from . import emails, services
from .models import FollowUp
from .selectors import BATCH_SIZE, LATE_LIMIT_DAYS, _consented
from .services import RunResult

# How far back purchases of consumables are read to learn the intervals.
RESTOCK_LOOKBACK_DAYS = 730


@dataclass(frozen=True)
class Customer:
    """One address that bought from the shop, with its account (if any)."""

    email: str  # lower-cased
    user_id: int | None = None


@dataclass(frozen=True)
class UpgradeDue:
    customer: Customer
    offer: UpgradeOffer


@dataclass(frozen=True)
class RestockDue:
    customer: Customer
    product_id: int
    order_id: int  # the last purchase of it
    last_bought_at: datetime
    due_at: datetime


def _counted_lines():
    return OrderLine.objects.filter(order__in=Order.objects.counted().exclude(email=""), product__isnull=False).annotate(
        email_l=Lower("order__email")
    )


def _without_consent_among(emails: set[str]) -> set[str]:
    """The addresses, among these (lower-cased), that the follow-ups' consent rule leaves
    out: those that never agreed to marketing e-mail, or withdrew it."""
    agreed = MarketingConsent.objects.opted_in().filter(email__in=emails).values_list("email", flat=True)
    return emails - set(agreed)


def held_out(emails: set[str]) -> set[str]:
    """The addresses whose customer is in the holdout group: their account's stored group
    when the latest order has an account, else that order's group. Two queries."""
    latest: dict[str, tuple[int | None, str]] = {}
    rows = (
        Order.objects.annotate(email_l=Lower("email"))
        .filter(email_l__in=emails)
        .order_by("email_l", "-placed_at", "-pk")
        .values_list("email_l", "user_id", "rec_group")
    )
    for email, user_id, group in rows:
        latest.setdefault(email, (user_id, group))
    stored = dict(
        CustomerGroup.objects.filter(user_id__in={u for u, _ in latest.values() if u}).values_list("user_id", "group")
    )
    return {email for email, (user_id, group) in latest.items() if stored.get(user_id, group) == CONTROL}


def _owned_by(emails: set[str]) -> dict[str, set[int]]:
    owned: dict[str, set[int]] = defaultdict(set)
    for email, product_id in _counted_lines().filter(email_l__in=emails).values_list("email_l", "product_id").distinct():
        owned[email].add(product_id)
    return owned


def _accounts(emails: set[str]) -> dict[str, int]:
    """The account of each address (from its latest order that has one)."""
    accounts: dict[str, int] = {}
    rows = (
        Order.objects.annotate(email_l=Lower("email"))
        .filter(email_l__in=emails, user__isnull=False)
        .order_by("email_l", "-placed_at")
        .values_list("email_l", "user_id")
    )
    for email, user_id in rows:
        accounts.setdefault(email, user_id)
    return accounts


# Upgrade what you own -------------------------------------------------------------------------


def upgrades_due(*, now: datetime) -> list[UpgradeDue]:
    """The upgrade offers due now: purchases whose last time falls in the offer window, of
    products that have an upgrade or a ladder, not offered to that address before."""
    earliest = now - timedelta(days=settings.RECOMMENDATIONS_UPGRADE_AFTER_DAYS + LATE_LIMIT_DAYS)
    latest = now - timedelta(days=settings.RECOMMENDATIONS_UPGRADE_AFTER_DAYS)
    upgradable = Q(product_id__in=Upgrade.objects.values("product_id")) | Q(product_id__in=LadderTier.objects.values("product_id"))
    offered = FollowUp.objects.filter(kind=FollowUp.Kind.UPGRADE, email=OuterRef("email_l"), product=OuterRef("product_id"))
    rows = list(
        _counted_lines()
        .filter(upgradable)
        .values("email_l", "product_id")
        .annotate(last=Max("order__placed_at"))
        .filter(last__gte=earliest, last__lte=latest)
        .filter(~Exists(offered), _consented("email_l"))
        .order_by("last", "email_l", "product_id")
        .values_list("email_l", "product_id", "last")[:BATCH_SIZE]
    )
    if not rows:
        return []
    emails = {email for email, _, _ in rows}
    skipped, owned, accounts = held_out(emails), _owned_by(emails), _accounts(emails)
    bought: dict[str, list[tuple[int, datetime]]] = defaultdict(list)
    for email, product_id, last in rows:
        if email not in skipped:
            bought[email].append((product_id, last))
    due = []
    for email, purchases in bought.items():
        customer = Customer(email=email, user_id=accounts.get(email))
        purchases.sort(key=lambda row: row[1], reverse=True)
        offers = owned_upgrades(bought=tuple(purchases), owned_ids=owned[email], now=now, late_days=LATE_LIMIT_DAYS)
        due.extend(UpgradeDue(customer=customer, offer=offer) for offer in offers)
    return due


def upgrade_offer_send(*, due: UpgradeDue) -> FollowUp | None:
    """One upgrade e-mail, claimed once per (address, owned product)."""
    offer = due.offer
    followup = services._claim(
        kind=FollowUp.Kind.UPGRADE,
        email=due.customer.email,
        product=offer.owned,
        product_ids=[offer.upgrade.product_id],
    )
    if followup is not None:
        services._deliver(followup, lambda: emails.send_upgrade_offer(to=due.customer.email, offer=offer))
    return followup


def upgrade_offers_send_due(*, now=None) -> RunResult:
    return services._run(upgrades_due(now=now or timezone.now()), lambda due: upgrade_offer_send(due=due))


# Time to restock -----------------------------------------------------------------------------


def restocks_due(*, now: datetime) -> list[RestockDue]:
    """Consumables the customer should be running out of now (due within the last
    LATE_LIMIT_DAYS), not reminded for that last purchase yet. Reads the consumables' order
    lines of the lookback window once: the intervals need every customer's history."""
    lines = (
        _counted_lines()
        .filter(product__is_consumable=True, order__placed_at__gte=now - timedelta(days=RESTOCK_LOOKBACK_DAYS))
        .order_by("order__placed_at", "order_id")
        .values_list("email_l", "product_id", "order_id", "order__placed_at")
    )
    histories: dict[tuple[str, int], list[datetime]] = defaultdict(list)
    last_order: dict[tuple[str, int], int] = {}
    for email, product_id, order_id, placed_at in lines.iterator(chunk_size=5000):
        histories[(email, product_id)].append(placed_at)
        last_order[(email, product_id)] = order_id
    intervals = product_intervals(histories)
    candidates = []
    for key, when in histories.items():
        due_at = restock_due(when, product_interval=intervals.get(key[1]))
        if due_at is not None and due_at <= now <= due_at + timedelta(days=LATE_LIMIT_DAYS):
            candidates.append((key, due_at))
    if not candidates:
        return []
    candidates.sort(key=lambda row: (row[1], row[0]))
    reminded = set(
        FollowUp.objects.filter(kind=FollowUp.Kind.RESTOCK, order_id__in=[last_order[key] for key, _ in candidates])
        .values_list("order_id", "product_id")
    )
    without_consent = _without_consent_among({key[0] for key, _ in candidates})
    candidates = [
        (key, due_at)
        for key, due_at in candidates
        if (last_order[key], key[1]) not in reminded and key[0] not in without_consent
    ][:BATCH_SIZE]
    emails = {key[0] for key, _ in candidates}
    skipped, accounts = held_out(emails), _accounts(emails)
    return [
        RestockDue(
            customer=Customer(email=email, user_id=accounts.get(email)),
            product_id=product_id,
            order_id=last_order[(email, product_id)],
            last_bought_at=max(histories[(email, product_id)]),
            due_at=due_at,
        )
        for (email, product_id), due_at in candidates
        if email not in skipped
    ]


def restock_send(*, due: RestockDue) -> FollowUp | None:
    """One restock reminder with the item and one complement, claimed once per last purchase.
    An item no longer on sale is not claimed: it is reminded of if it comes back in time."""
    owned = _owned_by({due.customer.email})[due.customer.email]
    item, complement = restock_items(product_id=due.product_id, owned_ids=owned)
    if item is None:
        return None
    followup = services._claim(
        kind=FollowUp.Kind.RESTOCK,
        email=due.customer.email,
        order_id=due.order_id,
        product_id=due.product_id,
        product_ids=[item.product_id] + ([complement.product_id] if complement else []),
    )
    if followup is not None:
        services._deliver(
            followup,
            lambda: emails.send_restock(to=due.customer.email, item=item, complement=complement, last_bought_at=due.last_bought_at),
        )
    return followup


def restocks_send_due(*, now=None) -> RunResult:
    return services._run(restocks_due(now=now or timezone.now()), lambda due: restock_send(due=due))
