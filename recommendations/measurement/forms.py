from django import forms
from django.contrib import admin
from django.contrib.admin.widgets import AutocompleteSelect

from catalog.models import Product

from .models import Event

PERIOD_CHOICES = [(7, "Last 7 days"), (30, "Last 30 days"), (90, "Last 90 days")]


class PeriodForm(forms.Form):
    days = forms.TypedChoiceField(choices=PERIOD_CHOICES, coerce=int, initial=30, required=False)

    def clean_days(self):
        return self.cleaned_data.get("days") or 30


def _product_widget(site):
    # The admin's autocomplete needs a registered model's foreign key to know which search
    # to run; Event.product points at Product, whose admin defines the search.
    return AutocompleteSelect(Event._meta.get_field("product"), site)


class PairForm(forms.Form):
    product_a = forms.ModelChoiceField(queryset=Product.objects.all(), label="Product A")
    product_b = forms.ModelChoiceField(queryset=Product.objects.all(), label="Product B")

    def __init__(self, *args, site=admin.site, **kwargs):
        super().__init__(*args, **kwargs)
        for name in ("product_a", "product_b"):
            field = self.fields[name]
            field.widget = _product_widget(site)
            field.widget.choices = field.choices

    def clean(self):
        cleaned = super().clean()
        a, b = cleaned.get("product_a"), cleaned.get("product_b")
        if a and b and a.pk == b.pk:
            raise forms.ValidationError("Pick two different products.")
        return cleaned
