import pytest
from celery._state import _set_task_join_will_block


@pytest.fixture(autouse=True)
def _media_root(settings, tmp_path):
    """Every test writes uploads into its own temporary folder."""
    settings.MEDIA_ROOT = tmp_path / "media"


@pytest.fixture(autouse=True)
def _clear_cache():
    from django.core.cache import cache

    cache.clear()
    yield
    cache.clear()


@pytest.fixture(autouse=True)
def _nobody_held_out_unless_asked(settings):
    """A test's visitor is never randomly put in the holdout group (10% of real visitors
    are); the holdout tests set the share they are about."""
    settings.RECOMMENDATIONS_HOLDOUT_SHARE = 0.0


@pytest.fixture
def stripe_standin(settings):
    """Card payments on, pointed at a local Stripe stand-in (tests/payments/standin.py)."""
    from tests.payments.standin import StripeStandIn

    standin = StripeStandIn(secret_key="sk_test_standin", webhook_secret="whsec_test_standin").start()
    settings.STRIPE_SECRET_KEY = standin.secret_key
    settings.STRIPE_PUBLISHABLE_KEY = "pk_test_standin"
    settings.STRIPE_WEBHOOK_SECRET = standin.webhook_secret
    settings.STRIPE_API_BASE = standin.url
    settings.STRIPE_MAX_NETWORK_RETRIES = 0
    yield standin
    standin.stop()


@pytest.fixture(autouse=True)
def _celery_may_join_results():
    """Celery's eager mode sets a process-wide "joining would block" flag around each task
    and puts back what it found; tasks run eagerly on several threads at once (the race
    tests) can leave it set, and every later result.get() then refuses to wait."""
    yield
    _set_task_join_will_block(False)
