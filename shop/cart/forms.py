"""Cart forms: they validate the shape of what was posted; the services enforce stock rules.

Only ids and quantities are read from a request; a posted price or total is never a field,
so it is ignored.
"""

from django import forms
from django.conf import settings

from catalog.models import Product
from shop.addons.models import Service

from .origin import FIELD as REC_ORIGIN_FIELD
from .origin import rec_origin_for_product
from .services import RecOrigin

SERVICE_ERRORS = {
    "invalid_choice": "That service isn't offered.",
    "invalid_pk_value": "That service isn't offered.",
    "required": "Please choose a service.",
}


class QuantityField(forms.IntegerField):
    def __init__(self, **kwargs):
        kwargs.setdefault("min_value", 1)
        kwargs.setdefault("max_value", settings.MAX_LINE_QUANTITY)
        kwargs.setdefault(
            "error_messages",
            {
                "invalid": "Please enter a whole number.",
                "min_value": "Please choose a quantity of at least 1.",
                "max_value": f"You can buy at most {settings.MAX_LINE_QUANTITY} at a time.",
                "required": "Please enter a quantity.",
            },
        )
        super().__init__(**kwargs)


class AddToCartForm(forms.Form):
    product = forms.ModelChoiceField(
        queryset=Product.objects.select_related("category"),
        error_messages={"invalid_choice": "That product doesn't exist.", "required": "Please choose a product."},
    )
    quantity = QuantityField(initial=1)
    # The service add-ons ticked beside the button; whether each is offered with the product
    # is the service's call (shop.cart.line_services).
    services = forms.ModelMultipleChoiceField(
        queryset=Service.objects.all(),
        required=False,
        error_messages={**SERVICE_ERRORS, "invalid_list": "That service isn't offered."},
    )

    # The signed rec_origin field (origin.py) is not a form field: attribution is a
    # nice-to-have, so a missing or bad one is dropped instead of stopping the shopper with
    # an error. Call after is_valid().
    def origin(self) -> RecOrigin | None:
        product = self.cleaned_data.get("product")
        if product is None:
            return None
        return rec_origin_for_product(self.data.get(REC_ORIGIN_FIELD, ""), product_id=product.pk)


class UpdateLineForm(forms.Form):
    line = forms.IntegerField(min_value=1, error_messages={"invalid": "That item is not in your cart."})
    quantity = QuantityField()


class RemoveLineForm(forms.Form):
    line = forms.IntegerField(min_value=1, error_messages={"invalid": "That item is not in your cart."})


class LineServiceForm(forms.Form):
    """A service add-on taken with (or given back from) one of the cart's lines. `rec_placement`
    (where it was offered) is read by the view, not a field: a bad value is dropped, not refused."""

    line = forms.IntegerField(min_value=1, error_messages={"invalid": "That item is not in your cart."})
    service = forms.ModelChoiceField(queryset=Service.objects.all(), error_messages=SERVICE_ERRORS)
