"""Reads for reviews: who may write one, and what the product page shows.

The product page's reviews cost a fixed number of queries whatever their number: the
summary (average, count, distribution) comes with the product row itself, the page of
reviews is one query (its count is the product's `rating_count`, not a COUNT), the visitor's
helpful votes on that page one more, and a signed-in visitor's own review and purchase one
or two.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import cached_property

from django.conf import settings
from django.core.paginator import Page, Paginator

from catalog.models import Product
from shop.orders.models import Order

from .models import MAX_RATING, HelpfulVote, Review
from .tokens import ReviewLink

# Orders whose products may be reviewed: paid or on their way. Not awaiting payment, not cancelled.
VERIFYING_STATUSES = (Order.Status.PAID, Order.Status.SHIPPED)
ANONYMOUS_NAME = "Verified buyer"


@dataclass(frozen=True)
class Reviewer:
    """Who is writing: their account, or for a guest the order's address, and the order that
    makes the purchase verified."""

    user: object | None
    email: str
    order: Order
    name: str


def author_name(order: Order) -> str:
    """ "Ada L." from the order's "Ada Lovelace": enough to be a person, not enough to find them."""
    words = order.shipping_name.split()
    if not words:
        return ANONYMOUS_NAME
    if len(words) == 1:
        return words[0][:40]
    return f"{words[0][:40]} {words[-1][0].upper()}."


def _verifying_orders(product: Product):
    return Order.objects.filter(status__in=VERIFYING_STATUSES, lines__product=product)


def reviewer_for_user(*, user, product: Product) -> Reviewer | None:
    """The signed-in customer as a verified buyer of `product`, or None if they haven't
    bought it (or only in an order not paid yet, or cancelled). One query."""
    if user is None or not user.is_authenticated:
        return None
    order = _verifying_orders(product).filter(user=user).order_by("-placed_at", "-pk").first()
    if order is None:
        return None
    return Reviewer(user=user, email=(user.email or order.email).lower(), order=order, name=author_name(order))


def reviewer_for_link(*, link: ReviewLink) -> tuple[Reviewer, Product] | None:
    """The reviewer and product a signed link names, if the order still verifies the
    purchase and the product is still sold. Two queries."""
    product = Product.objects.active().filter(pk=link.product_id).first()
    if product is None:
        return None
    order = _verifying_orders(product).filter(pk=link.order_id).select_related("user").first()
    if order is None:
        return None
    # An order placed signed in belongs to the account: the review does too, so the customer
    # has one review whether they come through the e-mail or the product page.
    return Reviewer(user=order.user, email=order.email.lower(), order=order, name=author_name(order)), product


def review_of(*, reviewer: Reviewer, product: Product) -> Review | None:
    reviews = Review.objects.filter(product=product)
    if reviewer.user is not None:
        return reviews.filter(user=reviewer.user).first()
    return reviews.filter(user__isnull=True, email=reviewer.email).first()


def reviewed_product_ids(*, product_ids, user=None, email: str = "") -> set[int]:
    """Which of `product_ids` the customer (account, or guest address) has reviewed already."""
    reviews = Review.objects.filter(product_id__in=product_ids)
    if user is not None:
        reviews = reviews.filter(user=user)
    else:
        reviews = reviews.filter(user__isnull=True, email=email.lower())
    return set(reviews.values_list("product_id", flat=True))


# ---------------------------------------------------------------------------
# The product page


@dataclass(frozen=True)
class ReviewSort:
    key: str
    label: str
    ordering: tuple[str, ...]


REVIEW_SORTS = {
    sort.key: sort
    for sort in (
        ReviewSort("newest", "Newest", ("-created_at", "-id")),
        ReviewSort("helpful", "Most helpful", ("-helpful_count", "-created_at", "-id")),
    )
}
DEFAULT_REVIEW_SORT = "newest"


def review_sort(key: str | None) -> ReviewSort:
    """The requested order, or the default for anything unknown (never an error)."""
    return REVIEW_SORTS.get(key or "", REVIEW_SORTS[DEFAULT_REVIEW_SORT])


class _KnownCountPaginator(Paginator):
    """A paginator told its count (the product's denormalised `rating_count`) instead of
    asking the database."""

    def __init__(self, object_list, per_page, *, count: int):
        super().__init__(object_list, per_page)
        self._known_count = count

    @cached_property
    def count(self) -> int:
        return self._known_count


@dataclass(frozen=True)
class StarShare:
    stars: int
    count: int
    percent: int


def rating_distribution(product: Product) -> list[StarShare]:
    """5★ down to 1★, from the product's own columns (no query)."""
    histogram = list(product.rating_histogram or []) + [0] * MAX_RATING
    total = product.rating_count or 0
    shares = []
    for stars in range(MAX_RATING, 0, -1):
        count = histogram[stars - 1]
        shares.append(StarShare(stars=stars, count=count, percent=round(count * 100 / total) if total else 0))
    return shares


@dataclass
class ProductReviews:
    product: Product
    sort: ReviewSort
    page: Page | None
    distribution: list[StarShare]
    voted_ids: set[int] = field(default_factory=set)
    own_review: Review | None = None
    # A signed-in customer who bought it and has no review yet.
    can_write: bool = False

    @property
    def sorts(self) -> list[ReviewSort]:
        return list(REVIEW_SORTS.values())


def product_reviews(
    *, product: Product, sort_key: str | None = None, page_number=None, user=None, voter: str = ""
) -> ProductReviews:
    """The product page's reviews: a page of published ones, the visitor's votes on them,
    and, for a signed-in customer, their own review or whether they may write one."""
    sort = review_sort(sort_key)
    page = None
    if product.rating_count:
        reviews = Review.objects.published().filter(product=product).order_by(*sort.ordering)
        paginator = _KnownCountPaginator(reviews, settings.REVIEWS_PER_PAGE, count=product.rating_count)
        page = paginator.get_page(page_number)
        page.object_list = list(page.object_list)
    result = ProductReviews(product=product, sort=sort, page=page, distribution=rating_distribution(product))
    if page is not None and page.object_list and voter:
        shown = [review.pk for review in page.object_list]
        result.voted_ids = set(
            HelpfulVote.objects.filter(voter=voter, review_id__in=shown).values_list("review_id", flat=True)
        )
    if user is not None and user.is_authenticated:
        result.own_review = Review.objects.filter(product=product, user=user).first()
        if result.own_review is None:
            result.can_write = _verifying_orders(product).filter(user=user).exists()
    return result
