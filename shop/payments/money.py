"""Amounts as payment providers count them: integers in the currency's minor units."""

from decimal import ROUND_HALF_UP, Decimal

# ISO 4217 currencies without minor units that Stripe accepts (GBP, EUR, USD have two).
ZERO_DECIMAL = {"BIF", "CLP", "DJF", "GNF", "JPY", "KMF", "KRW", "MGA", "PYG", "RWF", "UGX", "VND", "VUV", "XAF", "XOF", "XPF"}


def to_minor_units(amount: Decimal, currency: str) -> int:
    exponent = 0 if currency.upper() in ZERO_DECIMAL else 2
    return int((amount * (10**exponent)).quantize(Decimal("1"), rounding=ROUND_HALF_UP))


def from_minor_units(amount: int, currency: str) -> Decimal:
    exponent = 0 if currency.upper() in ZERO_DECIMAL else 2
    return (Decimal(amount) / (10**exponent)).quantize(Decimal("1") if exponent == 0 else Decimal("0.01"))
