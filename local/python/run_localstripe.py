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

Usage: python run_localstripe.py PORT [SAVE_PATH]
"""
import asyncio
import hashlib
import logging
import pickle
import sys

from aiohttp import web
from localstripe import resources, server


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
    server.app.middlewares.insert(0, idempotency_middleware())
    logging.basicConfig(level=logging.WARNING)
    web.run_app(server.app, host="127.0.0.1", port=port, print=lambda *_: print(f"localstripe listening on 127.0.0.1:{port}", flush=True))


if __name__ == "__main__":
    main()
