"""Forms of the storefront's recommendation POSTs (the curation admin's are in
`recommendations.admin.forms`).

They validate ids; which products may be added is decided by the selectors (what is
actually offered now), and stock rules by the cart's services.
"""

from django import forms
from django.core.exceptions import ValidationError

from catalog.models import Product
from recommendations.selectors.candidates import candidates_for_many
from recommendations.vocabulary import Placement, Source

PRODUCT_ERRORS = {"invalid_choice": "That product doesn't exist.", "required": "Please choose a product."}


class FbtAddForm(forms.Form):
    """"Add all / selected to cart": the anchor plus ticked partners offered with it."""

    anchor = forms.ModelChoiceField(queryset=Product.objects.all(), error_messages=PRODUCT_ERRORS)
    products = forms.ModelMultipleChoiceField(
        queryset=Product.objects.all(),
        required=False,
        error_messages={"invalid_choice": "That product doesn't exist.", "invalid_pk_value": "That product doesn't exist."},
    )
    # Everything the block offered: "Add all" adds these whatever the ticks say, so the
    # button does what it says without JavaScript too.
    offered = forms.ModelMultipleChoiceField(queryset=Product.objects.all(), required=False)
    mode = forms.ChoiceField(choices=[("all", "all"), ("selected", "selected")], required=False)
    rec_placement = forms.ChoiceField(choices=Placement.choices, required=False)

    def clean(self):
        cleaned = super().clean()
        anchor = cleaned.get("anchor")
        products = cleaned.get("offered") if cleaned.get("mode") == "all" else cleaned.get("products")
        if anchor is None or products is None:
            return cleaned
        if not products:
            raise ValidationError("Tick at least one item to add.", code="empty")
        entry = candidates_for_many([anchor.pk]).get(anchor.pk)
        offered = {c.product_id: c.source for c in entry.complements} if entry else {}
        for product in products:
            if product.pk != anchor.pk and product.pk not in offered:
                raise ValidationError(f"“{product.name}” isn't offered with “{anchor.name}”.", code="not_offered")
        cleaned["include_anchor"] = any(p.pk == anchor.pk for p in products)
        cleaned["partners"] = [(p, offered[p.pk]) for p in products if p.pk != anchor.pk]
        return cleaned


class AddRecommendedForm(forms.Form):
    product = forms.ModelChoiceField(queryset=Product.objects.all(), error_messages=PRODUCT_ERRORS)
    rec_placement = forms.ChoiceField(choices=Placement.choices)
    rec_source = forms.ChoiceField(choices=Source.choices)
    rec_anchor = forms.ModelChoiceField(queryset=Product.objects.all(), required=False)


class UpgradeSwapForm(forms.Form):
    line = forms.IntegerField(min_value=1, error_messages={"invalid": "That item is not in your cart."})
    product = forms.ModelChoiceField(queryset=Product.objects.all(), error_messages=PRODUCT_ERRORS)


class BundleAddForm(forms.Form):
    bundle = forms.IntegerField(min_value=1, error_messages={"invalid": "That bundle isn't available."})
    rec_anchor = forms.ModelChoiceField(queryset=Product.objects.all(), required=False)
