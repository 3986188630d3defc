"""Runs localstripe's aiohttp app on 127.0.0.1 only, with its state kept in memory.

localstripe's own `start()` binds every interface and pickles its whole store
to /tmp/localstripe.pickle on every write (slow, and shared between runs).
This runner binds loopback and, unless a save path is given, keeps state in
memory only.

Usage: python run_localstripe.py PORT [SAVE_PATH]
"""
import logging
import pickle
import sys

from aiohttp import web
from localstripe import resources, server


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
    logging.basicConfig(level=logging.WARNING)
    web.run_app(server.app, host="127.0.0.1", port=port, print=lambda *_: print(f"localstripe listening on 127.0.0.1:{port}", flush=True))


if __name__ == "__main__":
    main()
