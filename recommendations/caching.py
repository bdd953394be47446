"""The cache machinery every recommendation read shares.

Cached values live under keys that hold the *generation*: the live snapshot's id and the
curation version. A new snapshot or a curation edit moves the generation on, so every
cached block is invalidated at once without scanning keys (`invalidate_cache_generation`,
called by the services and the signal receivers). The generation itself is cached under
`STATE_KEY`; `LocalLRU` keeps per-process copies in front of the shared cache.
"""

import threading
import time
from collections import OrderedDict
from collections.abc import Iterator
from contextlib import contextmanager

from django.core.cache import cache

from recommendations.copurchase.selectors import live_snapshot
from recommendations.models import CurationVersion

STATE_KEY = "recommendations:state"
# The state is re-read from the database at least this often, so a process whose local
# cache missed an invalidation (local-memory cache, several workers) is stale for a minute
# at most; with Redis the invalidation is immediate.
STATE_TIMEOUT = 60


class LocalLRU:
    """A small per-process LRU in front of the shared cache, for values that never change
    under their key (the keys carry the generation or the product's `updated_at`). Saves a
    round trip to the shared cache per block on a hot page. Entries expire with the same
    timeout as their shared copy, and every instance is emptied when this process rebuilds
    or invalidates the state (a cleared cache, a curation edit, a new snapshot)."""

    instances: list["LocalLRU"] = []

    def __init__(self, *, limit: int, timeout: float):
        self.limit = limit
        self.timeout = timeout
        self.data: OrderedDict = OrderedDict()
        LocalLRU.instances.append(self)

    def get_many(self, keys) -> dict:
        now = time.monotonic()
        found = {}
        for key in keys:
            entry = self.data.get(key)
            if entry is None:
                continue
            if entry[0] <= now:
                del self.data[key]
                continue
            self.data.move_to_end(key)
            found[key] = entry[1]
        return found

    def set_many(self, values: dict) -> None:
        expires = time.monotonic() + self.timeout
        for key, value in values.items():
            self.data[key] = (expires, value)
            self.data.move_to_end(key)
        while len(self.data) > self.limit:
            self.data.popitem(last=False)

    @classmethod
    def clear_all(cls) -> None:
        for lru in cls.instances:
            lru.data.clear()


_pinned = threading.local()


def cache_generation() -> tuple[int, int]:
    """(live snapshot id, curation version): part of every cache key."""
    state = getattr(_pinned, "state", None) or cache.get(STATE_KEY)
    if state is None:
        LocalLRU.clear_all()
        snapshot = live_snapshot()
        version = CurationVersion.objects.values_list("version", flat=True).first() or 0
        state = (snapshot.pk if snapshot else 0, version)
        cache.set(STATE_KEY, state, STATE_TIMEOUT)
    return state


@contextmanager
def pinned_generation() -> Iterator[None]:
    """Read the state once for a whole block of reads (one page's blocks): they all see the
    same generation, and the shared cache is asked once instead of once per reader."""
    if getattr(_pinned, "state", None) is not None:
        yield
        return
    _pinned.state = cache_generation()
    try:
        yield
    finally:
        _pinned.state = None


def invalidate_cache_generation() -> None:
    LocalLRU.clear_all()
    cache.delete(STATE_KEY)
