"""The API object: version 1, its routers, its error handlers and the OpenAPI document
(`/api/v1/openapi.json`, browsable at `/api/v1/docs`).

Who the caller is has been decided before any of this runs (`api.middleware`), so the
operations declare no auth of their own; the schema documents the three ways in.
"""

import json

from django.conf import settings
from django.http import Http404
from ninja import NinjaAPI
from ninja.errors import HttpError, ValidationError
from ninja.openapi.docs import Swagger, render_template

from .clients import SESSION_TOKEN_HEADER
from .errors import ApiError, error_body, validation_error
from .routers import cart, catalog, recommendations

DESCRIPTION = f"""
Tandem's catalog, cart and recommendations for a headless front end or a mobile app: the
same rules, prices, stock and recommendations as the shop's pages.

**Who is calling** (one of):

- `Authorization: Bearer <token>`: a customer's API token (staff create them in the admin).
- `{SESSION_TOKEN_HEADER}: <token>`: a guest. Any answer may carry a new `{SESSION_TOKEN_HEADER}`:
  keep the latest and send it back. It holds the guest's visitor and experiment group from the
  first answer, and their cart from the first add on.
- The shop's own cookies, for the shop's own pages: writes need the `X-CSRFToken` header.
- Nothing: a new guest.

**Errors** are JSON: `{{"code": "...", "message": "...", "fields": [...]}}`, and a refused request
changes nothing. Adds to the cart share the pages' rate limits (429 with `Retry-After`).

**Money** is a string with two decimals, in {settings.CURRENCY}.

**Recommendations** carry a `token`: send it to `POST /recommendations/clicks` when the shopper
opens the item, and as `rec_token` when they add it (a bundle offer's with the bundle), so the
shop knows what worked. An add without a valid token (or with one older than 7 days) goes
through, credited to no recommendation.
"""

SECURITY_SCHEMES = {
    "bearerAuth": {"type": "http", "scheme": "bearer", "description": "A customer's API token."},
    "sessionToken": {
        "type": "apiKey", "in": "header", "name": SESSION_TOKEN_HEADER,
        "description": "A guest: the latest token an answer gave (the visitor, then the session with the cart).",
    },
    "sessionCookie": {
        "type": "apiKey", "in": "cookie", "name": settings.SESSION_COOKIE_NAME,
        "description": "The shop's own pages (a first visit has the CSRF and visitor cookies, and no session until it "
        "needs one); writes need the X-CSRFToken header.",
    },
}


class SwaggerWithCsrf(Swagger):
    """The docs page's “Try it out” sends the CSRF token: in a browser it goes with the
    session cookie, whose writes need it (Ninja adds it only for its own cookie auth)."""

    def render_page(self, request, api, **kwargs):
        self.settings["url"] = self.get_openapi_url(api, kwargs)
        context = {"swagger_settings": json.dumps(self.settings, indent=1), "api": api, "add_csrf": True}
        return render_template(request, self.template, self.template_cdn, context)


class TandemAPI(NinjaAPI):
    def get_openapi_schema(self, *, path_prefix=None, path_params=None):
        schema = super().get_openapi_schema(path_prefix=path_prefix, path_params=path_params)
        schema["components"]["securitySchemes"] = SECURITY_SCHEMES
        # Any one of them, or none (a new guest).
        schema["security"] = [{name: []} for name in SECURITY_SCHEMES] + [{}]
        return schema


api = TandemAPI(title="Tandem API", version="1", description=DESCRIPTION, urls_namespace="api-v1", docs=SwaggerWithCsrf())
api.add_router("", catalog.router)
api.add_router("", cart.router)
api.add_router("", recommendations.router)


def _error(request, status: int, code: str, message: str, fields=()):
    return api.create_response(request, error_body(code, message, fields), status=status)


@api.exception_handler(ApiError)
def on_api_error(request, error: ApiError):
    return _error(request, error.status, error.code, error.message, error.fields)


@api.exception_handler(ValidationError)
def on_validation_error(request, error: ValidationError):
    refusal = validation_error(error.errors)
    return _error(request, refusal.status, refusal.code, refusal.message, refusal.fields)


@api.exception_handler(Http404)
def on_not_found(request, error: Http404):
    return _error(request, 404, "not_found", str(error) or "Not found.")


@api.exception_handler(HttpError)
def on_http_error(request, error: HttpError):
    if error.status_code == 400 and error.message.startswith("Cannot parse request body"):
        return _error(request, 400, "invalid_json", "The request body isn't valid JSON.")
    return _error(request, error.status_code, "error", error.message)


@api.exception_handler(Exception)
def on_exception(request, error: Exception):
    # Django's handler500 answers (and logs); the middleware turns its page into JSON.
    raise error
