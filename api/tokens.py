"""API tokens: made, hashed and looked up here only.

A token is 32 random bytes (URL-safe base64) behind a short "tdm_" prefix that secret
scanners can recognise. Being random rather than chosen by a person it needs no slow
password hash: one SHA-256 is as hard to invert, and it lets a request find its token with
one indexed read.
"""

import hashlib
import secrets
from dataclasses import dataclass
from datetime import timedelta

from django.utils import timezone

from .models import ApiToken

KEY_PREFIX = "tdm_"
# How stale "last used" may get: a token used all day is written at most this often.
LAST_USED_PRECISION = timedelta(minutes=5)


def key_hash(key: str) -> str:
    return hashlib.sha256(key.encode()).hexdigest()


@dataclass(frozen=True)
class IssuedToken:
    """A new token and its key: the key exists only here, in the one answer that shows it."""

    token: ApiToken
    key: str


def api_token_create(*, user, name: str, expires_at=None) -> IssuedToken:
    token = ApiToken(user=user, name=name, expires_at=expires_at)
    return IssuedToken(token=token, key=api_token_issue(token=token))


def api_token_issue(*, token: ApiToken) -> str:
    """Give an unsaved token (a new one, or the admin's form's) its key, save it, and return
    the key: the only time it is seen."""
    key = KEY_PREFIX + secrets.token_urlsafe(32)
    token.prefix = key[: len(KEY_PREFIX) + 4]
    token.key_hash = key_hash(key)
    token.save()
    return key


def api_token_for_key(key: str) -> ApiToken | None:
    """The live token with this key, with its user (one query); None for an unknown,
    expired or malformed key, or an inactive user."""
    key = key.strip()
    if not key.startswith(KEY_PREFIX) or len(key) > 100:
        return None
    token = ApiToken.objects.select_related("user").filter(key_hash=key_hash(key)).first()
    if token is None or not token.user.is_active:
        return None
    if token.expires_at is not None and token.expires_at <= timezone.now():
        return None
    return token


def api_token_touch(*, token: ApiToken) -> None:
    """Note that the token was used (at most once per LAST_USED_PRECISION)."""
    now = timezone.now()
    if token.last_used_at is None or now - token.last_used_at >= LAST_USED_PRECISION:
        ApiToken.objects.filter(pk=token.pk).update(last_used_at=now)
        token.last_used_at = now


def api_token_remember_session(*, token: ApiToken, session_key: str) -> None:
    if session_key and token.session_key != session_key:
        ApiToken.objects.filter(pk=token.pk).update(session_key=session_key)
        token.session_key = session_key
