"""A Redis cache that degrades to a miss when Redis is unreachable.

The shop must keep serving pages from the database when Redis is down, so cache
errors are logged and swallowed instead of turning every page into a 500. After a
failure the process leaves Redis alone for DOWN_SECONDS: a page makes several cache
calls (the session, rate limits, fragments), and each would otherwise wait out its own
connect timeout against a host that doesn't answer.
"""

import logging
import time

from django.core.cache.backends.redis import RedisCache, RedisCacheClient
from redis.exceptions import RedisError

logger = logging.getLogger(__name__)

_REDIS_ERRORS = (RedisError, OSError)
# After a failed call, the cache answers as if empty for this long before trying Redis again.
DOWN_SECONDS = 5.0


class ReusingRedisCacheClient(RedisCacheClient):
    """Django builds a new redis.Redis object on every cache call, which shows in a page's
    profile; a client is thread-safe over its connection pool, so one per pool serves."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self._clients = {}

    def get_client(self, key=None, *, write=False):
        pool = self._get_connection_pool(write)
        client = self._clients.get(id(pool))
        if client is None:
            client = self._clients[id(pool)] = self._client(connection_pool=pool)
        return client


class TolerantRedisCache(RedisCache):
    def __init__(self, server, params):
        params = dict(params)
        options = dict(params.get("OPTIONS", {}))
        options.setdefault("socket_connect_timeout", 0.25)
        options.setdefault("socket_timeout", 0.5)
        params["OPTIONS"] = options
        super().__init__(server, params)
        self._class = ReusingRedisCacheClient
        self._down_until = 0.0

    def _tolerant(name, default=None):  # noqa: N805 - a decorator factory used in the class body
        def method(self, *args, **kwargs):
            if time.monotonic() < self._down_until:
                return default() if callable(default) else default
            try:
                return getattr(super(TolerantRedisCache, self), name)(*args, **kwargs)
            except _REDIS_ERRORS as exc:
                self._down_until = time.monotonic() + DOWN_SECONDS
                logger.warning("cache %s failed, treated as a miss for %ss: %s", name, DOWN_SECONDS, exc)
                return default() if callable(default) else default

        method.__name__ = name
        return method

    get = _tolerant("get")
    set = _tolerant("set")
    add = _tolerant("add", False)
    delete = _tolerant("delete", False)
    get_many = _tolerant("get_many", dict)
    set_many = _tolerant("set_many", list)
    delete_many = _tolerant("delete_many")
    touch = _tolerant("touch", False)
    incr = _tolerant("incr", 0)
    has_key = _tolerant("has_key", False)
    clear = _tolerant("clear")
    del _tolerant
