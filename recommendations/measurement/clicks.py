"""Click tracking: a recommendation link goes through /r/<signed payload>/, which records the
click and redirects to the product.

A signed payload rather than query parameters on the product URL: nobody can inflate a
placement's clicks by hand-crafting links, and the product page stays cacheable. The
payload also names the visitor the link was shown to, so following it again — a reload, a
bookmark, a script replaying it with or without cookies — counts once for that visitor
(links in e-mails name nobody: they count once per visitor who follows them). The redirect
carries the origin on to the product page as the cart's signed `rec` token
(shop.cart.origin), which the page's add form posts back, so the add is credited to the
same placement and nobody can credit one by hand.
"""

from dataclasses import dataclass
from datetime import timedelta
from urllib.parse import urlencode

from django.core import signing
from django.urls import reverse

from shop.cart.origin import rec_origin_sign

_SALT = "measurement.click"


@dataclass(frozen=True)
class ClickTarget:
    product_id: int
    placement: str
    source: str
    anchor_id: int | None
    shown_to: str = ""  # the visitor key of the page the link was on ("" in e-mails)


def click_token(
    *, product_id: int, placement: str, source: str, anchor_id: int | None = None, shown_to: str = ""
) -> str:
    """The signed payload of a click link (the JSON API hands it out as is)."""
    return signing.dumps([product_id, placement, source, anchor_id, shown_to], salt=_SALT, compress=True)


def click_url(*, product_id: int, placement: str, source: str, anchor_id: int | None = None, shown_to: str = "") -> str:
    token = click_token(product_id=product_id, placement=placement, source=source, anchor_id=anchor_id, shown_to=shown_to)
    return reverse("measurement:click", kwargs={"token": token})


def click_url_for_request(*, request, product_id: int, placement: str, source: str, anchor_id: int | None) -> str:
    """`click_url` naming the request's visitor (a cached fragment's link, filled per request)."""
    visit = getattr(request, "rec_visit", None)
    return click_url(
        product_id=product_id, placement=placement, source=source, anchor_id=anchor_id,
        shown_to=visit.visitor_key if visit is not None and visit.counted else "",
    )


def click_target_load(token: str, *, max_age: timedelta | None = None) -> ClickTarget | None:
    """The target of a link this shop signed, or None. `max_age`: only a token signed that
    recently (the JSON API's adds, which a token credits within the attribution window)."""
    try:
        product_id, placement, source, anchor_id, *rest = signing.loads(token, salt=_SALT, max_age=max_age)
    except (signing.BadSignature, ValueError, TypeError):
        return None
    shown_to = rest[0] if rest and isinstance(rest[0], str) else ""
    return ClickTarget(product_id=product_id, placement=placement, source=source, anchor_id=anchor_id, shown_to=shown_to)


def origin_query(target: ClickTarget) -> str:
    """The product page's query string: the signed origin its add form forwards."""
    token = rec_origin_sign(
        placement=target.placement, source=target.source, anchor_id=target.anchor_id, product_id=target.product_id
    )
    return urlencode({"rec": token})
