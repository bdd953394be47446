"""Cached page fragments: the rendered HTML of a page's shared parts, served again to every
visitor who would see the same thing, with their own parts filled in.

A fragment's key holds everything its HTML depends on, so nothing is invalidated by hand
and nothing is served staler than a fresh render:

- the *pages version*, a token moved on by every write a page shows, and again after its
  commit (a price, stock, a picture, a review, a service add-on, a category: `pages_version_bump`,
  called by signals and by the services that write in bulk);
- what each provider in `settings.FRAGMENT_VARY` says about the request and the fragment
  (the recommendations' snapshot and curation generation, the visitor's holdout group, the
  cart items a block could have shown): a provider answering None means "render this one
  live" (a signed-in customer, whose blocks depend on what they bought);
- the fragment's name, its own arguments and the request's full path.

What differs per visitor inside a fragment is rendered as a *hole*, a marker filled in for
each request: the CSRF token, and any `hole(...)` a template tag asks for (a recommendation
link names the visitor it is shown to). What a fragment does besides rendering (impressions
noted for the measurement, items the later blocks must not repeat) is recorded as an
*effect* while it renders (`effect(...)`) and replayed on every hit, so a cached page is
measured exactly like a rendered one.

Only with a cache every process shares (Redis), or in one process, are fragments cached
(`settings.FRAGMENT_CACHE`): with per-process local-memory caches a bump in one worker
would not reach the others.
"""

from __future__ import annotations

import copy
import hashlib
import hmac
import re
import secrets
import threading
from collections import OrderedDict
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass, field
from functools import cache as memoize

from django.conf import settings
from django.core.cache import cache
from django.db import transaction
from django.middleware.csrf import get_token
from django.utils.module_loading import import_string

VERSION_KEY = "fragments:version"
# Bumped when the layout of `Entry` changes, so a release never reads an older one's entries.
LAYOUT = 1
_REQUEST_MEMO = "_fragment_vary"


# The pages version ----------------------------------------------------------------------------


def pages_version() -> str:
    """The current token (a new one if the cache lost it: every older entry is then out)."""
    version = cache.get(VERSION_KEY)
    if version is None:
        version = secrets.token_hex(6)
        if not cache.add(VERSION_KEY, version, None):
            version = cache.get(VERSION_KEY) or version
    return version


def _bump() -> None:
    cache.set(VERSION_KEY, secrets.token_hex(6), None)


def pages_version_bump() -> None:
    """Every cached fragment is out: at once, and again once the current transaction commits.
    The second bump matters: a page rendered from the old rows between the first and the
    commit would otherwise stay cached under the new version."""
    _bump()
    connection = transaction.get_connection()
    if not connection.in_atomic_block:
        return
    # Once per transaction is enough (a sale moves the stock of every line).
    if not any(entry[1] is _bump for entry in getattr(connection, "run_on_commit", ())):
        transaction.on_commit(_bump)


def pages_version_changed(sender=None, **kwargs) -> None:
    """Signal receiver (post_save, post_delete, m2m_changed) for the models pages show."""
    pages_version_bump()


# Recording while a fragment renders -----------------------------------------------------------


@dataclass
class Recording:
    effects: list[tuple[str, dict]] = field(default_factory=list)
    holes: list[tuple[str, dict]] = field(default_factory=list)


_recording: ContextVar[list[Recording]] = ContextVar("fragment_recording", default=[])


def recording() -> bool:
    """True while a fragment is being rendered for the cache: what differs per visitor must
    then be a `hole`."""
    return bool(_recording.get())


def effect(path: str, **kwargs) -> None:
    """Note that rendering did `path(request=..., **kwargs)` (a dotted path to a function):
    a cached fragment that contains this render does it again on every hit."""
    for rec in _recording.get():
        rec.effects.append((path, kwargs))


def _marker_nonce() -> str:
    return hmac.new(settings.SECRET_KEY.encode(), b"fragments.hole", hashlib.sha256).hexdigest()[:12]


@memoize
def _hole_pattern() -> re.Pattern:
    return re.compile(r"@@%s:(\d+)@@" % _marker_nonce())


def hole(path: str, **kwargs) -> str:
    """A marker to output instead of a per-visitor value while a fragment is recorded:
    filled with `path(request=..., **kwargs)` for each request. Letters, digits and @ only,
    so autoescaping leaves it intact; the nonce comes from the secret key, so no text staff
    type can imitate one."""
    recordings = _recording.get()
    # The innermost fragment owns it; an outer one stores the inner's filled-in copy only
    # when the inner is rendered live, which never happens inside a recording.
    rec = recordings[-1]
    rec.holes.append((path, kwargs))
    return f"@@{_marker_nonce()}:{len(rec.holes) - 1}@@"


@contextmanager
def _record() -> Iterator[Recording]:
    rec = Recording()
    token = _recording.set([*_recording.get(), rec])
    try:
        yield rec
    finally:
        _recording.reset(token)


# The entries ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class Entry:
    html: str
    effects: tuple[tuple[str, dict], ...]
    holes: tuple[tuple[str, dict], ...]
    has_csrf: bool


