"""Building the follow-up e-mails: HTML and plain text, absolute links, unsubscribe headers."""

from dataclasses import dataclass
from decimal import Decimal

from django.conf import settings
from django.core.mail import EmailMultiAlternatives
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils.timesince import timesince

from catalog.images import product_image_urls
from catalog.models import Product
from catalog.reviews.tokens import review_token
from recommendations.measurement.clicks import click_url
from recommendations.selectors.placements import Recommendation
from recommendations.vocabulary import Placement

from .tokens import restore_token, unsubscribe_token


def absolute(path: str) -> str:
    if path.startswith(("http://", "https://")):
        return path
    return settings.SITE_URL.rstrip("/") + path


@dataclass(frozen=True)
class EmailItem:
    name: str
    price: Decimal
    url: str
    image_url: str
    reason: str = ""
    quantity: int = 1
    rating_average: Decimal | None = None
    rating_count: int = 0


def recommended_item(recommendation: Recommendation, *, placement: Placement) -> EmailItem:
    product: Product = recommendation.product
    return EmailItem(
        name=product.name,
        price=product.price,
        url=absolute(
            click_url(
                product_id=product.pk,
                placement=placement,
                source=recommendation.source,
                anchor_id=recommendation.anchor_id,
            )
        ),
        image_url=absolute(product_image_urls(product)["thumb"]),
        reason=recommendation.pitch or recommendation.reason,
        rating_average=product.rating_average,
        rating_count=product.rating_count,
    )


def _send(*, template: str, to: str, context: dict) -> None:
    unsubscribe_url = absolute(reverse("followups:unsubscribe", kwargs={"token": unsubscribe_token(to)}))
    context = {
        **context,
        "site_name": settings.SITE_NAME,
        "site_url": settings.SITE_URL.rstrip("/"),
        "currency": settings.CURRENCY_SYMBOL,
        "unsubscribe_url": unsubscribe_url,
    }
    subject = render_to_string(f"emails/followups/{template}_subject.txt", context).strip()
    message = EmailMultiAlternatives(
        subject=subject,
        body=render_to_string(f"emails/followups/{template}.txt", context),
        to=[to],
        headers={
            # One-click unsubscribe (RFC 8058): mail clients show their own button for it.
            "List-Unsubscribe": f"<{unsubscribe_url}>",
            "List-Unsubscribe-Post": "List-Unsubscribe=One-Click",
        },
    )
    message.attach_alternative(render_to_string(f"emails/followups/{template}.html", context), "text/html")
    message.send()


def send_post_purchase(*, order, recommendations, voucher=None) -> None:
    items = [recommended_item(r, placement=Placement.EMAIL_POST_PURCHASE) for r in recommendations]
    _send(
        template="post_purchase",
        to=order.email,
        context={
            "order": order,
            "bought": [line.name for line in order.lines.all() if line.parent_id is None],  # items, not services
            "items": items,
            "name": order.shipping_name.split(" ")[0] if order.shipping_name else "",
            "voucher": voucher,
        },
    )


def send_upgrade_offer(*, to: str, offer) -> None:
    """"Upgrade what you own": one offer (a `selectors.personal.UpgradeOffer`)."""
    _send(
        template="upgrade_offer",
        to=to,
        context={
            "owned": offer.owned.name,
            "bought_ago": offer.bought_ago,
            "items": [recommended_item(offer.upgrade, placement=Placement.EMAIL_UPGRADE)],
            "price_delta": offer.upgrade.price_delta,
        },
    )


def send_restock(*, to: str, item: Recommendation, complement: Recommendation | None, last_bought_at) -> None:
    """"Time to restock": the consumable and one thing that goes with it."""
    restocked = recommended_item(item, placement=Placement.EMAIL_RESTOCK)
    _send(
        template="restock",
        to=to,
        context={
            "item": restocked,
            "item_list": [restocked],
            "items": [recommended_item(complement, placement=Placement.EMAIL_RESTOCK)] if complement else [],
            "bought_ago": timesince(last_bought_at, depth=1),
        },
    )


def send_abandoned_cart(*, cart, recommendations, voucher=None) -> None:
    lines = [
        EmailItem(
            name=line.product.name,
            price=line.product.price,
            url=absolute(line.product.get_absolute_url()),
            image_url=absolute(product_image_urls(line.product)["thumb"]),
            quantity=line.quantity,
        )
        for line in cart.lines.all()
    ]
    _send(
        template="abandoned_cart",
        to=cart.email,
        context={
            "lines": lines,
            "items": [recommended_item(r, placement=Placement.EMAIL_ABANDONED_CART) for r in recommendations],
            "restore_url": absolute(reverse("followups:restore", kwargs={"token": restore_token(cart.pk)})),
            "subtotal": sum((line.price * line.quantity for line in lines), Decimal("0.00")),
            "voucher": voucher,
        },
    )


@dataclass(frozen=True)
class ReviewRequestItem:
    name: str
    url: str
    image_url: str
    # The signed link that lets the customer review it without signing in.
    review_url: str


def send_review_request(*, order, products) -> None:
    items = [
        ReviewRequestItem(
            name=product.name,
            url=absolute(product.get_absolute_url()),
            image_url=absolute(product_image_urls(product)["thumb"]),
            review_url=absolute(
                reverse(
                    "reviews:write-from-link",
                    kwargs={"token": review_token(order_id=order.pk, product_id=product.pk)},
                )
            ),
        )
        for product in products
    ]
    _send(
        template="review_request",
        to=order.email,
        context={
            "order": order,
            "items": items,
            "name": order.shipping_name.split(" ")[0] if order.shipping_name else "",
            "link_days": settings.REVIEW_LINK_MAX_AGE_DAYS,
        },
    )
