import json
from importlib import import_module

import pytest
from django.conf import settings
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from api.tokens import api_token_create
from recommendations.caching import invalidate_cache_generation
from tests.factories import UserFactory
from tests.recommendations.conftest import publish_pairs

API = "/api/v1"
# Measurement counts people, not scripts: a request without a browser-like user agent is a
# bot to the holdout (seen, never counted). An app names itself.
HUMAN = "Mozilla/5.0 (iPhone; CPU iPhone OS 18_0 like Mac OS X) TandemApp/1.0"


class App:
    """A client of the API as a mobile app is one: JSON in and out, no cookies, and it keeps
    the X-Session-Token it is given (or sends its Bearer token)."""

    def __init__(self, *, token: str | None = None, session_token: str | None = None, user_agent: str = HUMAN,
                 ip: str = "198.51.100.9"):
        self.client = Client(HTTP_USER_AGENT=user_agent, REMOTE_ADDR=ip)
        self.token = token
        self.session_token = session_token

    def headers(self) -> dict:
        headers = {}
        if self.token:
            headers["Authorization"] = f"Bearer {self.token}"
        if self.session_token:
            headers["X-Session-Token"] = self.session_token
        return headers

    def request(self, method: str, path: str, data=None):
        self.client.cookies.clear()
        if method == "get":
            response = self.client.get(API + path, data=data, headers=self.headers())
        else:
            body = json.dumps(data) if data is not None else ""
            response = getattr(self.client, method)(API + path, data=body, content_type="application/json", headers=self.headers())
        if "X-Session-Token" in response:
            self.session_token = response["X-Session-Token"]
        return response

    def get(self, path, data=None):
        return self.request("get", path, data)

    def post(self, path, data=None):
        return self.request("post", path, data)

    def patch(self, path, data=None):
        return self.request("patch", path, data)

    def delete(self, path):
        return self.request("delete", path)


def session_with(**values) -> str:
    """A stored session holding `values` (an experiment group, say); returns its key."""
    session = import_module(settings.SESSION_ENGINE).SessionStore()
    session.update(values)
    session.create()
    return session.session_key


def count_queries(call) -> int:
    """Queries of one call in the steady state, as production would see it: made twice
    before, so the caches are warm and the caller is a visitor already counted (a new
    visitor is recorded when they come back, on their second request: see test_auth)."""
    call()
    call()
    with CaptureQueriesContext(connection) as queries:
        response = call()
    assert response.status_code < 300, response.content
    return len(queries)


@pytest.fixture
def app():
    return App()


@pytest.fixture
def customer():
    return UserFactory(username="ada", email="ada@example.com")


@pytest.fixture
def customer_app(customer):
    return App(token=api_token_create(user=customer, name="Ada's phone").key)


@pytest.fixture
def publish():
    return publish_pairs


@pytest.fixture(autouse=True)
def _fresh_generation():
    """The process memo of the cache generation starts empty in every test."""
    invalidate_cache_generation()
    yield
    invalidate_cache_generation()