class _LocalEntries:
    """This process's copies of entries it has read or written, in front of the shared
    cache (an entry never changes under its key). Bounded by the size of the HTML."""

    def __init__(self, max_bytes: int):
        self.max_bytes = max_bytes
        self.size = 0
        self.data: OrderedDict[str, Entry] = OrderedDict()
        self.lock = threading.Lock()  # the dev server and ASGI serve from threads

    def get(self, key: str) -> Entry | None:
        with self.lock:
            entry = self.data.get(key)
            if entry is not None:
                self.data.move_to_end(key)
            return entry

    def set(self, key: str, entry: Entry) -> None:
        with self.lock:
            if key in self.data:
                return
            self.data[key] = entry
            self.size += len(entry.html)
            while self.size > self.max_bytes and self.data:
                _, dropped = self.data.popitem(last=False)
                self.size -= len(dropped.html)

    def clear(self) -> None:
        with self.lock:
            self.data.clear()
            self.size = 0


local_entries = _LocalEntries(max_bytes=settings.FRAGMENT_LOCAL_BYTES)

CSRF_MARKER_NAME = "csrf"


def csrf_marker() -> str:
    return f"@@{_marker_nonce()}:{CSRF_MARKER_NAME}@@"


# Rendering ------------------------------------------------------------------------------------


@memoize
def _providers() -> tuple[Callable, ...]:
    return tuple(import_string(path) for path in settings.FRAGMENT_VARY)


@memoize
def _function(path: str) -> Callable:
    return import_string(path)


def _key_part(value) -> str:
    """A model instance stands for its primary key; anything else for its text."""
    meta = getattr(value, "_meta", None)
    return f"{meta.label}:{value.pk}" if meta is not None else str(value)


def fragment_key(request, *, name: str, args: tuple) -> str | None:
    """The cache key of fragment `name` with `args` (what the template passed: the providers
    see them as they are) for this request, or None to render it live."""
    if not settings.FRAGMENT_CACHE or request is None or recording():
        return None
    if "rec" in request.GET:  # arrived from a recommendation link: a signed origin of its own
        return None
    memo = request.__dict__.setdefault(_REQUEST_MEMO, {})
    if "version" not in memo:
        memo["version"] = pages_version()
    parts = [str(LAYOUT), memo["version"], name, repr(tuple(map(_key_part, args))), request.get_full_path()]
    for provider in _providers():
        part = provider(request, name=name, args=args)
        if part is None:
            return None
        parts.append(part)
    digest = hashlib.blake2b("\x1f".join(parts).encode(), digest_size=16).hexdigest()
    return f"fragment:{name}:{digest}"


def fragment_render(request, *, name: str, args: tuple, render: Callable[[str], str]) -> str:
    """The fragment's HTML for this request: from the cache with its holes filled and its
    effects replayed, else rendered by `render(csrf_token)` and stored."""
    key = fragment_key(request, name=name, args=args)
    if key is None:
        return render(None)
    entry = local_entries.get(key)
    if entry is None:
        entry = cache.get(key)
        if entry is None:
            with _record() as rec:
                html = render(csrf_marker())
            entry = Entry(html=html, effects=tuple(rec.effects), holes=tuple(rec.holes), has_csrf=csrf_marker() in html)
            cache.set(key, entry, settings.FRAGMENT_TIMEOUT)
        local_entries.set(key, entry)
    return _serve(request, entry)


_local_values: OrderedDict[str, object] = OrderedDict()
_local_values_lock = threading.Lock()
LOCAL_VALUES = 4096


def _value_key(request, name: str, args: tuple) -> str:
    memo = request.__dict__.setdefault(_REQUEST_MEMO, {})
    if "version" not in memo:
        memo["version"] = pages_version()
    return f"value:{name}:{LAYOUT}:{memo['version']}:{hashlib.blake2b(repr(args).encode(), digest_size=12).hexdigest()}"


def versioned_value_put(request, *, name: str, args: tuple, value) -> None:
    """Store what `versioned_value` would compute, found on the way by a render."""
    if settings.FRAGMENT_CACHE and request is not None and value is not None:
        cache.set(_value_key(request, name, args), value, settings.FRAGMENT_TIMEOUT)


def versioned_value(request, *, name: str, args: tuple, compute: Callable[[], object]):
    """`compute()`, cached under the pages version: for rows every visitor sees alike (a
    product page's product), which any write to them moves on like the fragments. Nothing is
    cached when fragments are off, or when `compute` raises (a 404)."""
    if not settings.FRAGMENT_CACHE or request is None:
        return compute()
    key = _value_key(request, name, args)
    with _local_values_lock:
        value = _local_values.get(key)
        if value is not None:
            _local_values.move_to_end(key)
    if value is None:
        value = cache.get(key)
        if value is None:
            value = compute()
            cache.set(key, value, settings.FRAGMENT_TIMEOUT)
        with _local_values_lock:
            _local_values[key] = value
            while len(_local_values) > LOCAL_VALUES:
                _local_values.popitem(last=False)
    # Each request gets its own copy: what a page sets on it stays in that page.
    return copy.copy(value)


def _serve(request, entry: Entry) -> str:
    for path, kwargs in entry.effects:
        _function(path)(request=request, **kwargs)
    html = entry.html
    if entry.has_csrf:
        html = html.replace(csrf_marker(), get_token(request))
    if entry.holes:
        def fill(match: re.Match) -> str:
            path, kwargs = entry.holes[int(match.group(1))]
            return _function(path)(request=request, **kwargs)

        html = _hole_pattern().sub(fill, html)
    return html
