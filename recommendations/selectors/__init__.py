"""Selection for every placement: one set of candidates, guards and ranking.

Product page, cart, checkout, confirmation and e-mails all call the functions exported
here; the template tags only fetch through them and hand the result to a template.
"""

from dataclasses import dataclass, field

from recommendations.selectors.candidates import (
    Candidate,
    ProductCandidates,
    Source,
    cache_generation,
    candidates_for_many,
    invalidate_cache_generation,
)
from recommendations.selectors.placements import (
    AlsoBought,
    BundleOffer,
    CartRecommendations,
    FrequentlyBoughtTogether,
    Placement,
    ProductPageRecommendations,
    TierChart,
    also_bought,
    basket_recommendations,
    cart_recommendations,
    checkout_addons,
    product_page_recommendations,
    upgrade_targets,
)
from recommendations.selectors.ranking import Recommendation, fetch_products

__all__ = [
    "AlsoBought", "BundleOffer", "Candidate", "CartRecommendations", "FrequentlyBoughtTogether", "Placement",
    "ProductCandidates", "ProductPageRecommendations", "Recommendation", "RequestState", "Source", "TierChart",
    "also_bought", "basket_recommendations", "cache_generation", "candidates_for_many", "cart_recommendations",
    "checkout_addons", "fetch_products", "invalidate_cache_generation", "product_page_recommendations",
    "recommendations_enabled", "request_state", "upgrade_targets",
]


def recommendations_enabled(request) -> bool:
    """False for visitors in the holdout (control) group: every block then renders nothing.
    The measurement app assigns the group; this is the one place that reads it."""
    session = getattr(request, "session", None)
    return session is None or session.get("rec_group") != "control"


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


def request_cart_product_ids(request) -> set[int]:
    state = request_state(request)
    if state.cart_product_ids is None:
        # One query straight on the lines (the cart's own lookup is cart-then-lines, two),
        # following the cart's rule: a customer's cart by user, a visitor's by session key.
        from shop.cart.models import CartLine

        user = request_user(request)
        session_key = getattr(getattr(request, "session", None), "session_key", None)
        if user is not None:
            lines = CartLine.objects.filter(cart__user=user)
        elif session_key:
            lines = CartLine.objects.filter(cart__session_key=session_key, cart__user__isnull=True)
        else:
            lines = CartLine.objects.none()
        state.cart_product_ids = set(lines.values_list("product_id", flat=True)) if session_key or user else set()
    return state.cart_product_ids


def request_user(request):
    user = getattr(request, "user", None)
    return user if user is not None and user.is_authenticated else None
