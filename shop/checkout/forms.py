import re

from django import forms

from shop.payments.providers import payment_choices
from shop.security.text import (
    ADDRESS_LINE_MAX_LENGTH,
    CITY_MAX_LENGTH,
    NAME_MAX_LENGTH,
    PersonNameField,
    SingleLineField,
)

from .services import ShippingAddress

COUNTRIES = [
    ("United Kingdom", "United Kingdom"),
    ("Ireland", "Ireland"),
    ("France", "France"),
    ("Germany", "Germany"),
    ("Netherlands", "Netherlands"),
    ("Belgium", "Belgium"),
    ("Spain", "Spain"),
]

# Outward code (area, district) and inward code (sector, unit); GIR 0AA is Girobank's.
UK_POSTCODE = re.compile(r"^(GIR ?0AA|[A-Z]{1,2}[0-9][A-Z0-9]? ?[0-9][A-Z]{2})$")
ADJUSTMENT_CODE = re.compile(r"[a-z]+:[A-Za-z0-9_-]{1,40}")
PHONE = re.compile(r"^\+?[0-9 ()-]{6,30}$")


def normalise_uk_postcode(value: str) -> str:
    compact = re.sub(r"\s+", "", value).upper()
    return f"{compact[:-3]} {compact[-3:]}"


class CheckoutDetailsForm(forms.Form):
    email = forms.EmailField(
        label="Email",
        help_text="For your order confirmation and delivery updates.",
        widget=forms.EmailInput(attrs={"autocomplete": "email"}),
    )
    # The confirmation e-mail quotes these: one line each, capped, no links (shop.security.text).
    name = PersonNameField(
        label="Full name", max_length=NAME_MAX_LENGTH, widget=forms.TextInput(attrs={"autocomplete": "name"})
    )
    line1 = SingleLineField(
        label="Address line 1",
        max_length=ADDRESS_LINE_MAX_LENGTH,
        widget=forms.TextInput(attrs={"autocomplete": "address-line1"}),
    )
    line2 = SingleLineField(
        label="Address line 2",
        max_length=ADDRESS_LINE_MAX_LENGTH,
        required=False,
        widget=forms.TextInput(attrs={"autocomplete": "address-line2"}),
    )
    city = SingleLineField(
        label="Town or city", max_length=CITY_MAX_LENGTH, widget=forms.TextInput(attrs={"autocomplete": "address-level2"})
    )
    postcode = forms.CharField(
        label="Postcode", max_length=20, widget=forms.TextInput(attrs={"autocomplete": "postal-code"})
    )
    country = forms.ChoiceField(choices=COUNTRIES, initial="United Kingdom")
    phone = forms.CharField(
        label="Phone",
        max_length=30,
        required=False,
        help_text="Only used if the courier can't find you.",
        widget=forms.TextInput(attrs={"autocomplete": "tel", "type": "tel"}),
    )
    # Unticked unless the shopper ticks it: marketing e-mail needs their say-so.
    marketing_consent = forms.BooleanField(
        label="E-mail me now and then about things that go with what I buy",
        required=False,
        initial=False,
        help_text="At most a note after delivery and a reminder of a cart left behind; unsubscribe from any e-mail.",
    )

    def clean_phone(self):
        phone = self.cleaned_data["phone"].strip()
        if phone and not PHONE.match(phone):
            raise forms.ValidationError("Please enter a phone number using digits, spaces and + only.")
        return phone

    def clean(self):
        cleaned = super().clean()
        postcode = (cleaned.get("postcode") or "").strip().upper()
        if cleaned.get("country") == "United Kingdom" and postcode:
            if not UK_POSTCODE.match(re.sub(r"\s+", " ", postcode)):
                self.add_error("postcode", "Please enter a valid UK postcode, like SW1A 1AA.")
            else:
                cleaned["postcode"] = normalise_uk_postcode(postcode)
        return cleaned

    def address(self) -> ShippingAddress:
        data = self.cleaned_data
        return ShippingAddress(
            name=data["name"],
            line1=data["line1"],
            line2=data["line2"],
            city=data["city"],
            postcode=data["postcode"],
            country=data["country"],
            phone=data["phone"],
        )


class PlaceOrderForm(forms.Form):
    # A one-time token written into the review page: the same form posted twice finds the
    # order the first post placed.
    idempotency_key = forms.RegexField(regex=r"^[A-Za-z0-9_-]{16,64}$", widget=forms.HiddenInput)
    # The total the shopper saw; compared with the fresh total, never used as a price.
    expected_total = forms.DecimalField(max_digits=12, decimal_places=2, widget=forms.HiddenInput)
    payment_method = forms.ChoiceField(choices=payment_choices, widget=forms.RadioSelect, initial="bank_transfer")
    # The discounts the shopper saw ("deal:12=2,bundle:3=0"): only to say what changed if the
    # total differs at placement, never a price.
    seen_adjustments = forms.RegexField(
        regex=r"^([a-z]+:[A-Za-z0-9_-]{1,40}=[0-9]{1,9})?(,[a-z]+:[A-Za-z0-9_-]{1,40}=[0-9]{1,9}){0,200}$",
        required=False,
        max_length=12000,
        widget=forms.HiddenInput,
    )

    @staticmethod
    def encode_adjustments(adjustments) -> str:
        return ",".join(f"{adj.code}={adj.units}" for adj in adjustments if ADJUSTMENT_CODE.fullmatch(adj.code))

    def seen(self) -> dict[str, int]:
        value = self.cleaned_data.get("seen_adjustments") or ""
        return {code: int(units) for code, _, units in (part.rpartition("=") for part in value.split(",") if part)}
