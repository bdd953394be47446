"""Signed recommendation origins: where an add to cart came from, as the page that offered
it wrote it.

Attributed revenue is counted from the origin a cart line carries, so a hand-made POST must
not be able to claim one. A form that offers a recommendation carries one hidden field,
`rec_origin` (written only by templates/cart/partials/rec_origin_fields.html), holding the
placement, the source, the anchor and the product it was offered for, signed with the
SECRET_KEY (django.core.signing). The add views verify it: an unsigned, tampered, expired
or misapplied (another product's) origin is dropped — the add still works, it is just not
credited to a recommendation. The click redirect (measurement) forwards the same token.

The cart does not know the recommendations' vocabulary; it signs and checks whatever
slugs the recommendations app hands it (see services.rec_origin_from_values).
"""

from dataclasses import dataclass
from datetime import timedelta

from django.core import signing

from .services import RecOrigin, rec_origin_from_values

FIELD = "rec_origin"
_SALT = "shop.cart.rec-origin"
# A form older than this no longer credits its recommendation (the attribution window).
MAX_AGE = timedelta(days=7)


@dataclass(frozen=True)
class SignedOrigin:
    placement: str
    source: str  # "" when each item has its own (the "frequently bought together" form)
    anchor_id: int | None
    product_id: int | None  # None for a form that adds several products


def rec_origin_sign(*, placement: str, source: str = "", anchor_id: int | None = None, product_id: int | None = None) -> str:
    return signing.dumps([placement, source or "", anchor_id, product_id], salt=_SALT)


def rec_origin_verify(token: str | None) -> SignedOrigin | None:
    """The origin in a token this shop signed, or None (missing, tampered, expired, garbled)."""
    if not token or len(token) > 500:
        return None
    try:
        placement, source, anchor_id, product_id = signing.loads(token, salt=_SALT, max_age=MAX_AGE)
    except (signing.BadSignature, ValueError, TypeError):
        return None
    if not isinstance(placement, str) or not isinstance(source, str):
        return None
    if not all(value is None or (isinstance(value, int) and value > 0) for value in (anchor_id, product_id)):
        return None
    return SignedOrigin(placement=placement, source=source, anchor_id=anchor_id, product_id=product_id)


def rec_origin_for_product(token: str | None, *, product_id: int) -> RecOrigin | None:
    """The origin of a single-product add, only if the token was signed for that product."""
    signed = rec_origin_verify(token)
    if signed is None or signed.product_id != product_id:
        return None
    return rec_origin_from_values(placement=signed.placement, source=signed.source, anchor=signed.anchor_id)
