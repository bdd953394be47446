import pytest

from recommendations.caching import invalidate_cache_generation
from tests.recommendations.conftest import publish_pairs

BROWSER_UA = "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0 Safari/537.36"


@pytest.fixture
def publish():
    return publish_pairs


@pytest.fixture(autouse=True)
def _fresh_generation():
    """The process memo of the cache generation starts empty in every test."""
    invalidate_cache_generation()
    yield
    invalidate_cache_generation()


@pytest.fixture
def shopper(client):
    """A test client that looks like a browser (a request without a user agent is a bot)."""
    client.defaults["HTTP_USER_AGENT"] = BROWSER_UA
    return client
