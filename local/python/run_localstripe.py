"""Runs localstripe's aiohttp app on 127.0.0.1 only, with its state kept in memory.

localstripe's own `start()` binds every interface and pickles its whole store
to /tmp/localstripe.pickle on every write (slow, and shared between runs).
This runner binds loopback and, unless a save path is given, keeps state in
memory only.

It also completes what localstripe lacks on its side: Stripe's
`Idempotency-Key`. localstripe ignores the header, so a repeated POST (a
checkout taken over after its first request died waiting on Stripe) would
create a second customer or PaymentIntent where Stripe returns the first.
Here, as at Stripe, the first answer (below 500) to a POST with a key is
kept and replayed for the same key (`Idempotent-Replayed: true`); the same
key with other parameters is a 400 `idempotency_error`; concurrent requests
with one key wait for the first.

It completes localstripe's objects too. Stripe always sends some fields that
localstripe leaves out, and typed clients (async-stripe's strict generated
types) refuse an object without them. A response middleware, and the same
filler on every event localstripe sends to a webhook, adds them with the
values Stripe would send (`complete`, one filler per object type; the list
and the reasons are in ARCHITECTURE.md's stand-in table). Requests in the
API version the client speaks that localstripe does not know are translated
(`allowed_payment_method_types` on PaymentIntents).

Usage: python run_localstripe.py PORT [SAVE_PATH]
"""
import asyncio
import hashlib
import json
import logging
import pickle
import sys
from pathlib import Path

from aiohttp import web
from localstripe import resources, server
from localstripe.errors import UserError


def idempotency_middleware():
    done = {}
    locks = {}

    @web.middleware
    async def middleware(request, handler):
        key = request.headers.get("Idempotency-Key")
        if request.method != "POST" or not key:
            return await handler(request)
        scope = (request.headers.get("Authorization", ""), key)
        body = await request.read()
        fingerprint = hashlib.sha256(request.path.encode() + b"\n" + body).hexdigest()
        lock = locks.setdefault(scope, asyncio.Lock())
        async with lock:
            if scope in done:
                seen, status, content_type, payload = done[scope]
                if seen != fingerprint:
                    return web.json_response(
                        {"error": {"type": "idempotency_error",
                                   "message": "Keys for idempotent requests can only be used with the same parameters they were first used with."}},
                        status=400)
                return web.Response(body=payload, status=status, content_type=content_type,
                                    headers={"Idempotent-Replayed": "true"})
            resp = await handler(request)
            if resp.status < 500 and isinstance(resp, web.Response) and resp.body is not None:
                done[scope] = (fingerprint, resp.status, resp.content_type, bytes(resp.body))
            return resp

    return middleware


# --- Completing localstripe's objects -------------------------------------
#
# Each filler adds what Stripe always sends and localstripe omits, with
# Stripe's value. Fillers run on nested objects first, so a parent may
# replace a completed child by its id.

# The API version events are rendered in: Stripe renders an endpoint's events
# in the endpoint's version, which is the version the shop's client speaks
# (the last `Stripe-Version` header seen; localstripe's own is 2017-08-15).
api_version = {"current": None}


def _id_of(value):
    """An expandable field as Stripe sends it unexpanded: the object's id."""
    if isinstance(value, dict) and "id" in value:
        return value["id"]
    return value


def _error_type(error):
    """Stripe's `type` for an error object: a declined card is a card error."""
    if error.get("code") in ("card_declined", "expired_card", "incorrect_cvc",
                             "processing_error", "insufficient_funds"):
        return "card_error"
    return "invalid_request_error"


def fill_payment_intent(pi):
    amount = pi.get("amount", 0)
    status = pi.get("status")
    pi.setdefault("amount_capturable",
                  amount if status == "requires_capture" else 0)
    pi.setdefault("amount_received", amount if status == "succeeded" else 0)
    pi.setdefault("payment_method_types",
                  list(pi.get("allowed_payment_method_types") or ["card"]))
    pi.setdefault("confirmation_method", "automatic")
    # Stripe sends `latest_charge` as an id unless expanded (localstripe
    # inlines its whole charge object).
    pi["latest_charge"] = _id_of(pi.get("latest_charge"))
    error = pi.get("last_payment_error")
    if isinstance(error, dict):
        error.setdefault("type", _error_type(error))


def fill_event(event):
    event.setdefault("pending_webhooks", 1)
    event.setdefault("request", {"id": None, "idempotency_key": None})
    if api_version["current"]:
        event["api_version"] = api_version["current"]


FILLERS = {
    "payment_intent": fill_payment_intent,
    "event": fill_event,
}


def complete(value):
    """Completes every Stripe object in `value` (an answer or an event), in place."""
    if isinstance(value, list):
        for item in value:
            complete(item)
    elif isinstance(value, dict):
        for item in list(value.values()):
            complete(item)
        kind = value.get("object")  # an event's `data.object` is the object itself
        filler = FILLERS.get(kind) if isinstance(kind, str) else None
        if filler:
            filler(value)
    return value


