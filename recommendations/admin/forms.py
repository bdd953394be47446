"""Forms of the curation admin: inline formsets that refuse self-links and duplicates, and
the bundle and exclusion forms (the storefront's forms are in `recommendations.forms`)."""

from decimal import Decimal

from django import forms
from django.conf import settings
from django.core.exceptions import ValidationError

from catalog.models import Product
from recommendations.bundles import bundle_discount_ceiling
from recommendations.models import Bundle, Exclusion


class UniquePairInlineFormSet(forms.BaseInlineFormSet):
    """Inline links product → other: no self-link, no duplicate within the formset (the
    database constraint would otherwise surface as an error page)."""

    target_field = "complement"
    self_message = "A product cannot be linked to itself."

    def clean(self):
        super().clean()
        seen = set()
        for form in self.forms:
            if not hasattr(form, "cleaned_data") or not form.cleaned_data or form.cleaned_data.get("DELETE"):
                continue
            target = form.cleaned_data.get(self.target_field)
            if target is None:
                continue
            if self.instance.pk and target.pk == self.instance.pk:
                form.add_error(self.target_field, self.self_message)
            elif target.pk in seen:
                form.add_error(self.target_field, f"“{target}” is listed twice.")
            seen.add(target.pk)


class ComplementInlineFormSet(UniquePairInlineFormSet):
    target_field = "complement"
    self_message = "A product cannot complement itself."


class UpgradeInlineFormSet(UniquePairInlineFormSet):
    target_field = "upgrade"
    self_message = "A product cannot be an upgrade of itself."


class LadderTierInlineFormSet(forms.BaseInlineFormSet):
    def clean(self):
        super().clean()
        recommended = [
            form for form in self.forms
            if getattr(form, "cleaned_data", None) and not form.cleaned_data.get("DELETE") and form.cleaned_data.get("is_recommended")
        ]
        if len(recommended) > 1:
            raise ValidationError("Only one tier can be marked “Recommended”.", code="two_recommended")


class BundleForm(forms.ModelForm):
    class Meta:
        model = Bundle
        fields = ["name", "discount_type", "discount_value", "is_active"]

    def clean_discount_value(self):
        value = self.cleaned_data["discount_value"]
        if value is not None and value <= 0:
            raise ValidationError("The discount must be more than zero.", code="not_positive")
        return value

    def clean(self):
        cleaned = super().clean()
        limit = settings.BUNDLE_MAX_DISCOUNT_PERCENT
        if cleaned.get("discount_type") == Bundle.DiscountType.PERCENT and (cleaned.get("discount_value") or 0) > limit:
            self.add_error("discount_value", f"A bundle takes at most {limit.normalize():f}% off its set.")
        return cleaned


class BundleItemInlineFormSet(forms.BaseInlineFormSet):
    """At least two distinct products, and an amount discount within the share of the set's
    price a bundle may take (the cart caps it there too if prices fall later)."""

    def clean(self):
        super().clean()
        rows = [
            form.cleaned_data for form in self.forms
            if getattr(form, "cleaned_data", None) and not form.cleaned_data.get("DELETE") and form.cleaned_data.get("product")
        ]
        ids = [row["product"].pk for row in rows]
        if len(set(ids)) != len(ids):
            raise ValidationError("A product is listed twice; change its quantity instead.", code="duplicate")
        if len(rows) < 2:
            raise ValidationError("A bundle needs at least two products.", code="too_few")
        bundle = self.instance
        if bundle.discount_type == Bundle.DiscountType.AMOUNT and bundle.discount_value:
            price = sum((row["product"].price * (row.get("quantity") or 1) for row in rows), Decimal("0"))
            ceiling = bundle_discount_ceiling(price)
            if bundle.discount_value > ceiling:
                limit = settings.BUNDLE_MAX_DISCOUNT_PERCENT.normalize()
                raise ValidationError(
                    f"The discount (£{bundle.discount_value}) can be at most {limit:f}% of the bundle's price "
                    f"(£{price}): £{ceiling} or less.",
                    code="discount_too_large",
                )


class ExclusionForm(forms.ModelForm):
    class Meta:
        model = Exclusion
        fields = ["product_a", "product_b", "note"]

    def clean(self):
        cleaned = super().clean()
        a, b = cleaned.get("product_a"), cleaned.get("product_b")
        if a and b:
            if a.pk == b.pk:
                raise ValidationError("A product cannot be excluded from itself.", code="self")
            low, high = sorted((a.pk, b.pk))
            duplicate = Exclusion.objects.filter(product_a_id=low, product_b_id=high)
            if self.instance.pk:
                duplicate = duplicate.exclude(pk=self.instance.pk)
            if duplicate.exists():
                raise ValidationError("These two products are already excluded from each other.", code="duplicate")
        return cleaned

    def validate_unique(self):
        # The pair is normalised on save; uniqueness is checked in clean() in both orders.
        pass


class SuggestionActionForm(forms.Form):
    """Pin or exclude a pair from the suggestion queue."""

    product = forms.ModelChoiceField(queryset=Product.objects.all())
    partner = forms.ModelChoiceField(queryset=Product.objects.all())
    action = forms.ChoiceField(choices=[("pin", "Pin as complement"), ("exclude", "Exclude")])
