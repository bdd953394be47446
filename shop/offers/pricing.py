"""The offers' discount providers (settings.CART_DISCOUNT_PROVIDERS): plain functions of the
cart's lines and the pricing context, as shop.cart.pricing calls them."""

from decimal import ROUND_DOWN, Decimal

from django.utils import timezone

from shop.cart.pricing import ZERO, Adjustment, PricingContext, lines_subtotal, money

from .points import POINTS_CODE, offer_settings, points_balance, points_value
from .selectors import DEAL_CODE_PREFIX, deals_for_pricing, upcoming_deal_product_ids
from .vouchers import normalise_code, voucher_check, voucher_for_code


def deal_adjustments(*, lines, context: PricingContext) -> list[Adjustment]:
    """Deal of the day: each line's saving on the units its deal still covers, one
    adjustment per deal. A capped deal covers at most the units it has left, so a cart
    holding more than that pays the usual price for the rest.

    The deals are read fresh; at placement always, and locked with the products, so the
    units left are counted once however many orders race for them. Pages first ask the
    deals' cache which products have one (a staff edit replaces it at once), so a cart
    with no deal in it costs no query."""
    lines = list(lines)
    now = context.now or timezone.now()
    product_ids = {line.product_id for line in lines}
    if not context.placing:
        product_ids &= upcoming_deal_product_ids(now=now)
        if not product_ids:
            return []
    deals = deals_for_pricing(product_ids=product_ids, now=now, lock=context.placing)
    adjustments = []
    for line in lines:
        deal = deals.get(line.product_id)
        if deal is None:
            continue
        list_price = line.product.price
        saving = list_price - deal.unit_price(list_price)
        units = line.quantity if deal.remaining is None else min(line.quantity, deal.remaining)
        if saving <= 0 or units <= 0:
            continue
        label = f"Deal of the day: {line.product.name}"
        if units < line.quantity:
            label += f" ({units} of {line.quantity} at the deal price)"
        adjustments.append(
            Adjustment(
                label=label,
                amount=money(saving * units),
                code=f"{DEAL_CODE_PREFIX}:{deal.pk}",
                product_id=line.product_id,
                unit_amount=saving,
                units=units,
            )
        )
    return adjustments


def voucher_adjustments(*, lines, context: PricingContext) -> list[Adjustment]:
    """The cart's voucher (`cart.voucher_code`): its saving on what the discounts before it
    left, or, when it gives nothing, a notice saying why. At placement the voucher is locked
    and its uses counted under that lock, so a code limited to N uses is used N times at most."""
    code = normalise_code(getattr(context.cart, "voucher_code", "") or "")
    if not code:
        return []
    voucher = voucher_for_code(code, lock=context.placing)
    if voucher is None:
        return [Adjustment(label=f"Voucher {code}: this code isn't valid.", amount=ZERO, code="voucher:unknown")]
    check = voucher_check(
        voucher=voucher, lines=list(lines), prior=context.prior, now=context.now or timezone.now(),
        user_id=context.user_id, email=context.email,
    )
    return [check.adjustment()]


def points_adjustments(*, lines, context: PricingContext) -> list[Adjustment]:
    """Loyalty points the customer chose to spend (`cart.points_to_redeem`), last: at most
    their balance (read under the account's lock at placement) and at most the settings'
    share of what the discounts before left. Fewer than asked when either limit is lower."""
    wanted = getattr(context.cart, "points_to_redeem", 0) or 0
    if wanted <= 0 or not context.user_id:
        return []
    tuning = offer_settings()
    balance = points_balance(user_id=context.user_id, lock=context.placing)
    left = max(lines_subtotal(lines) - sum((adj.amount for adj in context.prior), ZERO), ZERO)
    ceiling = (left * Decimal(tuning.points_max_share_percent) / Decimal(100)).quantize(Decimal("0.01"), rounding=ROUND_DOWN)
    by_share = int((ceiling / tuning.point_value).to_integral_value(rounding=ROUND_DOWN)) if tuning.point_value > 0 else 0
    points = min(wanted, max(balance, 0), by_share)
    if points <= 0:
        why = "you have no points to spend." if balance <= 0 else "nothing left for points to pay."
        return [Adjustment(label=f"Points: {why}", amount=ZERO, code=POINTS_CODE)]
    return [
        Adjustment(
            label=f"{points} loyalty points", amount=points_value(points, tuning=tuning), code=POINTS_CODE, units=points
        )
    ]
