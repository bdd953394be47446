"""Forms of the storefront's recommendation POSTs (the curation admin's are in
`recommendations.admin.forms`).

They validate ids; which products may be added is decided by the selectors (what is
actually offered now), and stock rules by the cart's services. Where a recommendation was
shown comes only from the form's signed `rec_origin` (shop.cart.origin): without a valid
one the add still happens, credited to no recommendation.
"""

from django import forms
from django.core.exceptions import ValidationError

from catalog.models import Product
from recommendations.selectors.candidates import candidates_for_many
from recommendations.vocabulary import Placement, Source
from shop.cart.origin import rec_origin_for_product, rec_origin_verify
from shop.cart.services import RecOrigin

# Where a bundle is offered: the product page, and the JSON API's bundle offer (whose token
# is this same signed origin).
BUNDLE_PLACEMENTS = (Placement.PRODUCT_BUNDLE, Placement.API_PRODUCT_BUNDLE)

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
    rec_origin = forms.CharField(required=False)

    def clean(self):
        cleaned = super().clean()
        anchor = cleaned.get("anchor")
        # The block's signed origin, for this anchor; None (an unsigned, tampered or another
        # page's form): its items are added all the same, credited to nothing.
        signed = rec_origin_verify(cleaned.get("rec_origin"))
        for_anchor = signed is not None and signed.product_id is None and signed.anchor_id == getattr(anchor, "pk", 0)
        cleaned["placement"] = signed.placement if for_anchor and signed.placement in Placement.values else None
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
    rec_origin = forms.CharField(required=False)

    def clean(self):
        cleaned = super().clean()
        product = cleaned.get("product")
        origin = rec_origin_for_product(cleaned.get("rec_origin"), product_id=product.pk) if product else None
        known = origin is not None and origin.placement in Placement.values and origin.source in Source.values
        cleaned["origin"] = origin if known else None
        return cleaned


class UpgradeSwapForm(forms.Form):
    line = forms.IntegerField(min_value=1, error_messages={"invalid": "That item is not in your cart."})
    product = forms.ModelChoiceField(queryset=Product.objects.all(), error_messages=PRODUCT_ERRORS)


class BundleAddForm(forms.Form):
    bundle = forms.IntegerField(min_value=1, error_messages={"invalid": "That bundle isn't available."})
    rec_origin = forms.CharField(required=False)

    def clean(self):
        cleaned = super().clean()
        signed = rec_origin_verify(cleaned.get("rec_origin"))
        if signed is not None and signed.placement in BUNDLE_PLACEMENTS and signed.source == Source.BUNDLE:
            cleaned["origin"] = RecOrigin(placement=signed.placement, source=signed.source, anchor_id=signed.anchor_id)
        else:
            cleaned["origin"] = None
        return cleaned
