import pytest


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
