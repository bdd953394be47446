"""The visitor's cart: read, add, change a quantity, remove, and the recommendation adds
(frequently bought together, a line's upgrade, a bundle).

Each write validates its input with the pages' own form, calls the pages' own service
(same stock rules, same caps, all or nothing) and answers with the whole cart as it now is.
A recommendation add is credited to its placement only with the recommendation's signed
`rec_token` (api.origins); without one it is added all the same. The adds count against
the same rate limits as the pages' "Add to cart" buttons (settings.RATE_LIMITS, by these
URL names).
"""

from ninja import Router, Status

from api import presenters
from api.errors import cart_error, form_error
from api.origins import origin_for_item, placement_for_fbt, upgrade_claim
from api.schemas import BundleAddIn, CartAddIn, CartLineIn, CartOut, ErrorOut, FbtAddIn, UpgradeIn
from recommendations.forms import BundleAddForm, FbtAddForm, UpgradeSwapForm
from recommendations.services import bundle_add_to_cart, bundle_for_cart, cart_line_upgrade, fbt_add_to_cart
from shop.cart.forms import AddToCartForm, RemoveLineForm, UpdateLineForm
from shop.cart.selectors import cart_overview
from shop.cart.services import (
    CartError,
    cart_add_for_visitor,
    cart_get_for_change,
    cart_get_for_request,
    cart_get_or_create_for_request,
    cart_remove_line,
    cart_set_quantity,
)

router = Router(tags=["Cart"])

ERRORS = {400: ErrorOut, 404: ErrorOut, 409: ErrorOut}


def _cart(request) -> dict:
    return presenters.cart(request, cart_overview(cart_get_for_request(request)))


def _valid(form) -> dict:
    if not form.is_valid():
        raise form_error(form)
    return form.cleaned_data


def _change(request, change) -> dict:
    """Run a cart change; a refusal by the cart's rules is an error with nothing changed."""
    try:
        change()
    except CartError as error:
        raise cart_error(error) from None
    return _cart(request)


@router.get("/cart", response=CartOut, url_name="cart")
def cart(request):
    """The visitor's cart (empty when they have none), with the totals the checkout charges."""
    return _cart(request)


@router.post("/cart/items", response={201: CartOut, **ERRORS}, url_name="cart-add")
def cart_add(request, data: CartAddIn):
    """Add a product (to the line already there, if any). The first add makes the cart."""
    cleaned = _valid(AddToCartForm({"product": data.product, "quantity": data.quantity}))
    product = cleaned["product"]
    origin = origin_for_item(data.rec_token, product=product)
    return Status(
        201,
        _change(
            request,
            lambda: cart_add_for_visitor(request=request, product=product, quantity=cleaned["quantity"], origin=origin),
        ),
    )


@router.patch("/cart/items/{int:line_id}", response={200: CartOut, **ERRORS}, url_name="cart-line")
def cart_line_update(request, line_id: int, data: CartLineIn):
    """Set a line's quantity."""
    cleaned = _valid(UpdateLineForm({"line": line_id, "quantity": data.quantity}))
    return _change(
        request, lambda: cart_set_quantity(cart=cart_get_for_change(request), line_id=cleaned["line"], quantity=cleaned["quantity"])
    )


@router.delete("/cart/items/{int:line_id}", response={200: CartOut, **ERRORS}, url_name="cart-line-remove")
def cart_line_remove(request, line_id: int):
    """Remove a line."""
    cleaned = _valid(RemoveLineForm({"line": line_id}))
    return _change(request, lambda: cart_remove_line(cart=cart_get_for_change(request), line_id=cleaned["line"]))


@router.post("/cart/fbt", response={201: CartOut, **ERRORS}, url_name="cart-add-fbt")
def cart_add_fbt(request, data: FbtAddIn):
    """“Add all / selected to cart” from frequently bought together: the anchor (if listed)
    and the items offered with it, one of each, all or nothing."""
    cleaned = _valid(FbtAddForm({"anchor": data.anchor, "products": data.products, "mode": "selected"}))
    anchor, partners = cleaned["anchor"], cleaned["partners"]
    placement = placement_for_fbt(data.rec_token, anchor=anchor, partners=partners)

    def change():
        fbt_add_to_cart(
            cart=cart_get_or_create_for_request(request), anchor=anchor, partners=partners,
            include_anchor=cleaned["include_anchor"], placement=placement,
        )

    return Status(201, _change(request, change))


@router.post("/cart/upgrades", response={200: CartOut, **ERRORS}, url_name="cart-upgrade-line")
def cart_upgrade_line(request, data: UpgradeIn):
    """Swap a line to an upgrade offered for it, keeping the quantity as far as stock allows."""
    cleaned = _valid(UpgradeSwapForm({"line": data.line, "product": data.product}))
    placement, offered_for = upgrade_claim(data.rec_token, product=cleaned["product"]) or (None, None)
    return _change(
        request,
        lambda: cart_line_upgrade(
            cart=cart_get_for_request(request), line_id=cleaned["line"], product=cleaned["product"],
            placement=placement, offered_for=offered_for,
        ),
    )


@router.post("/cart/bundles", response={201: CartOut, **ERRORS}, url_name="cart-add-bundle")
def cart_add_bundle(request, data: BundleAddIn):
    """Add a whole bundle (its saving is applied to the cart's totals)."""
    cleaned = _valid(BundleAddForm({"bundle": data.bundle, "rec_origin": data.rec_token or ""}))

    def change():
        _, items = bundle_for_cart(bundle_id=cleaned["bundle"])
        bundle_add_to_cart(cart=cart_get_or_create_for_request(request), bundle_items=items, origin=cleaned["origin"])

    return Status(201, _change(request, change))
