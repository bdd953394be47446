"""A shopper for the fault check: one cookie jar (session, CSRF), forms posted as a browser
posts them, redirects not followed (where a form sends the shopper is the answer)."""

import http.cookiejar
import re
import time
import urllib.error
import urllib.parse
import urllib.request
from dataclasses import dataclass

USER_AGENT = "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0 Safari/537.36"
TIMEOUT_SECONDS = 60
CONFIRMATION = "/orders/confirmation/"
DETAILS = {
    "email": "buyer@fault-check.example",
    "name": "Fault Checker",
    "line1": "1 Test Street",
    "city": "Leeds",
    "postcode": "LS1 1AA",
    "country": "United Kingdom",
}


class _NoRedirects(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):
        return None


@dataclass(frozen=True)
class Answer:
    status: int  # 0: no answer (connection refused or reset, timeout)
    location: str
    body: str
    seconds: float

    @property
    def ok(self) -> bool:
        return 200 <= self.status < 400


class Browser:
    def __init__(self, base: str):
        self.base = base
        self.cookies = http.cookiejar.CookieJar()
        self.opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(self.cookies), _NoRedirects())

    def request(self, path: str, data: dict | None = None) -> Answer:
        body = None
        if data is not None:
            body = urllib.parse.urlencode({**data, "csrfmiddlewaretoken": self.cookie("csrftoken")}).encode()
        request = urllib.request.Request(
            self.base + path, data=body, headers={"User-Agent": USER_AGENT, "Referer": self.base + path}
        )
        started = time.monotonic()
        try:
            with self.opener.open(request, timeout=TIMEOUT_SECONDS) as response:
                return Answer(response.status, response.headers.get("Location", ""), response.read().decode(),
                              time.monotonic() - started)
        except urllib.error.HTTPError as error:
            return Answer(error.code, error.headers.get("Location", ""), error.read().decode(errors="replace"),
                          time.monotonic() - started)
        except OSError:
            return Answer(0, "", "", time.monotonic() - started)

    def get(self, path: str) -> Answer:
        return self.request(path)

    def post(self, path: str, data: dict) -> Answer:
        return self.request(path, data)

    def cookie(self, name: str) -> str:
        return next((cookie.value for cookie in self.cookies if cookie.name == name), "")

    # The shop's own way to an order ----------------------------------------------------

    def fill_cart_and_review(self, product_path: str, product_id: int, *, quantity: int = 1) -> dict:
        """Product page, add to cart, delivery details, review: the place-order form's fields
        as the review page gives them (empty when a step failed)."""
        self.get(product_path)
        self.post("/cart/add/", {"product": product_id, "quantity": quantity})
        self.post("/checkout/", DETAILS)
        review = self.get("/checkout/review/").body
        fields = {name: hidden_value(review, name) for name in ("idempotency_key", "expected_total")}
        if not all(fields.values()):
            return {}
        return {**fields, "payment_method": "bank_transfer"}

    def place(self, form: dict) -> Answer:
        return self.post("/checkout/place/", form)

    def log_in_to_admin(self, username: str, password: str) -> Answer:
        self.get("/admin/login/")
        return self.post("/admin/login/?next=/admin/", {"username": username, "password": password, "next": "/admin/"})


def hidden_value(html: str, name: str) -> str:
    match = re.search(rf'name="{name}" value="([^"]*)"', html) or re.search(rf'value="([^"]*)" name="{name}"', html)
    return match.group(1) if match else ""


def placed(answer: Answer) -> bool:
    """The place-order form answered with the order's confirmation."""
    return answer.status == 302 and CONFIRMATION in answer.location
