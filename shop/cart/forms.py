"""Cart forms: they validate the shape of what was posted; the services enforce stock rules.

Only ids and quantities are read from a request; a posted price or total is never a field,
so it is ignored.
"""

from django import forms
from django.conf import settings

from catalog.models import Product

from .origin import FIELD as REC_ORIGIN_FIELD
from .origin import rec_origin_for_product
from .services import RecOrigin


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