def complete_error(body):
    """Stripe's error object: a declined card is `card_error` (localstripe
    says `invalid_request_error` for every error)."""
    error = body.get("error") if isinstance(body, dict) else None
    if isinstance(error, dict) and error.get("code"):
        error["type"] = _error_type(error)


def completion_middleware():
    @web.middleware
    async def middleware(request, handler):
        version = request.headers.get("Stripe-Version")
        if version:
            api_version["current"] = version
        resp = await handler(request)
        if (request.path.startswith("/v1/") and isinstance(resp, web.Response)
                and resp.content_type == "application/json"
                and resp.body is not None):
            body = json.loads(bytes(resp.body))
            complete(body)
            if resp.status >= 400:
                complete_error(body)
            resp.body = (json.dumps(body, indent=2, sort_keys=True) + "\n").encode()
        return resp

    return middleware


# Stripe.js answers a 3-D Secure that failed with `{error}` (the intent's
# `last_payment_error`, e.g. `payment_intent_authentication_failure`, and the
# intent as `error.payment_intent`); localstripe's Stripe.js answers
# `{paymentIntent}` with the failed intent. Its `confirmCardPayment` is
# completed to answer as Stripe.js does (the one line that differs).
STRIPE_JS_AUTHENTICATED = "          return {paymentIntent: body};\n"
STRIPE_JS_AS_STRIPE = (
    "          return body.status === 'requires_payment_method' && body.last_payment_error\n"
    "            ? {error: {...body.last_payment_error, payment_intent: body}}\n"
    "            : {paymentIntent: body};\n"
)


def stripe_js_middleware():
    @web.middleware
    async def middleware(request, handler):
        resp = await handler(request)
        if request.path.startswith("/js.stripe.com/v3") and isinstance(resp, web.Response) and resp.text:
            if STRIPE_JS_AUTHENTICATED not in resp.text:
                # A localstripe that changed: fail loudly rather than serve a Stripe.js
                # that answers unlike Stripe's.
                raise RuntimeError("localstripe's Stripe.js confirmCardPayment is not the one completed here")
            resp.text = resp.text.replace(STRIPE_JS_AUTHENTICATED, STRIPE_JS_AS_STRIPE)
        return resp

    return middleware


def complete_requests():
    """Translates request parameters of the client's API version that
    localstripe does not know."""
    create = resources.PaymentIntent._api_create.__func__

    def _api_create(cls, allowed_payment_method_types=None, **data):
        # The current API names the card-only restriction
        # `allowed_payment_method_types` (older ones `payment_method_types`,
        # which localstripe accepts and ignores); Stripe answers with both.
        if allowed_payment_method_types is not None:
            if (not isinstance(allowed_payment_method_types, list)
                    or not all(isinstance(t, str) for t in allowed_payment_method_types)):
                raise UserError(400, "Bad request")
            data.setdefault("payment_method_types", allowed_payment_method_types)
        obj = create(cls, **data)
        types = data.get("payment_method_types")
        if types:
            obj.payment_method_types = list(types)
        if allowed_payment_method_types is not None:
            obj.allowed_payment_method_types = list(allowed_payment_method_types)
        return obj

    resources.PaymentIntent._api_create = classmethod(_api_create)


def complete_events():
    """Events (webhook payloads and `/v1/events`) are completed as they are exported."""
    export = resources.Event._export

    def _export(self, expand=None):
        return complete(export(self, expand=expand))

    resources.Event._export = _export


def main():
    port = int(sys.argv[1])
    save_path = sys.argv[2] if len(sys.argv) > 2 else None
    store_cls = resources.Store

    def dump(self):
        if save_path:
            with open(save_path, "wb") as f:
                pickle.dump(dict(self), f, protocol=pickle.HIGHEST_PROTOCOL)

    def load(self):
        if save_path:
            try:
                with open(save_path, "rb") as f:
                    self.clear()
                    self.update(pickle.load(f))
            except FileNotFoundError:
                pass

    store_cls.dump_to_disk = dump
    store_cls.try_load_from_disk = load
    resources.store.try_load_from_disk()
    complete_requests()
    complete_events()
    # Outermost first: replays keep the completed answer; completion sees
    # localstripe's errors as the responses its error middleware made.
    server.app.middlewares.insert(0, idempotency_middleware())
    server.app.middlewares.insert(1, completion_middleware())
    server.app.middlewares.insert(2, stripe_js_middleware())
    # Checked at start too, so that a changed localstripe stops here, not at the first checkout.
    script = Path(server.__file__).with_name("localstripe-v3.js")
    if STRIPE_JS_AUTHENTICATED not in script.read_text():
        sys.exit(f"run_localstripe: {script} has no line {STRIPE_JS_AUTHENTICATED.strip()!r} to complete")
    logging.basicConfig(level=logging.WARNING)
    web.run_app(server.app, host="127.0.0.1", port=port, print=lambda *_: print(f"localstripe listening on 127.0.0.1:{port}", flush=True))


if __name__ == "__main__":
    main()
