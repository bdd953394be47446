"""Who is calling the API, and which session stands for them.

The pages' rules all read `request.user` and `request.session`: the cart (a customer's by
user, a guest's by session key), the holdout group and the visitor counted by measurement,
the per-visitor rate limits. So the API doesn't reimplement any of them: it decides who the
caller is and puts the right user and session on the request before those run.

1. `Authorization: Bearer <token>` (apps and services acting for a customer): the token's
   user, and the token's own session for the experiment group and the visitor, so a token
   client is one visitor as a browser is. No CSRF: a browser never adds this header by
   itself. Cookies and `X-Session-Token` are ignored.
2. `X-Session-Token: <key>` (a guest in an app that keeps no cookies): that session, as if it
   were the cookie; its cart is the guest's cart. No CSRF, for the same reason. An unknown
   or expired key is refused, so a client never silently loses its cart.
3. The session cookie (the shop's own pages' scripts): exactly as on the pages, signed-in
   customer included; every write needs the CSRF token (`X-CSRFToken`).
4. None of these: a new visitor. A session is made only if the request needs one (its
   experiment group is assigned, its first cart add), and is returned in `X-Session-Token`
   for the client to send back, never as a cookie.
"""

import enum
import re
from dataclasses import dataclass
from importlib import import_module

from django.conf import settings
from django.contrib.auth.models import AnonymousUser
from django.middleware.csrf import CsrfViewMiddleware

from .errors import ApiError
from .models import ApiToken
from .tokens import api_token_for_key, api_token_remember_session, api_token_touch

SESSION_TOKEN_HEADER = "X-Session-Token"
# Django's own session keys are 32 lowercase letters and digits.
_SESSION_KEY = re.compile(r"^[a-z0-9]{8,40}$")


class Channel(enum.StrEnum):
    TOKEN = "token"
    SESSION_TOKEN = "session_token"
    COOKIE = "cookie"


@dataclass
class ApiClient:
    channel: Channel
    token: ApiToken | None = None
    # The request's cookie session, set aside while a header session stands in for it.
    cookie_session: object = None


def _session_store():
    return import_module(settings.SESSION_ENGINE).SessionStore


def _named_session(key: str):
    """The live session under `key`, or an ApiError (loaded now, so a bad key is refused
    before anything runs)."""
    key = key.strip()
    session = _session_store()(session_key=key) if _SESSION_KEY.match(key) else None
    if session is not None:
        session.get("_")  # loads it; an unknown or expired key leaves the session without one
    if session is None or session.session_key is None:
        raise ApiError(
            401, "invalid_session_token",
            f"That {SESSION_TOKEN_HEADER} is unknown or has expired: send the request without it to start a new session.",
        )
    return session


def api_client_enter(request) -> ApiClient:
    """Decide who the caller is and put their user and session on the request."""
    authorization = request.headers.get("Authorization", "")
    if authorization:
        scheme, _, key = authorization.partition(" ")
        if scheme.lower() != "bearer" or not key.strip():
            raise ApiError(401, "invalid_authorization", "Send the API token as “Authorization: Bearer <token>”.")
        token = api_token_for_key(key)
        if token is None:
            raise ApiError(401, "invalid_token", "That API token is unknown, expired or revoked.")
        api_token_touch(token=token)
        client = ApiClient(channel=Channel.TOKEN, token=token, cookie_session=request.session)
        request.session = _session_store()(session_key=token.session_key or None)
        request.user = token.user
        return client
    if SESSION_TOKEN_HEADER in request.headers:
        session = _named_session(request.headers[SESSION_TOKEN_HEADER])
    elif settings.SESSION_COOKIE_NAME in request.COOKIES:
        return ApiClient(channel=Channel.COOKIE)
    else:
        session = _session_store()()
    client = ApiClient(channel=Channel.SESSION_TOKEN, cookie_session=request.session)
    request.session = session
    # A header session never signs anyone in: customers use a token.
    request.user = AnonymousUser()
    return client


def api_client_leave(request, response, *, client: ApiClient) -> None:
    """Keep a header session the request changed, tell the client its key, and put the
    cookie session back (untouched, so no cookie is set)."""
    if client.channel is Channel.COOKIE:
        return
    session = request.session
    if session.modified and not session.is_empty() and response.status_code < 500:
        session.save()
    if client.channel is Channel.TOKEN:
        api_token_remember_session(token=client.token, session_key=session.session_key)
    elif session.session_key:
        response[SESSION_TOKEN_HEADER] = session.session_key
    request.session = client.cookie_session


def csrf_refused(request) -> bool:
    """Django's own CSRF check (token and origin), for a cookie client's write: the API's
    views are exempt from the middleware's check, which only cookies need."""
    check = CsrfViewMiddleware(lambda request: None)
    request.csrf_processing_done = False
    check.process_request(request)
    return check.process_view(request, None, (), {}) is not None
