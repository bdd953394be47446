"""A local stand-in for the part of Stripe's API the shop calls, for tests on machines that
can't reach Stripe.

It speaks the wire format the official library speaks (form-encoded requests, Stripe-shaped
JSON answers, idempotency keys, Bearer authentication) for: create / retrieve / expire a
Checkout session, retrieve a PaymentIntent, create a refund. It also serves the "hosted
payment page": a Pay button that completes the session, POSTs the signed
checkout.session.completed event to the shop's webhook, then redirects to the success URL,
as Stripe does. Events are signed with the documented scheme
(`Stripe-Signature: t=<ts>,v1=<hex hmac-sha256(secret, "<ts>.<payload>")>`), so the shop's
real verification code runs.
"""

import hashlib
import hmac
import html
import itertools
import json
import re
import threading
import time
import urllib.request
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qsl, urlsplit


def sign(payload: str, secret: str, timestamp: int | None = None) -> str:
    timestamp = int(time.time()) if timestamp is None else timestamp
    digest = hmac.new(secret.encode(), f"{timestamp}.{payload}".encode(), hashlib.sha256).hexdigest()
    return f"t={timestamp},v1={digest}"


def unflatten(pairs) -> dict:
    """Stripe's form encoding (`line_items[0][price_data][unit_amount]=…`) back into a dict."""
    result: dict = {}
    for key, value in pairs:
        parts = re.findall(r"[^\[\]]+", key)
        node = result
        for part in parts[:-1]:
            node = node.setdefault(part, {})
        if key.endswith("[]"):
            node.setdefault(parts[-1], []).append(value)
        else:
            node[parts[-1]] = value
    return result


