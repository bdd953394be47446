from decimal import Decimal

from django.conf import settings


def test_money_settings_are_decimals():
    assert isinstance(settings.FREE_SHIPPING_THRESHOLD, Decimal)
    assert isinstance(settings.SHIPPING_FLAT_RATE, Decimal)
