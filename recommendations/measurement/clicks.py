"""Click tracking: a recommendation link goes through /r/<signed payload>/, which records the
click and redirects to the product.

A signed payload rather than query parameters on the product URL: nobody can inflate a
placement's clicks by hand-crafting links, and the product page stays cacheable. The
redirect carries the origin on to the product page as `rec_placement`, `rec_source` and
`rec_anchor`, the names the cart's add form reads, so a page that forwards them into its
add form credits the add to the same placement.
"""

from dataclasses import dataclass
from urllib.parse import urlencode

from django.core import signing
from django.urls import reverse

_SALT = "measurement.click"


@dataclass(frozen=True)
class ClickTarget:
    product_id: int
    placement: str
    source: str
    anchor_id: int | None


def click_url(*, product_id: int, placement: str, source: str, anchor_id: int | None = None) -> str:
    token = signing.dumps([product_id, placement, source, anchor_id], salt=_SALT, compress=True)
    return reverse("measurement:click", kwargs={"token": token})


def click_target_load(token: str) -> ClickTarget | None:
    try:
        product_id, placement, source, anchor_id = signing.loads(token, salt=_SALT)
    except (signing.BadSignature, ValueError, TypeError):
        return None
    return ClickTarget(product_id=product_id, placement=placement, source=source, anchor_id=anchor_id)


def origin_query(target: ClickTarget) -> str:
    values = {"rec_placement": target.placement, "rec_source": target.source}
    if target.anchor_id:
        values["rec_anchor"] = target.anchor_id
    return urlencode(values)
