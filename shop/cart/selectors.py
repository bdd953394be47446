"""Reads of the cart: what the cart page, checkout and other apps need, in constant queries."""

from dataclasses import dataclass, field

from django.db.models import Prefetch, Sum

from catalog.images import product_image_urls
from shop.addons.selectors import ServiceOffer, service_offers

from .models import Cart, CartLine, CartLineService
from .pricing import Totals, calculate_totals, cart_pricing_context, line_service_total, line_service_unit_price, line_total


def _visitor_lines(*, user=None, session_key: str | None = None):
    """The lines of the visitor's cart, read straight from the lines (no cart row first), by
    the cart's rule (`services.cart_get_for_request`): a customer's cart by user, a visitor's
    by session key. None when the visitor has neither, so no query is made."""
    if user is not None and user.is_authenticated:
        return CartLine.objects.filter(cart__user=user)
    if session_key:
        return CartLine.objects.filter(cart__session_key=session_key, cart__user__isnull=True)
    return None


# Everything a cart page shows of the cart's own rows: a line's product and quantity, where it
# came from, its service add-ons (one row per line and service), and the cart's voucher code.
CART_ROW_FIELDS = (
    "id", "cart_id", "product_id", "quantity", "rec_placement", "rec_source", "rec_anchor_id", "rec_added_at",
    "services__id", "services__service_id", "services__rec_placement", "cart__voucher_code",
)
_ROWS_MEMO = "_cart_rows"


def cart_rows_for_request(request) -> tuple[tuple, ...]:
    """The visitor's cart as rows of CART_ROW_FIELDS, read once per request in one query (none
    without a cart key): the header's count, the products the recommendations leave out and
    the cart page's cache key all come from it."""
    rows = request.__dict__.get(_ROWS_MEMO)
    if rows is None:
        session = getattr(request, "session", None)
        lines = _visitor_lines(user=getattr(request, "user", None), session_key=session.session_key if session is not None else None)
        rows = tuple(lines.order_by("id", "services__id").values_list(*CART_ROW_FIELDS)) if lines is not None else ()
        request.__dict__[_ROWS_MEMO] = rows
    return rows


def cart_forget_for_request(request) -> None:
    """The request changed the cart: the next read sees the change."""
    request.__dict__.pop(_ROWS_MEMO, None)


def cart_item_count_for_request(request) -> int:
    quantities = {row[0]: row[3] for row in cart_rows_for_request(request)}
    return sum(quantities.values())


def cart_product_ids_for_request(request) -> list[int]:
    """The cart's products in the order of their lines."""
    return list(dict.fromkeys(row[2] for row in cart_rows_for_request(request)))


def cart_product_ids(*, user=None, session_key: str | None = None) -> set[int]:
    """The products in the visitor's cart, in one query (none without a cart key). Other
    apps (the recommendations, which never offer what is in the cart) read the cart here."""
    lines = _visitor_lines(user=user, session_key=session_key)
    return set(lines.values_list("product_id", flat=True)) if lines is not None else set()


def line_services_prefetch() -> Prefetch:
    """A line's service add-ons with their services, in the order they were taken: what the
    totals (shop.cart.pricing) read from `line.services`."""
    return Prefetch("services", queryset=CartLineService.objects.select_related("service").order_by("id"))


def cart_lines_with_products(cart: Cart | None) -> list[CartLine]:
    """The cart's lines with product, category, images and service add-ons loaded (four queries)."""
    if cart is None:
        return []
    return list(
        CartLine.objects.filter(cart=cart)
        .select_related("product", "product__category")
        .prefetch_related("product__images", line_services_prefetch())
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
    def goods_after_discounts(self):
        """What the goods cost after every discount (delivery aside): what points are earned on."""
        return self.totals.subtotal - self.totals.discount

    @property
    def can_check_out(self) -> bool:
        return bool(self.lines) and not self.problems


def line_service_problem(line_service: CartLineService, offers: list[ServiceOffer]) -> str:
    """Why a taken service can't be bought as it is ("" when it can): staff stopped offering
    it, or stopped offering it with this item, since it was taken."""
    if any(offer.service.pk == line_service.service_id for offer in offers):
        return ""
    return "No longer offered — please remove it to check out."


def _service_problem_message(line: CartLine, line_service: CartLineService, problem: str) -> str:
    return f"{line.product.name}, {line_service.service.name}: {problem}"


def line_service_problems(lines: list[CartLine]) -> list[str]:
    """The problems of the lines' service add-ons (`line.services` prefetched), for order
    placement: two queries."""
    offers = service_offers(products=[line.product for line in lines])
    return [
        _service_problem_message(line, line_service, problem)
        for line in lines
        for line_service in line.services.all()
        if (problem := line_service_problem(line_service, offers.get(line.product_id, [])))
    ]


def _describe_services(line: CartLine, offers: list[ServiceOffer]) -> None:
    """What the pages show of a line's services: the ones taken (`line.service_rows`, each with
    its price, total and any problem) and the ones still on offer (`line.service_offers`; none
    for a line that can't be bought as it is)."""
    line.service_rows = list(line.services.all())
    for line_service in line.service_rows:
        line_service.unit_price = line_service_unit_price(line, line_service)
        line_service.total = line_service_total(line, line_service)
        line_service.problem = line_service_problem(line_service, offers)
    taken = {line_service.service_id for line_service in line.service_rows}
    line.service_offers = [] if line.problem else [offer for offer in offers if offer.service.pk not in taken]


def cart_overview(cart: Cart | None) -> CartOverview:
    lines = cart_lines_with_products(cart)
    offers = service_offers(products=[line.product for line in lines])
    problems = []
    for line in lines:
        line.problem = line_problem(line)
        line.line_total = line_total(line)
        line.image = product_image_urls(line.product)
        if line.problem:
            problems.append(f"{line.product.name}: {line.problem}")
        _describe_services(line, offers.get(line.product_id, []))
        problems.extend(_service_problem_message(line, row, row.problem) for row in line.service_rows if row.problem)
    # Lines that can't be bought still count towards the shown totals, so the numbers
    # match what's listed; checkout refuses until they are fixed.
    totals = calculate_totals(lines=lines, context=cart_pricing_context(cart))
    _describe_line_discounts(lines, totals)
    return CartOverview(cart=cart, lines=lines, totals=totals, problems=problems)


def _describe_line_discounts(lines: list[CartLine], totals: Totals) -> None:
    """A line's own price discount (a deal), for the line to show beside its price:
    `line.unit_discount` (per unit) and `line.discounted_units`."""
    by_product = {adj.product_id: adj for adj in totals.adjustments if adj.product_id is not None}
    for line in lines:
        adj = by_product.get(line.product_id)
        line.unit_discount = adj.unit_amount if adj else None
        line.discounted_units = adj.units if adj else 0
        line.discounted_price = line.product.price - adj.unit_amount if adj else None
