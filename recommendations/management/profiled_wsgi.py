"""The shop's WSGI application under cProfile, for `bench_pages --profile`: requests after the
first PROFILE_SKIP (the warm-up) are profiled, and the statistics are written to
PROFILE_OUTPUT every 50 requests (the worker is stopped by a signal, not asked to finish)."""

import cProfile
import os

from shop.wsgi import application as shop_application

_profile = cProfile.Profile()
_seen = 0
_SKIP = int(os.environ.get("PROFILE_SKIP", "0"))
_OUTPUT = os.environ["PROFILE_OUTPUT"]


def application(environ, start_response):
    global _seen
    _seen += 1
    if _seen <= _SKIP:
        return shop_application(environ, start_response)
    _profile.enable()
    try:
        return shop_application(environ, start_response)
    finally:
        _profile.disable()
        if (_seen - _SKIP) % 50 == 0:
            _profile.dump_stats(_OUTPUT)
