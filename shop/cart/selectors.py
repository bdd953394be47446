"""Reads of the cart: what the cart page, checkout and other apps need, in constant queries."""

from dataclasses import dataclass, field

from django.db.models import Sum

from catalog.images import product_image_urls

from .models import Cart, CartLine
from .pricing import Totals, calculate_totals, line_total


def _visitor_lines(*, user=None, session_key: str | None = None):
    """The lines of the visitor's cart, read straight from the lines (no cart row first), by
    the cart's rule (`services.cart_get_for_request`): a customer's cart by user, a visitor's
    by session key. None when the visitor has neither, so no query is made."""
    if user is not None and user.is_authenticated:
        return CartLine.objects.filter(cart__user=user)
    if session_key:
        return CartLine.objects.filter(cart__session_key=session_key, cart__user__isnull=True)
    return None


def cart_product_ids(*, user=None, session_key: str | None = None) -> set[int]:
    """The products in the visitor's cart, in one query (none without a cart key). Other
    apps (the recommendations, which never offer what is in the cart) read the cart here."""
    lines = _visitor_lines(user=user, session_key=session_key)
    return set(lines.values_list("product_id", flat=True)) if lines is not None else set()


def cart_lines_with_products(cart: Cart | None) -> list[CartLine]:
    """The cart's lines with product, category and images loaded (three queries)."""
    if cart is None:
        return []
    return list(
        CartLine.objects.filter(cart=cart)
        .select_related("product", "product__category")
        .prefetch_related("product__images")
    )


def cart_item_count(*, user=None, session_key: str | None = None) -> int:
    """Items in the visitor's cart for the header, in one query (none without a cart key)."""
    lines = _visitor_lines(user=user, session_key=session_key)
    if lines is None:
        return 0
    return lines.aggregate(items=Sum("quantity"))["items"] or 0


def line_problem(line: CartLine) -> str:
    """Why a line can't be bought as it is, in words for the shopper ("" when it can)."""
    product = line.product
    if not product.is_active:
        return "No longer available — please remove it to check out."
    if product.stock <= 0:
        return "Out of stock — please remove it to check out."
    if line.quantity > product.max_quantity:
        return f"Only {product.max_quantity} available — please lower the quantity."
    return ""


@dataclass
class CartOverview:
    """Everything a page shows about a cart: lines (with problems, totals and pictures)
    and the shared totals."""

    cart: Cart | None
    lines: list[CartLine]
    totals: Totals
    problems: list[str] = field(default_factory=list)

    @property
    def is_empty(self) -> bool:
        return not self.lines

    @property
    def item_count(self) -> int:
        return sum(line.quantity for line in self.lines)

    @property
    def can_check_out(self) -> bool:
        return bool(self.lines) and not self.problems


def cart_overview(cart: Cart | None) -> CartOverview:
    lines = cart_lines_with_products(cart)
    problems = []
    for line in lines:
        line.problem = line_problem(line)
        line.line_total = line_total(line)
        line.image = product_image_urls(line.product)
        if line.problem:
            problems.append(f"{line.product.name}: {line.problem}")
    # Lines that can't be bought still count towards the shown totals, so the numbers
    # match what's listed; checkout refuses until they are fixed.
    return CartOverview(cart=cart, lines=lines, totals=calculate_totals(lines=lines), problems=problems)
