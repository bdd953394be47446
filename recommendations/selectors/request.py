"""What the current request brings to the placements, and each page's placements for it.

Whether the visitor sees recommendations at all (the holdout), who they are, what is in
their cart, and a memo the blocks of one page share. The `*_for_request` functions are
what the template tags and the JSON API both call, so a page and an API client see the
same items by the same rules: the holdout gets nothing, and the blocks of one page (or
of one API response) never repeat an item.
"""

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

from django.utils import timezone

from catalog import fragments
from recommendations.personal.history import history_for_request, viewed_for_request
from recommendations.selectors import placements
from shop.cart.selectors import cart_product_ids_for_request
from shop.orders.models import REC_GROUP_SESSION_KEY, Order


def recommendations_enabled(request) -> bool:
    """False for visitors in the holdout (control) group: every block then renders nothing.
    The measurement app assigns the group: in the session once the visitor has one, before
    that only in their cookie (request.rec_visit). This is the one place that reads it."""
    session = getattr(request, "session", None)
    group = None
    if session is not None and getattr(session, "session_key", True):  # no query without a session
        group = session.get(REC_GROUP_SESSION_KEY)
    if group is None:
        visit = getattr(request, "rec_visit", None)
        group = visit.group if visit is not None else None
    return group != Order.Group.CONTROL


@dataclass
class RequestState:
    """Per-request memo shared by the blocks of one page: what has been shown already (no
    item is repeated across blocks) and the products in the visitor's cart."""

    shown: set[int] = field(default_factory=set)
    cart_product_ids: set[int] | None = None
    results: dict = field(default_factory=dict)


def request_state(request) -> RequestState:
    state = getattr(request, "_recommendations_state", None)
    if state is None:
        state = RequestState()
        request._recommendations_state = state
    return state


def request_user(request):
    user = getattr(request, "user", None)
    return user if user is not None and user.is_authenticated else None


def request_cart_product_ids(request) -> set[int]:
    """The products in the visitor's cart, read once per request (by the cart's own rule)."""
    state = request_state(request)
    if state.cart_product_ids is None:
        state.cart_product_ids = set(cart_product_ids_for_request(request))
    return state.cart_product_ids


def request_cart_is(request, *, product_ids: Iterable[int]) -> None:
    """The page has read the visitor's cart already (the cart page): the blocks use its
    products instead of reading them again."""
    state = request_state(request)
    if state.cart_product_ids is None:
        state.cart_product_ids = set(product_ids)


def request_shown_extend(*, request, product_ids: list[int]) -> None:
    """Blocks served from a cached fragment showed these: the later blocks don't repeat them."""
    request_state(request).shown.update(product_ids)


def _note_shown(state: RequestState, before: set[int]) -> None:
    if fragments.recording():
        fragments.effect(f"{__name__}.request_shown_extend", product_ids=sorted(state.shown - before))


# Each page's placements for this visitor --------------------------------------------------


def product_page_for_request(request, *, product) -> placements.ProductPageRecommendations | None:
    """The product page's blocks (upgrade, FBT, tier chart, bundle) for this visitor, or None
    for the holdout. Read once per request and product: the page's tags share it."""
    if not recommendations_enabled(request):
        return None
    state = request_state(request)
    key = ("product", product.pk)
    if key not in state.results:
        before = set(state.shown)
        state.results[key] = placements.product_page_recommendations(
            product=product,
            cart_product_ids=request_cart_product_ids(request),
            user=request_user(request),
            shown=state.shown,
        )
        _note_shown(state, before)
        if not before and not state.cart_product_ids and request_user(request) is None:
            from recommendations.fragments import product_offers_remember  # it reads this module

            product_offers_remember(request, product_id=product.pk, offered=frozenset(state.shown))
    return state.results[key]


def cart_page_for_request(request, *, lines: Sequence, free_shipping_gap) -> placements.CartRecommendations | None:
    """The cart's blocks (line upgrades, "Complete your purchase", gap fillers) for these
    lines, or None for the holdout and an empty cart. Read once per request."""
    if not lines or not recommendations_enabled(request):
        return None
    state = request_state(request)
    if "cart" not in state.results:
        before = set(state.shown)
        state.results["cart"] = placements.cart_recommendations(
            lines=lines, free_shipping_gap=free_shipping_gap or 0, user=request_user(request), shown=state.shown
        )
        _note_shown(state, before)
    return state.results["cart"]


def checkout_addons_for_request(request, *, product_ids: Sequence[int] = ()) -> list[placements.Recommendation]:
    """Cheap add-ons for the basket (`product_ids` in cart order, else the visitor's cart);
    nothing for the holdout."""
    if not recommendations_enabled(request):
        return []
    product_ids = list(product_ids) or sorted(request_cart_product_ids(request))
    return placements.checkout_addons(product_ids=product_ids, user=request_user(request), shown=request_state(request).shown)


def also_bought_for_request(request, *, product_ids: Sequence[int]) -> placements.AlsoBought | None:
    """"Customers who bought X also bought" for products bought (an order's); None for the
    holdout or when there is nothing to offer."""
    if not recommendations_enabled(request):
        return None
    return placements.also_bought(product_ids=product_ids, user=request_user(request))


# The visitor's own history -------------------------------------------------------------------


def recently_viewed_for_request(request, *, exclude_ids: Iterable[int] = ()) -> list[placements.Recommendation]:
    """The visitor's recently viewed products still on sale, minus `exclude_ids` and the
    cart's; nothing for the holdout."""
    if not recommendations_enabled(request):
        return []
    return placements.recently_viewed(
        visits=viewed_for_request(request),
        exclude_ids=set(exclude_ids) | request_cart_product_ids(request),
        user=request_user(request),
        shown=request_state(request).shown,
    )


def home_for_request(request, *, page_product_ids: Iterable[int] = ()) -> placements.HomeRecommendations | None:
    """The home page's personal blocks (upgrade what you own, recommended for you or the
    first visit's best sellers, recently viewed), never repeating `page_product_ids` (the
    page's own grids); None for the holdout. Read once per request."""
    if not recommendations_enabled(request):
        return None
    state = request_state(request)
    if "home" not in state.results:
        state.results["home"] = placements.home_recommendations(
            history=history_for_request(request),
            cart_product_ids=request_cart_product_ids(request),
            page_product_ids=set(page_product_ids),
            user=request_user(request),
            shown=state.shown,
            now=timezone.now(),
        )
    return state.results["home"]


def inspired_for_request(request) -> list[placements.Recommendation]:
    """My account's "Inspired by your orders" for a signed-in customer; nothing for a guest
    or the holdout."""
    user = request_user(request)
    if user is None or not recommendations_enabled(request):
        return []
    return placements.account_recommendations(
        history=history_for_request(request, views=False),
        cart_product_ids=request_cart_product_ids(request),
        user=user,
        shown=request_state(request).shown,
        now=timezone.now(),
    ).inspired
