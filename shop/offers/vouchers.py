"""Vouchers: the rules a code must pass, and what it takes off. The same checks run when the
shopper enters a code, every time the cart is priced, and under the voucher's row lock at
placement (shop.offers.pricing.voucher_adjustments)."""

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from decimal import ROUND_HALF_UP, Decimal

from django.db.models import Q

from catalog.selectors import category_lineages
from shop.cart.pricing import ZERO, Adjustment, lines_subtotal, money, unit_prices_after

from .models import Voucher, VoucherUse

VOUCHER_CODE_PREFIX = "voucher"
CODE_MAX_LENGTH = 40


def normalise_code(code: str) -> str:
    return "".join(code.split()).upper()[:CODE_MAX_LENGTH]


def voucher_for_code(code: str, *, lock: bool = False) -> Voucher | None:
    """The voucher with this code and its categories (two queries), locked when `lock`."""
    code = normalise_code(code)
    if not code:
        return None
    queryset = Voucher.objects.filter(code=code)
    if lock:
        # Its categories are read in a second query, unlocked: staff edits to them wait for nothing.
        queryset = queryset.select_for_update()
    voucher = queryset.first()
    if voucher is not None:
        voucher.category_ids = set(voucher.categories.values_list("pk", flat=True))
    return voucher


def customer_uses(*, voucher: Voucher, user_id: int | None, email: str) -> int:
    """Orders that used the voucher by this customer: their account, or their address."""
    who = Q()
    if user_id:
        who |= Q(user_id=user_id)
    if email:
        who |= Q(email__iexact=email)
    if not who:
        return 0
    return VoucherUse.objects.filter(who, voucher=voucher).count()


@dataclass(frozen=True)
class VoucherCheck:
    """A voucher's saving on these lines now, or why it gives none (`problem`)."""

    voucher: Voucher
    amount: Decimal = ZERO
    problem: str = ""

    def adjustment(self) -> Adjustment:
        label = f"Voucher {self.voucher.code} ({self.voucher.offer})"
        if self.problem:
            label = f"Voucher {self.voucher.code}: {self.problem}"
        return Adjustment(label=label, amount=self.amount if not self.problem else ZERO, code=voucher_code(self.voucher))


def voucher_code(voucher: Voucher) -> str:
    return f"{VOUCHER_CODE_PREFIX}:{voucher.pk}"


def eligible_goods(*, voucher: Voucher, lines: list, prior: Iterable[Adjustment]) -> Decimal:
    """What the voucher applies to: every line's goods and services after the discounts
    before it, or, for a voucher limited to categories, those lines' goods at deal prices."""
    if not voucher.category_ids:
        return max(lines_subtotal(lines) - sum((adj.amount for adj in prior), ZERO), ZERO)
    prices = unit_prices_after(lines=lines, adjustments=prior)
    lineages = category_lineages({line.product.category_id for line in lines})
    return money(
        sum(
            (
                prices[line.product_id] * line.quantity
                for line in lines
                if voucher.category_ids & set(lineages.get(line.product.category_id, ()))
            ),
            ZERO,
        )
    )


def voucher_check(
    *, voucher: Voucher, lines: list, prior: Iterable[Adjustment], now: datetime, user_id: int | None, email: str
) -> VoucherCheck:
    """Every rule, in the order a shopper would want to hear about them."""
    prior = list(prior)
    if not voucher.is_active:
        return VoucherCheck(voucher, problem="this code can't be used any more.")
    if now < voucher.starts_at:
        return VoucherCheck(voucher, problem=f"this code can be used from {voucher.starts_at:%d %B %Y}.")
    if voucher.ends_at is not None and now >= voucher.ends_at:
        return VoucherCheck(voucher, problem=f"this code expired on {voucher.ends_at:%d %B %Y}.")
    if voucher.usage_limit is not None and voucher.times_used >= voucher.usage_limit:
        return VoucherCheck(voucher, problem="this code has been used up.")
    if voucher.customer_email and email and voucher.customer_email.lower() != email.lower():
        return VoucherCheck(voucher, problem="this code belongs to another customer.")
    if voucher.per_customer_limit is not None and customer_uses(
        voucher=voucher, user_id=user_id, email=email
    ) >= voucher.per_customer_limit:
        return VoucherCheck(voucher, problem="you have already used this code.")
    merchandise = max(lines_subtotal(lines) - sum((adj.amount for adj in prior), ZERO), ZERO)
    if merchandise < voucher.minimum_spend:
        return VoucherCheck(
            voucher, problem=f"spend £{voucher.minimum_spend - merchandise} more to use this code (minimum £{voucher.minimum_spend})."
        )
    base = eligible_goods(voucher=voucher, lines=lines, prior=prior)
    if base <= 0:
        return VoucherCheck(voucher, problem="nothing in your cart is in the categories this code is for.")
    if voucher.kind == Voucher.Kind.PERCENT:
        amount = (base * voucher.value / Decimal(100)).quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)
    else:
        amount = voucher.value
    return VoucherCheck(voucher, amount=min(money(amount), base, merchandise))
