"""The recommendation POSTs: each validates, calls one service, and redirects back with a
message (`shop.http.post_and_redirect_back`). They work without JavaScript; prices always
come from the database."""

from django.views.decorators.http import require_POST

from recommendations.forms import AddRecommendedForm, BundleAddForm, FbtAddForm, UpgradeSwapForm
from recommendations.services import bundle_add_to_cart, bundle_for_cart, cart_line_upgrade, fbt_add_to_cart
from recommendations.vocabulary import Placement
from shop.cart.services import RecOrigin, cart_add_for_visitor, cart_get_for_request, cart_get_or_create_for_request
from shop.http import post_and_redirect_back


def _names(products) -> str:
    names = [f"“{p.name}”" for p in products]
    return names[0] if len(names) == 1 else ", ".join(names[:-1]) + f" and {names[-1]}"


@require_POST
def add_fbt(request):
    """"Add all N to cart" / "Add selected to cart" from "Frequently bought together"."""

    def change(data) -> str:
        anchor, partners, include_anchor = data["anchor"], data["partners"], data["include_anchor"]
        fbt_add_to_cart(
            cart=cart_get_or_create_for_request(request), anchor=anchor, partners=partners, include_anchor=include_anchor,
            placement=data["placement"],
        )
        added = ([anchor] if include_anchor else []) + [p for p, _ in partners]
        return f"Added {_names(added)} to your cart."

    return post_and_redirect_back(request, FbtAddForm(request.POST), change)


@require_POST
def add_recommended(request):
    """One recommended item, with its placement and source recorded on the cart line (when
    the form's signed origin checks out)."""

    def change(data) -> str:
        product = data["product"]
        cart_add_for_visitor(request=request, product=product, origin=data["origin"])
        return f"Added “{product.name}” to your cart."

    return post_and_redirect_back(request, AddRecommendedForm(request.POST), change)


@require_POST
def upgrade_line(request):
    """Swap a cart line to an upgrade offered for it, keeping the quantity."""

    def change(data) -> str:
        upgrade = cart_line_upgrade(
            cart=cart_get_for_request(request), line_id=data["line"], product=data["product"], placement=Placement.CART_UPGRADE
        )
        return f"Upgraded “{upgrade.previous.name}” to “{upgrade.upgrade.name}”."

    return post_and_redirect_back(request, UpgradeSwapForm(request.POST), change)


@require_POST
def add_bundle(request):
    def change(data) -> str:
        bundle, items = bundle_for_cart(bundle_id=data["bundle"])
        bundle_add_to_cart(cart=cart_get_or_create_for_request(request), bundle_items=items, origin=data["origin"])
        return f"Added the “{bundle.name}” bundle to your cart — the saving is applied at checkout."

    return post_and_redirect_back(request, BundleAddForm(request.POST), change)
