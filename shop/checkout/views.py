import secrets

from django.contrib import messages
from django.shortcuts import redirect, render
from django.views.decorators.http import require_http_methods, require_POST, require_safe

from shop.accounts.models import MarketingConsent
from shop.accounts.services import marketing_consent_give
from shop.cart.selectors import cart_overview
from shop.cart.services import cart_get_for_request, cart_remember_email
from shop.orders.models import REC_GROUP_SESSION_KEY
from shop.orders.selectors import order_for_idempotency_key
from shop.payments.providers import available_providers
from shop.payments.views import redirect_to_payment

from .forms import CheckoutDetailsForm, PlaceOrderForm
from .services import CheckoutError, order_place

# The details step's answers, kept in the session until the order is placed.
SESSION_DETAILS = "checkout_details"


def _cart_or_redirect(request):
    """The cart overview when it can be checked out; otherwise a redirect to the cart."""
    overview = cart_overview(cart_get_for_request(request))
    if overview.is_empty:
        messages.info(request, "Your cart is empty: add something before checking out.")
        return overview, redirect("cart:detail")
    if overview.problems:
        messages.error(request, "Some items in your cart can't be bought right now. Please fix them to check out.")
        return overview, redirect("cart:detail")
    return overview, None


def _details(request) -> CheckoutDetailsForm | None:
    data = request.session.get(SESSION_DETAILS)
    if not data:
        return None
    form = CheckoutDetailsForm(data)
    return form if form.is_valid() else None


@require_http_methods(["GET", "POST"])
def start(request):
    overview, bounce = _cart_or_redirect(request)
    if bounce:
        return bounce
    if request.method == "POST":
        form = CheckoutDetailsForm(request.POST)
        if form.is_valid():
            request.session[SESSION_DETAILS] = form.cleaned_data
            cart_remember_email(cart=overview.cart, email=form.cleaned_data["email"])
            if form.cleaned_data["marketing_consent"]:
                marketing_consent_give(
                    email=form.cleaned_data["email"], source=MarketingConsent.Source.CHECKOUT, user=request.user
                )
            return redirect("checkout:review")
    else:
        initial = request.session.get(SESSION_DETAILS) or {}
        if request.user.is_authenticated and not initial.get("email"):
            initial = {**initial, "email": request.user.email}
        form = CheckoutDetailsForm(initial=initial)
    return render(request, "checkout/details.html", {"form": form, "overview": overview, "totals": overview.totals})


@require_safe
def review(request):
    overview, bounce = _cart_or_redirect(request)
    if bounce:
        return bounce
    details = _details(request)
    if details is None:
        return redirect("checkout:start")
    form = PlaceOrderForm(
        initial={
            "idempotency_key": secrets.token_urlsafe(24),
            "expected_total": overview.totals.total,
            "seen_adjustments": PlaceOrderForm.encode_adjustments(overview.totals.adjustments),
        }
    )
    return render(request, "checkout/review.html", _review_context(overview, details, form))


def _review_context(overview, details, form):
    return {
        "overview": overview,
        "lines": overview.lines,
        "totals": overview.totals,
        "details": details.cleaned_data,
        "form": form,
        "providers": available_providers(),
    }


@require_POST
def place(request):
    form = PlaceOrderForm(request.POST)
    if not form.is_valid():
        messages.error(request, "Something went wrong with the checkout form. Please check your order and try again.")
        return redirect("checkout:review")
    # A second submit of the same form (a double click, a retry after a timeout) shows the
    # order the first one placed, even though the cart and the details are gone by now.
    already_placed = order_for_idempotency_key(form.cleaned_data["idempotency_key"])
    if already_placed is not None:
        return redirect_to_payment(request, already_placed)
    details = _details(request)
    if details is None:
        messages.error(request, "Please fill in your delivery details first.")
        return redirect("checkout:start")
    cart = cart_get_for_request(request)
    try:
        if cart is None:
            raise CheckoutError("Your cart is empty.", code="empty")
        order = order_place(
            cart=cart,
            email=details.cleaned_data["email"],
            address=details.address(),
            payment_method=form.cleaned_data["payment_method"],
            idempotency_key=form.cleaned_data["idempotency_key"],
            user=request.user,
            rec_group=request.session.get(REC_GROUP_SESSION_KEY, ""),
            expected_total=form.cleaned_data["expected_total"],
            seen_adjustments=form.seen(),
        )
    except CheckoutError as exc:
        for message in exc.messages:
            messages.error(request, message)
        return redirect("checkout:review" if getattr(exc, "code", None) == "price_changed" else "cart:detail")
    request.session.pop(SESSION_DETAILS, None)
    # A card order goes on to Stripe's payment page; a bank transfer to its confirmation.
    return redirect_to_payment(request, order)
