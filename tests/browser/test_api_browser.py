"""The shop's own page calls the JSON API in a real browser, with its cookies and the CSRF
token, and the cart page shows what the API added."""

import json

import pytest
from playwright.sync_api import expect

from tests.factories import ProductFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

# Headless Chromium names itself in its user agent, and the shop treats it as a bot (no
# session); a shopper's browser doesn't.
BROWSER_UA = "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0 Safari/537.36"

ADD = """async ([productId, csrf]) => {
  const response = await fetch("/api/v1/cart/items", {
    method: "POST",
    headers: {"Content-Type": "application/json", ...(csrf ? {"X-CSRFToken": csrf} : {})},
    body: JSON.stringify({product: productId, quantity: 2}),
  });
  return [response.status, await response.text()];
}"""


def test_a_script_on_the_product_page_adds_to_the_cart_through_the_api(browser, live_server):
    # given a shopper on a product page (it sets the CSRF and visitor cookies; no session yet)
    kettle = ProductFactory(name="Enamel Kettle")
    page = browser.new_context(user_agent=BROWSER_UA).new_page()
    page.goto(live_server.url + kettle.get_absolute_url())
    csrf = next(cookie["value"] for cookie in page.context.cookies() if cookie["name"] == "csrftoken")

    # when a script posts without the CSRF token, then with it
    refused_status, refused_body = page.evaluate(ADD, [kettle.pk, None])
    status, body = page.evaluate(ADD, [kettle.pk, csrf])

    # then the first is refused in JSON and the second opens the browser's own session and
    # fills its cart
    assert refused_status == 403 and json.loads(refused_body)["code"] == "csrf_failed"
    assert status == 201 and json.loads(body)["item_count"] == 2
    assert "sessionid" in {cookie["name"] for cookie in page.context.cookies()}
    page.goto(live_server.url + "/cart/")
    expect(page.locator(".cart-main")).to_contain_text("Enamel Kettle")
