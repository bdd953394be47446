from django import forms
from django.views.decorators.http import require_POST

from shop.cart.services import cart_get_for_request
from shop.http import post_and_redirect_back

from .services import cart_voucher_apply, cart_voucher_remove
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
