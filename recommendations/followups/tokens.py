"""Signed tokens in e-mail links: they work without logging in and can't be forged."""

from django.core import signing

_UNSUBSCRIBE_SALT = "followups.unsubscribe"
_RESTORE_SALT = "followups.restore"
# A restore link older than this finds nothing: carts change and stock goes.
RESTORE_MAX_AGE = 60 * 60 * 24 * 30


def unsubscribe_token(email: str) -> str:
    # No expiry: an unsubscribe link must keep working for as long as the e-mail is kept.
    return signing.dumps(email.strip().lower(), salt=_UNSUBSCRIBE_SALT, compress=True)


def unsubscribe_email(token: str) -> str | None:
    try:
        email = signing.loads(token, salt=_UNSUBSCRIBE_SALT)
    except signing.BadSignature:
        return None
    return email if isinstance(email, str) and "@" in email else None


def restore_token(cart_id: int) -> str:
    return signing.dumps(cart_id, salt=_RESTORE_SALT)


def restore_cart_id(token: str) -> int | None:
    try:
        cart_id = signing.loads(token, salt=_RESTORE_SALT, max_age=RESTORE_MAX_AGE)
    except signing.BadSignature:  # SignatureExpired is a BadSignature
        return None
    return cart_id if isinstance(cart_id, int) else None