class StripeStandIn:
    def __init__(self, *, secret_key: str, webhook_secret: str):
        self.secret_key = secret_key
        self.webhook_secret = webhook_secret
        self.webhook_url = ""
        self.sessions: dict[str, dict] = {}
        self.intents: dict[str, dict] = {}
        self.refunds: dict[str, dict] = {}
        self.requests: list[tuple[str, str]] = []
        self.refund_status = "succeeded"  # what a new refund reports
        self._idempotent: dict[str, tuple[int, dict]] = {}
        self._ids = itertools.count(1)
        self._lock = threading.Lock()
        self.server = ThreadingHTTPServer(("127.0.0.1", 0), self._handler())
        self.server.daemon_threads = True
        self.url = f"http://127.0.0.1:{self.server.server_port}"
        self._thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    def start(self):
        self._thread.start()
        return self

    def stop(self):
        self.server.shutdown()
        self.server.server_close()

    # What a test does by hand ------------------------------------------------------------

    def new_id(self, prefix: str) -> str:
        return f"{prefix}_test_{next(self._ids):06d}"

    def pay(self, session_id: str, *, amount: int | None = None, currency: str | None = None) -> dict:
        """The shopper pays on the hosted page: the session completes (with another amount
        or currency when a test wants a mismatch). Returns the completed session."""
        with self._lock:
            session = self.sessions[session_id]
            intent_id = self.new_id("pi")
            self.intents[intent_id] = {
                "id": intent_id, "object": "payment_intent", "status": "succeeded",
                "amount": amount if amount is not None else session["amount_total"],
                "amount_received": amount if amount is not None else session["amount_total"],
                "currency": currency or session["currency"], "metadata": session["metadata"],
                "last_payment_error": None,
            }
            session.update(status="complete", payment_status="paid", payment_intent=intent_id)
            if amount is not None:
                session["amount_total"] = amount
            if currency is not None:
                session["currency"] = currency
            return dict(session)

    def decline(self, session_id: str) -> None:
        """A card declined on the hosted page: the session stays open, its intent has an error."""
        with self._lock:
            session = self.sessions[session_id]
            intent_id = self.new_id("pi")
            self.intents[intent_id] = {
                "id": intent_id, "object": "payment_intent", "status": "requires_payment_method",
                "amount": session["amount_total"], "currency": session["currency"], "metadata": session["metadata"],
                "last_payment_error": {"code": "card_declined", "message": "Your card was declined."},
            }
            session["payment_intent"] = intent_id

    def expire(self, session_id: str) -> dict:
        with self._lock:
            self.sessions[session_id]["status"] = "expired"
            return dict(self.sessions[session_id])

    def event(self, event_type: str, obj: dict, *, event_id: str | None = None) -> str:
        return json.dumps(
            {
                "id": event_id or self.new_id("evt"),
                "object": "event",
                "api_version": "2025-01-01",
                "created": int(time.time()),
                "livemode": False,
                "type": event_type,
                "data": {"object": obj},
            }
        )

    def signature(self, payload: str, *, secret: str | None = None, timestamp: int | None = None) -> str:
        return sign(payload, secret or self.webhook_secret, timestamp)

    def deliver(self, payload: str) -> int:
        """POST a signed event to the shop's webhook, as Stripe does; the response status."""
        request = urllib.request.Request(
            self.webhook_url, data=payload.encode(), method="POST",
            headers={"Content-Type": "application/json", "Stripe-Signature": self.signature(payload)},
        )
        try:
            with urllib.request.urlopen(request, timeout=30) as response:
                return response.status
        except urllib.error.HTTPError as exc:
            return exc.code

    # The HTTP side ------------------------------------------------------------------------

    def _expanded(self, session: dict, expand: list[str]) -> dict:
        session = dict(session)
        if "payment_intent" in expand and session.get("payment_intent"):
            session["payment_intent"] = self.intents[session["payment_intent"]]
        return session

    def _create_session(self, params: dict) -> tuple[int, dict]:
        items = params.get("line_items", {})
        amount = sum(int(i["price_data"]["unit_amount"]) * int(i.get("quantity", 1)) for i in items.values())
        currency = next(iter(items.values()))["price_data"]["currency"]
        expires_at = int(params["expires_at"])
        if expires_at < time.time() + 30 * 60 - 5:
            return 400, {"error": {"type": "invalid_request_error", "param": "expires_at",
                                   "message": "expires_at must be at least 30 minutes in the future"}}
        session_id = self.new_id("cs")
        session = {
            "id": session_id, "object": "checkout.session", "mode": params.get("mode"),
            "status": "open", "payment_status": "unpaid", "amount_total": amount, "currency": currency,
            "client_reference_id": params.get("client_reference_id"), "customer_email": params.get("customer_email"),
            "metadata": params.get("metadata", {}), "expires_at": expires_at, "payment_intent": None,
            "success_url": params["success_url"], "cancel_url": params["cancel_url"],
            "url": f"{self.url}/pay/{session_id}", "livemode": False,
        }
        self.sessions[session_id] = session
        return 200, session

    def _refund(self, params: dict) -> tuple[int, dict]:
        intent = self.intents.get(params.get("payment_intent", ""))
        if intent is None or intent["status"] != "succeeded":
            return 400, {"error": {"type": "invalid_request_error", "message": "No such payment_intent"}}
        already = sum(r["amount"] for r in self.refunds.values() if r["payment_intent"] == intent["id"])
        amount = int(params.get("amount", intent["amount_received"]))
        if already + amount > intent["amount_received"]:
            return 400, {"error": {"type": "invalid_request_error", "code": "charge_already_refunded",
                                   "message": "Charge has already been refunded."}}
        refund_id = self.new_id("re")
        refund = {"id": refund_id, "object": "refund", "amount": amount, "currency": intent["currency"],
                  "payment_intent": intent["id"], "status": self.refund_status, "metadata": params.get("metadata", {})}
        self.refunds[refund_id] = refund
        return 200, refund

    def api(self, method: str, path: str, params: dict, headers) -> tuple[int, dict]:
        if headers.get("Authorization") != f"Bearer {self.secret_key}":
            return 401, {"error": {"type": "invalid_request_error", "message": "Invalid API Key provided."}}
        key = headers.get("Idempotency-Key")
        with self._lock:
            self.requests.append((method, path))
            if method == "POST" and key and key in self._idempotent:
                return self._idempotent[key]
            answer = self._route(method, path, params)
            if method == "POST" and key and answer[0] < 500:
                self._idempotent[key] = answer
            return answer

    def _route(self, method, path, params) -> tuple[int, dict]:
        missing = (404, {"error": {"type": "invalid_request_error", "message": f"No such object: {path}"}})
        if method == "POST" and path == "/v1/checkout/sessions":
            return self._create_session(params)
        if match := re.fullmatch(r"/v1/checkout/sessions/([\w]+)(/expire)?", path):
            session = self.sessions.get(match.group(1))
            if session is None:
                return missing
            if match.group(2):
                if session["status"] != "open":
                    return 400, {"error": {"type": "invalid_request_error",
                                           "message": f"Only open sessions can be expired; this one is {session['status']}."}}
                session["status"] = "expired"
            expand = params.get("expand", [])  # expand[0]=… or expand[]=…
            expand = list(expand.values()) if isinstance(expand, dict) else expand if isinstance(expand, list) else [expand]
            return 200, self._expanded(session, expand)
        if match := re.fullmatch(r"/v1/payment_intents/([\w]+)", path):
            intent = self.intents.get(match.group(1))
            return (200, intent) if intent else missing
        if method == "POST" and path == "/v1/refunds":
            return self._refund(params)
        return missing

    def hosted_page(self, session_id: str) -> str:
        session = self.sessions[session_id]
        amount = f"{session['amount_total'] / 100:.2f} {session['currency'].upper()}"
        return f"""<!doctype html><html><head><title>Stand-in Checkout</title></head><body>
<h1>Pay {html.escape(amount)}</h1><p>Session {html.escape(session_id)} ({html.escape(session['status'])})</p>
<form method="post" action="/pay/{session_id}"><button type="submit">Pay</button></form>
<p><a href="{html.escape(session['cancel_url'])}">Back to the shop</a></p></body></html>"""

    def _handler(self):
        standin = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args):
                pass

            def _send(self, status: int, body: bytes, content_type: str, headers=None):
                self.send_response(status)
                self.send_header("Content-Type", content_type)
                self.send_header("Content-Length", str(len(body)))
                for name, value in (headers or {}).items():
                    self.send_header(name, value)
                self.end_headers()
                self.wfile.write(body)

            def _params(self) -> dict:
                query = urlsplit(self.path).query
                length = int(self.headers.get("Content-Length") or 0)
                body = self.rfile.read(length).decode() if length else ""
                return unflatten(parse_qsl(query, keep_blank_values=True) + parse_qsl(body, keep_blank_values=True))

            def do_GET(self):
                path = urlsplit(self.path).path
                if match := re.fullmatch(r"/pay/([\w]+)", path):
                    if match.group(1) not in standin.sessions:
                        return self._send(404, b"no such session", "text/plain")
                    return self._send(200, standin.hosted_page(match.group(1)).encode(), "text/html; charset=utf-8")
                status, answer = standin.api("GET", path, self._params(), self.headers)
                self._send(status, json.dumps(answer).encode(), "application/json", {"Request-Id": "req_standin"})

            def do_POST(self):
                path = urlsplit(self.path).path
                if match := re.fullmatch(r"/pay/([\w]+)", path):
                    self._params()
                    session = standin.pay(match.group(1))
                    standin.deliver(standin.event("checkout.session.completed", session))
                    return self._send(303, b"", "text/plain", {"Location": session["success_url"]})
                status, answer = standin.api("POST", path, self._params(), self.headers)
                self._send(status, json.dumps(answer).encode(), "application/json", {"Request-Id": "req_standin"})

        return Handler
