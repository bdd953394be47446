"""What the current request brings to the placements: whether the visitor sees
recommendations at all (the holdout), who they are, what is in their cart, and a memo the
blocks of one page share."""

from dataclasses import dataclass, field

from shop.cart.selectors import cart_product_ids
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
        session_key = getattr(getattr(request, "session", None), "session_key", None)
        state.cart_product_ids = cart_product_ids(user=request_user(request), session_key=session_key)
    return state.cart_product_ids
