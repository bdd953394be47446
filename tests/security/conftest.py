from types import SimpleNamespace

import django_ratelimit.core
import pytest

# A moment well inside one window of every rate used here (windows end at a per-key offset
# within the period, so a real clock could cross one mid-test).
FROZEN_NOW = 1_800_000_000.0


@pytest.fixture
def frozen_window(monkeypatch):
    """The rate limiter's clock stands still: every request of the test falls in one window."""
    clock = SimpleNamespace(now=FROZEN_NOW)
    monkeypatch.setattr(django_ratelimit.core, "time", SimpleNamespace(time=lambda: clock.now))
    return clock


@pytest.fixture
def small_limits(settings, frozen_window):
    """Rates small enough to reach in a test; the views are the real settings'."""
    limits = {name: dict(rule) for name, rule in settings.RATE_LIMITS.items()}
    limits["cart_add"].update(ip="5/m", session="3/m")
    limits["checkout_place"].update(ip="4/h", session="2/h")
    limits["signup"].update(ip="2/h", session="2/h")
    limits["password_reset"].update(ip="10/h", session="10/h", email="3/h")
    settings.RATE_LIMITS = limits
    return limits
