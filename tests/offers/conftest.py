import pytest


@pytest.fixture(autouse=True)
def _offers_only(settings):
    """The offers' providers in the shop's order, without bundles unless a test adds them."""
    settings.CART_DISCOUNT_PROVIDERS = ["shop.offers.pricing.deal_adjustments", "shop.offers.pricing.voucher_adjustments"]


@pytest.fixture
def staff_client(client):
    from tests.factories import UserFactory

    client.force_login(UserFactory(username="boss", is_staff=True, is_superuser=True))
    return client


@pytest.fixture
def publish():
    from tests.recommendations.conftest import publish_pairs

    return publish_pairs


@pytest.fixture(autouse=True)
def _fresh_generation():
    from recommendations.caching import invalidate_cache_generation

    invalidate_cache_generation()
    yield
    invalidate_cache_generation()


@pytest.fixture
def frozen_window(monkeypatch):
    """The rate limiter's clock stands still: every request of the test falls in one window."""
    from types import SimpleNamespace

    import django_ratelimit.core

    monkeypatch.setattr(django_ratelimit.core, "time", SimpleNamespace(time=lambda: 1_800_000_000.0))
