from django import forms
from django.contrib.auth.decorators import login_required
from django.shortcuts import render
from django.views.decorators.http import require_POST, require_safe

from shop.cart.services import cart_get_for_request
from shop.http import post_and_redirect_back

from .points import offer_settings, points_balance, points_history, points_value
from .services import cart_points_set, cart_voucher_apply, cart_voucher_remove
from .vouchers import CODE_MAX_LENGTH


class VoucherForm(forms.Form):
    code = forms.CharField(max_length=CODE_MAX_LENGTH, strip=True, error_messages={"required": "Please enter a code."})


@require_POST
def voucher_apply(request):
    def change(data) -> str:
        applied = cart_voucher_apply(cart=cart_get_for_request(request), code=data["code"])
        return f"{applied.label} applied: −£{applied.amount}."

    return post_and_redirect_back(request, VoucherForm(request.POST), change)


@require_POST
def voucher_remove(request):
    def change(data) -> str:
        return f"Removed the code {cart_voucher_remove(cart=cart_get_for_request(request))}."

    return post_and_redirect_back(request, forms.Form(request.POST), change)


class PointsForm(forms.Form):
    points = forms.IntegerField(min_value=0, max_value=10_000_000)


@require_POST
@login_required
def points_apply(request):
    def change(data) -> str:
        points = cart_points_set(cart=cart_get_for_request(request), user=request.user, points=data["points"])
        return f"Using {points} points on this order." if points else "Not using points on this order."

    return post_and_redirect_back(request, PointsForm(request.POST), change)


@require_safe
@login_required
def points_account(request):
    balance = points_balance(user_id=request.user.pk)
    return render(
        request,
        "offers/points.html",
        {
            "balance": balance,
            "worth": points_value(max(balance, 0)),
            "entries": points_history(user_id=request.user.pk),
            "tuning": offer_settings(),
        },
    )
