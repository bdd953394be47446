"""The "explain a pair" form: two products picked with the admin's autocomplete."""

from django import forms
from django.contrib import admin
from django.contrib.admin.widgets import AutocompleteSelect

from catalog.models import Product
from shop.orders.models import OrderLine


def _product_widget(site):
    # The admin's autocomplete needs a model's foreign key to know which search to run:
    # the order line's product, the rows the statistics are counted from, points at
    # Product, whose admin defines the search.
    return AutocompleteSelect(OrderLine._meta.get_field("product"), site)


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
