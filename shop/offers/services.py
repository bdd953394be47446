"""Writes of the offers: a voucher entered in the cart, and what placing an order uses up."""

import secrets
from datetime import timedelta

from django.db import transaction
from django.db.models import F
from django.utils import timezone

from shop.cart.models import Cart
from shop.cart.pricing import Adjustment, calculate_totals, cart_pricing_context
from shop.cart.selectors import cart_lines_with_products
from shop.cart.services import CartError

from .models import Deal, Voucher, VoucherUse
from .points import offer_settings, points_balance
from .selectors import deal_id_of, deals_cache_bump
from .vouchers import VOUCHER_CODE_PREFIX, normalise_code, voucher_code, voucher_for_code


def deals_record_sales(*, adjustments) -> None:
    """Count the units each deal sold in an order being placed. Runs in order placement's
    transaction, after the totals locked the deals (shop.offers.pricing), so no two orders
    can both take a deal's last units."""
    sold = {deal_id: adj.units for adj in adjustments if (deal_id := deal_id_of(adj.code)) and adj.units > 0}
    if not sold:
        return
    sold_out = False
    for deal_id, units in sold.items():
        Deal.objects.filter(pk=deal_id).update(units_sold=F("units_sold") + units)
        sold_out |= Deal.objects.filter(
            pk=deal_id, quantity_cap__isnull=False, units_sold__gte=F("quantity_cap")
        ).exists()
    if sold_out:
        # Pages stop showing it now rather than when the cache lapses.
        transaction.on_commit(deals_cache_bump)


def cart_voucher_apply(*, cart: Cart | None, code: str) -> Adjustment:
    """Keep the code on the cart when it takes something off it now; otherwise CartError
    with the reason, and nothing changed. Returns the voucher's discount line."""
    if cart is None or not cart.lines.exists():
        raise CartError("Add something to your cart before entering a code.", code="empty")
    voucher = voucher_for_code(code)
    if voucher is None:
        raise CartError(f"We don't know the code “{normalise_code(code)}”. Please check it and try again.", code="voucher")
    cart.voucher_code = voucher.code
    totals = calculate_totals(lines=cart_lines_with_products(cart), context=cart_pricing_context(cart))
    ours = voucher_code(voucher)
    notice = next((adj for adj in totals.notices if adj.code == ours), None)
    if notice is not None:
        raise CartError(notice.label, code="voucher")
    applied = next((adj for adj in totals.adjustments if adj.code == ours), None)
    if applied is None:
        raise CartError("Vouchers can't be used right now.", code="voucher")
    Cart.objects.filter(pk=cart.pk).update(voucher_code=voucher.code)
    return applied


def cart_voucher_remove(*, cart: Cart | None) -> str:
    """Take the code off the cart; the code it had ("" when none)."""
    if cart is None or not cart.voucher_code:
        raise CartError("There is no code on your cart.", code="voucher")
    Cart.objects.filter(pk=cart.pk).update(voucher_code="")
    return cart.voucher_code


def vouchers_record_use(*, order, adjustments) -> None:
    """Count an order's voucher use. Runs in order placement's transaction, after the
    totals locked the voucher (shop.offers.pricing.voucher_adjustments) and read its uses."""
    for adj in adjustments:
        prefix, _, rest = adj.code.partition(":")
        if prefix != VOUCHER_CODE_PREFIX or not rest.isdigit():
            continue
        Voucher.objects.filter(pk=int(rest)).update(times_used=F("times_used") + 1)
        VoucherUse.objects.create(
            voucher_id=int(rest), order=order, user_id=order.user_id, email=order.email, amount=adj.amount
        )


# No 0/O or 1/I: a code read out or copied by hand still works.
_CODE_ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"
_CODE_PREFIX = {Voucher.Source.POST_PURCHASE: "THANKS", Voucher.Source.ABANDONED_CART: "WELCOMEBACK"}


def voucher_issue_personal(*, email: str, source: str, now=None) -> Voucher | None:
    """A single-use code for one customer (their address), for a follow-up e-mail: "10% off
    your next order" after a purchase, and, when staff switch it on, in the cart reminder.
    None when the offer is switched off. Random, so it can't be guessed from another."""
    now = now or timezone.now()
    tuning = offer_settings()
    if source == Voucher.Source.POST_PURCHASE:
        percent, days = tuning.next_order_percent, tuning.next_order_days
    elif source == Voucher.Source.ABANDONED_CART and tuning.abandoned_cart_voucher:
        percent, days = tuning.abandoned_cart_percent, tuning.abandoned_cart_days
    else:
        return None
    if percent <= 0 or days <= 0:
        return None
    suffix = "".join(secrets.choice(_CODE_ALPHABET) for _ in range(10))
    return Voucher.objects.create(
        code=f"{_CODE_PREFIX[source]}-{suffix}",
        description=f"For {email}",
        kind=Voucher.Kind.PERCENT,
        value=percent,
        starts_at=now,
        ends_at=now + timedelta(days=days),
        usage_limit=1,
        per_customer_limit=1,
        customer_email=email.strip().lower(),
        source=source,
    )


def cart_points_set(*, cart: Cart | None, user, points: int) -> int:
    """The points the signed-in customer wants to spend on this cart (0: none). More than
    their balance is refused; the share of the order they may pay is applied when priced."""
    if cart is None or not cart.lines.exists():
        raise CartError("Add something to your cart before using points.", code="empty")
    if cart.user_id != user.pk:
        raise CartError("Sign in to use your points.", code="points")
    balance = points_balance(user_id=user.pk)
    if points > balance:
        raise CartError(f"You have {max(balance, 0)} points to spend.", code="points")
    Cart.objects.filter(pk=cart.pk).update(points_to_redeem=points)
    return points
