"""The signed link that lets a guest review what they bought, without an account.

It names an order and one of its products; the signature is the credential, so it can't be
forged or pointed at another order, and it expires (settings.REVIEW_LINK_MAX_AGE_DAYS).
The order is read again when the link is used: a cancelled order no longer verifies.
"""

from dataclasses import dataclass
from enum import Enum

from django.conf import settings
from django.core import signing

_SALT = "reviews.write"


class LinkProblem(Enum):
    INVALID = "invalid"  # tampered with, truncated or not one of ours
    EXPIRED = "expired"


@dataclass(frozen=True)
class ReviewLink:
    order_id: int
    product_id: int


def review_token(*, order_id: int, product_id: int) -> str:
    return signing.dumps({"o": order_id, "p": product_id}, salt=_SALT, compress=True)


def review_link_load(token: str) -> ReviewLink | LinkProblem:
    try:
        data = signing.loads(token, salt=_SALT, max_age=settings.REVIEW_LINK_MAX_AGE_DAYS * 24 * 60 * 60)
    except signing.SignatureExpired:
        return LinkProblem.EXPIRED
    except signing.BadSignature:
        return LinkProblem.INVALID
    if not isinstance(data, dict) or not all(isinstance(data.get(key), int) for key in ("o", "p")):
        return LinkProblem.INVALID
    return ReviewLink(order_id=data["o"], product_id=data["p"])
