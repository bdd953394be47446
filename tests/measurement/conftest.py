import pytest

HOLDOUT = "recommendations.measurement.middleware.HoldoutMiddleware"
BROWSER_UA = "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0 Safari/537.36"


@pytest.fixture(autouse=True)
def _holdout_middleware(settings):
    """The lead installs HoldoutMiddleware after AuthenticationMiddleware; until then (and
    whatever happens to the list) these tests run with it in that place."""
    middleware = [m for m in settings.MIDDLEWARE if m != HOLDOUT]
    middleware.insert(middleware.index("django.contrib.auth.middleware.AuthenticationMiddleware") + 1, HOLDOUT)
    settings.MIDDLEWARE = middleware


@pytest.fixture
def shopper(client):
    """A test client that looks like a browser (a request without a user agent is a bot)."""
    client.defaults["HTTP_USER_AGENT"] = BROWSER_UA
    return client


DETAILS = {
    "email": "ada@example.com",
    "name": "Ada Shopper",
    "line1": "1 High Street",
    "city": "Leeds",
    "postcode": "LS1 1AA",
    "country": "United Kingdom",
}


def checkout_through_pages(client, **details):
    """Details, review, place: the shopper's own way through the checkout pages."""
    response = client.post("/checkout/", {**DETAILS, **details})
    assert response.status_code == 302, response.content[:500]
    review = client.get("/checkout/review/")
    initial = review.context["form"].initial
    return client.post(
        "/checkout/place/",
        {
            "idempotency_key": initial["idempotency_key"],
            "expected_total": initial["expected_total"],
            "payment_method": "bank_transfer",
        },
    )
