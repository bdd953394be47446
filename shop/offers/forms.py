import re

from django import forms

from .models import Deal, Voucher
from .vouchers import normalise_code

VOUCHER_CODE = re.compile(r"[A-Z0-9-]{3,40}")


class DealAdminForm(forms.ModelForm):
    class Meta:
        model = Deal
        fields = ("product", "kind", "deal_price", "percent_off", "starts_at", "ends_at", "quantity_cap")

    def clean(self):
        cleaned = super().clean()
        kind, price, percent = cleaned.get("kind"), cleaned.get("deal_price"), cleaned.get("percent_off")
        product, starts, ends = cleaned.get("product"), cleaned.get("starts_at"), cleaned.get("ends_at")
        if kind == Deal.Kind.PRICE:
            if price is None or price <= 0:
                self.add_error("deal_price", "Give the deal price (more than £0).")
            elif product is not None and price >= product.price:
                self.add_error("deal_price", f"The deal price must be below the product's price (£{product.price}).")
            cleaned["percent_off"] = None
        elif kind == Deal.Kind.PERCENT:
            if percent is None or not 0 < percent <= 90:
                self.add_error("percent_off", "Give a percentage between 1 and 90.")
            cleaned["deal_price"] = None
        if starts and ends and ends <= starts:
            self.add_error("ends_at", "The deal must end after it starts.")
        elif product is not None and starts and ends:
            overlapping = Deal.objects.filter(product=product, starts_at__lt=ends, ends_at__gt=starts)
            if self.instance.pk:
                overlapping = overlapping.exclude(pk=self.instance.pk)
            clash = overlapping.order_by("starts_at").first()
            if clash is not None:
                raise forms.ValidationError(
                    f"{product.name} already has a deal from {clash.starts_at:%d %b %Y %H:%M} "
                    f"to {clash.ends_at:%d %b %Y %H:%M}: one product has one deal at a time."
                )
        return cleaned

    def clean_quantity_cap(self):
        cap = self.cleaned_data.get("quantity_cap")
        if cap is not None and self.instance.pk and cap < self.instance.units_sold:
            raise forms.ValidationError(f"{self.instance.units_sold} units have already sold at the deal price.")
        return cap


class VoucherAdminForm(forms.ModelForm):
    class Meta:
        model = Voucher
        fields = (
            "code", "description", "kind", "value", "minimum_spend", "starts_at", "ends_at",
            "usage_limit", "per_customer_limit", "categories", "customer_email", "is_active",
        )

    def clean_code(self):
        code = normalise_code(self.cleaned_data["code"])
        if not VOUCHER_CODE.fullmatch(code):
            raise forms.ValidationError("Use 3–40 letters, digits and dashes.")
        clash = Voucher.objects.filter(code=code).exclude(pk=self.instance.pk)
        if clash.exists():
            raise forms.ValidationError(f"The code {code} is taken.")
        return code

    def clean(self):
        cleaned = super().clean()
        kind, value = cleaned.get("kind"), cleaned.get("value")
        if value is not None and value <= 0:
            self.add_error("value", "Give a value above 0.")
        elif kind == Voucher.Kind.PERCENT and value is not None and value > 100:
            self.add_error("value", "A percentage is at most 100.")
        starts, ends = cleaned.get("starts_at"), cleaned.get("ends_at")
        if starts and ends and ends <= starts:
            self.add_error("ends_at", "The code must end after it starts.")
        limit = cleaned.get("usage_limit")
        if limit is not None and self.instance.pk and limit < self.instance.times_used:
            self.add_error("usage_limit", f"The code has already been used {self.instance.times_used} times.")
        return cleaned
