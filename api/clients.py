"""Who is calling the API, and which session stands for them.

The pages' rules all read `request.user` and `request.session`: the cart (a customer's by
user, a guest's by session key), the holdout group and the visitor counted by measurement,
the per-visitor rate limits. So the API doesn't reimplement any of them: it decides who the
caller is and puts the right user and session on the request before those run.

1. `Authorization: Bearer <token>` (apps and services acting for a customer): the token's
   user, and the token's own session for the experiment group and the visitor, so a token
   client is one visitor as a browser is. No CSRF: a browser never adds this header by
   itself. Cookies and `X-Session-Token` are ignored.
2. `X-Session-Token: <token>` (a guest in an app that keeps no cookies): what the API gave
   the guest last. Once the guest has a session (their first add to the cart makes it), it
   is the session key, used as if it were the cookie, so its cart is the guest's cart; an
   unknown or expired key is refused, so a client never silently loses its cart. Before
   that it is the guest's signed visitor token (below). No CSRF, for the same reason.
3. A browser of the shop's own pages, known by any of the cookies the pages set (the
   session, the CSRF token, the visitor cookie: a first visit has the last two and no
   session yet): exactly as on the pages, signed-in customer included; every write needs
   the CSRF token (`X-CSRFToken`), and a session the request opens is the browser's cookie.
4. None of these: a new guest. Nothing is written for it until it needs a session (its
   first cart add); the session key is then returned in `X-Session-Token`, never as a cookie.

Header clients get no cookies, so the holdout's visitor cookie
(recommendations.measurement.holdout: the visitor's key and group, signed) travels for them
another way. The holdout sets and reads it as usual; this module moves it between the
response's cookies and the client's session (under SESSION_VISITOR_COOKIE), or, for a guest
without a session, the `X-Session-Token` itself. So an app is one visitor in one group from
its first request, counted as a browser is (when it comes back, or opens a cart), and a
first request writes nothing.
"""

import enum
import re
from dataclasses import dataclass
from importlib import import_module

from django.conf import settings
from django.contrib.auth.models import AnonymousUser
from django.middleware.csrf import CsrfViewMiddleware

from recommendations.measurement.holdout import VISITOR_COOKIE

from .errors import ApiError
from .models import ApiToken
from .tokens import api_token_for_key, api_token_remember_session, api_token_touch

SESSION_TOKEN_HEADER = "X-Session-Token"
# Django's own session keys are 32 lowercase letters and digits; a visitor token has colons.
_SESSION_KEY = re.compile(r"^[a-z0-9]{8,40}$")
# A signed visitor value is well under this; anything longer isn't one of ours.
_VISITOR_TOKEN_MAX_LENGTH = 200
# Where a header client's session keeps the visitor cookie's value: its cookie jar, for
# that one cookie.
SESSION_VISITOR_COOKIE = "api_visitor_cookie"


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
    session = _session_store()(session_key=key)
    session.get("_")  # loads it; an unknown or expired key leaves the session without one
    if session.session_key is None:
        raise ApiError(
            401, "invalid_session_token",
            f"That {SESSION_TOKEN_HEADER} is unknown or has expired: send the request without it to start a new session.",
        )
    return session


def _is_browser(request) -> bool:
    """The request carries a cookie the shop's pages set: a browser, whose scripts call the
    API with its cookies (and so need CSRF)."""
    return any(name in request.COOKIES for name in (settings.SESSION_COOKIE_NAME, settings.CSRF_COOKIE_NAME, VISITOR_COOKIE))


def api_client_enter(request) -> ApiClient:
    """Decide who the caller is and put their user, session and visitor on the request."""
    visitor_token = None
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
        session = _session_store()(session_key=token.session_key or None)
        user = token.user
    else:
        if SESSION_TOKEN_HEADER in request.headers:
            value = request.headers[SESSION_TOKEN_HEADER].strip()
            if _SESSION_KEY.match(value):
                session = _named_session(value)
            else:
                # A guest without a session yet: its token is its signed visitor value (one
                # that doesn't verify is dropped by the holdout, as a stale cookie would be).
                session = _session_store()()
                visitor_token = value if len(value) <= _VISITOR_TOKEN_MAX_LENGTH else None
        elif _is_browser(request):
            return ApiClient(channel=Channel.COOKIE)
        else:
            session = _session_store()()
        client = ApiClient(channel=Channel.SESSION_TOKEN, cookie_session=request.session)
        # A header session never signs anyone in: customers use a token.
        user = AnonymousUser()
    request.session = session
    request.user = user
    # The visitor the holdout reads: the one this client's session (or token) carries, never
    # a cookie's. Reading the session costs nothing more: the holdout reads it anyway.
    request.COOKIES.pop(VISITOR_COOKIE, None)
    visitor = session.get(SESSION_VISITOR_COOKIE) if session.session_key else visitor_token
    if visitor:
        request.COOKIES[VISITOR_COOKIE] = visitor
    return client


def api_client_leave(request, response, *, client: ApiClient) -> None:
    """Keep a header session the request changed, with the visitor cookie the holdout set
    (taken out of the response: a header client gets no cookies); tell the client its key
    (or, with no session yet, its visitor token); put the cookie session back (untouched,
    so no cookie is set)."""
    if client.channel is Channel.COOKIE:
        return
    session = request.session
    new_visitor = response.cookies.pop(VISITOR_COOKIE).value if VISITOR_COOKIE in response.cookies else None
    visitor = new_visitor or request.COOKIES.get(VISITOR_COOKIE)
    # Into a session that is kept anyway (never a new one just for this: a first request
    # writes nothing), and only when it changed.
    if visitor and not session.is_empty() and session.get(SESSION_VISITOR_COOKIE) != visitor:
        session[SESSION_VISITOR_COOKIE] = visitor
    if session.modified and not session.is_empty() and response.status_code < 500:
        session.save()
    if client.channel is Channel.TOKEN:
        api_token_remember_session(token=client.token, session_key=session.session_key)
    elif session.session_key:
        response[SESSION_TOKEN_HEADER] = session.session_key
    elif new_visitor:
        response[SESSION_TOKEN_HEADER] = new_visitor
    request.session = client.cookie_session


def csrf_refused(request) -> bool:
    """Django's own CSRF check (token and origin), for a cookie client's write: the API's
    views are exempt from the middleware's check, which only cookies need."""
    check = CsrfViewMiddleware(lambda request: None)
    request.csrf_processing_done = False
    check.process_request(request)
    return check.process_view(request, None, (), {}) is not None
