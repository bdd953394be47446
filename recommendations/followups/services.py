"""Sending follow-ups, opting out, restoring a cart from a reminder.

Sending is at most once: the FollowUp row is claimed (its unique constraint decides between
overlapping runs) and committed before the e-mail goes out; if sending fails the claim is
withdrawn so the next run tries again. A crash between the two loses one e-mail rather than
sending it twice, the right way round for marketing mail.

The claim also decides who may be written to at all: the address's marketing consent is
re-read under a row lock, which serialises claims for one address, so a withdrawal just
before wins and a second cart reminder within the cooldown finds the first one.
"""

import logging
from dataclasses import dataclass

from django.db import IntegrityError, transaction
from django.utils import timezone

from shop.accounts.models import MarketingConsent
from shop.accounts.services import marketing_consent_withdraw
from shop.cart.models import Cart
from shop.cart.services import SESSION_CART_ID, cart_get_for_request, cart_merge
from shop.offers.models import Voucher
from shop.offers.services import voucher_issue_personal

from . import emails
from .models import FollowUp, OptOut
from .selectors import (
    abandoned_carts_due,
    cart_complement,
    cart_reminder_cooldown_start,
    post_purchase_due,
    post_purchase_picks,
    review_request_products,
    review_requests_due,
)

logger = logging.getLogger(__name__)


def _claim(**fields) -> FollowUp | None:
    """The FollowUp row that makes this e-mail go out once, or None: another run got there
    first, the address has no consent (any more), or it had a cart reminder lately."""
    try:
        with transaction.atomic():
            consent = MarketingConsent.objects.select_for_update().filter(email=fields["email"], opted_in=True)
            if not consent.values_list("pk", flat=True).first():
                return None
            if fields["kind"] == FollowUp.Kind.ABANDONED_CART and (
                FollowUp.objects.filter(
                    kind=FollowUp.Kind.ABANDONED_CART,
                    email=fields["email"],
                    created_at__gte=cart_reminder_cooldown_start(now=timezone.now()),
                ).exists()
            ):
                return None
            return FollowUp.objects.create(**fields)
    except IntegrityError:
        return None  # another run got there first


def _deliver(followup: FollowUp, send) -> bool:
    try:
        send()
    except Exception:
        followup.delete()
        raise
    return True


def _with_personal_code(*, email: str, source: str, send) -> None:
    """Send with a single-use code for this customer (none when staff switched it off); a
    code whose e-mail failed is withdrawn, so only sent codes exist."""
    voucher = voucher_issue_personal(email=email, source=source)
    try:
        send(voucher)
    except Exception:
        if voucher is not None:
            voucher.delete()
        raise


def post_purchase_send(*, order) -> FollowUp | None:
    """The follow-up for one order: sent with its complements, or recorded as skipped when
    there is nothing worth recommending. None when the order already had one."""
    picks = post_purchase_picks(order=order)
    followup = _claim(
        kind=FollowUp.Kind.POST_PURCHASE,
        status=FollowUp.Status.SENT if picks else FollowUp.Status.SKIPPED,
        email=order.email.lower(),
        order=order,
        product_ids=[r.product_id for r in picks],
    )
    if followup is not None and picks:
        _deliver(
            followup,
            lambda: _with_personal_code(
                email=order.email,
                source=Voucher.Source.POST_PURCHASE,
                send=lambda voucher: emails.send_post_purchase(order=order, recommendations=picks, voucher=voucher),
            ),
        )
    return followup


def abandoned_cart_send(*, cart: Cart) -> FollowUp | None:
    picks = cart_complement(cart=cart)
    followup = _claim(
        kind=FollowUp.Kind.ABANDONED_CART,
        email=cart.email.lower(),
        cart=cart,
        cart_idle_since=cart.updated_at,
        product_ids=[r.product_id for r in picks],
    )
    if followup is not None:
        _deliver(
            followup,
            lambda: _with_personal_code(
                email=cart.email,
                source=Voucher.Source.ABANDONED_CART,
                send=lambda voucher: emails.send_abandoned_cart(cart=cart, recommendations=picks, voucher=voucher),
            ),
        )
    return followup


def review_request_send(*, order) -> FollowUp | None:
    """ "How was it?" for one order: links to review each of its products not reviewed yet,
    or recorded as skipped when there is none. None when the order was asked already."""
    products = review_request_products(order=order)
    followup = _claim(
        kind=FollowUp.Kind.REVIEW_REQUEST,
        status=FollowUp.Status.SENT if products else FollowUp.Status.SKIPPED,
        email=order.email.lower(),
        order=order,
        product_ids=[product.pk for product in products],
    )
    if followup is not None and products:
        _deliver(followup, lambda: emails.send_review_request(order=order, products=products))
    return followup


@dataclass(frozen=True)
class RunResult:
    sent: int = 0
    skipped: int = 0
    failed: int = 0


def _run(items, send_one) -> RunResult:
    sent = skipped = failed = 0
    for item in items:
        try:
            followup = send_one(item)
        except Exception:
            # One bad address or template must not stop the others; the claim was withdrawn.
            logger.exception("Follow-up e-mail for %r failed", item)
            failed += 1
            continue
        if followup is None:
            continue
        if followup.status == FollowUp.Status.SENT:
            sent += 1
        else:
            skipped += 1
    return RunResult(sent=sent, skipped=skipped, failed=failed)


def post_purchase_send_due(*, now=None) -> RunResult:
    return _run(post_purchase_due(now=now or timezone.now()), lambda order: post_purchase_send(order=order))


def abandoned_carts_send_due(*, now=None) -> RunResult:
    return _run(abandoned_carts_due(now=now or timezone.now()), lambda cart: abandoned_cart_send(cart=cart))


def review_requests_send_due(*, now=None) -> RunResult:
    return _run(review_requests_due(now=now or timezone.now()), lambda order: review_request_send(order=order))


def opt_out(*, email: str) -> OptOut:
    """Stop follow-up e-mails to this address (idempotent): its marketing consent is
    withdrawn, and the opt-out kept as the record of the unsubscribe."""
    optout, _ = OptOut.objects.get_or_create(email=email.strip().lower())
    marketing_consent_withdraw(email=email, source=MarketingConsent.Source.UNSUBSCRIBE)
    return optout


def cart_restore(*, request, cart: Cart) -> Cart:
    """Give the visitor the cart from a reminder.

    A guest cart moves to this browser's session (merged into the cart already there, if
    any); a customer's own cart needs nothing beyond being signed in, checked by the view.
    """
    if cart.user_id:
        return cart
    current = cart_get_for_request(request)
    if current is not None and current.pk != cart.pk:
        return cart_merge(source=cart, target=current)
    if current is None and request.user.is_authenticated:
        cart.user = request.user
        cart.session_key = None
        cart.save(update_fields=["user", "session_key", "updated_at"])
        return cart
    if not request.session.session_key:
        request.session.save()
    with transaction.atomic():
        # A session has one cart: an empty leftover cart of this session steps aside.
        Cart.objects.filter(session_key=request.session.session_key).exclude(pk=cart.pk).delete()
        cart.session_key = request.session.session_key
        cart.save(update_fields=["session_key", "updated_at"])
    request.session[SESSION_CART_ID] = cart.pk
    return cart
