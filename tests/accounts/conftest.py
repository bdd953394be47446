import pytest


@pytest.fixture(autouse=True)
def _no_discount_providers(settings):
    """Totals here are the cart's own; discount providers are tested with a fake one."""
    settings.CART_DISCOUNT_PROVIDERS = []
