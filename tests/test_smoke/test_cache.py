import socket

from shop.cache import TolerantRedisCache


def closed_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def test_a_redis_that_is_down_reads_as_a_cache_miss_instead_of_an_error():
    cache = TolerantRedisCache(f"redis://127.0.0.1:{closed_port()}/0", {})

    assert cache.get("anything", "default") is None
    assert cache.set("key", 1) is None
    assert cache.get_many(["key"]) == {}
    assert cache.add("key", 1) is False


def test_the_redis_client_is_built_once_per_connection_pool():
    cache = TolerantRedisCache("redis://127.0.0.1:6379/0", {})

    assert cache._cache.get_client(write=True) is cache._cache.get_client(write=False)


def test_after_a_failure_the_cache_leaves_redis_alone_for_a_few_seconds(monkeypatch):
    cache = TolerantRedisCache(f"redis://127.0.0.1:{closed_port()}/0", {})
    attempts = []
    real_get = cache._cache.get

    def counted_get(*args, **kwargs):
        attempts.append(args)
        return real_get(*args, **kwargs)

    monkeypatch.setattr(cache._cache, "get", counted_get)

    for _ in range(5):
        assert cache.get("anything") is None

    assert len(attempts) == 1
    monkeypatch.setattr("shop.cache.time.monotonic", lambda: cache._down_until + 0.1)
    cache.get("anything")
    assert len(attempts) == 2
