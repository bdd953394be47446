"""Writes for reviews: writing and editing, moderation, staff replies, deletion, helpful votes,
and the per-product figures (average, count, distribution) kept on catalog.Product.

Every write that can change what is published locks the products concerned first (in id
order, so two bulk actions never deadlock) and recomputes their figures from the published
reviews in the same transaction: the figures are never a running total that a lost update
could skew, and two moderators publishing reviews of one product at once both count.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from decimal import ROUND_HALF_UP, Decimal

from django.db import IntegrityError, transaction
from django.db.models import Count, F
from django.utils import timezone

from catalog.fragments import pages_version_bump
from catalog.models import Product

from .models import MAX_RATING, MIN_RATING, HelpfulVote, Review
from .selectors import Reviewer, review_of

AVERAGE_PLACES = Decimal("0.01")


class ReviewError(Exception):
    """A review action that isn't allowed; nothing was changed. The message is for the visitor."""


# ---------------------------------------------------------------------------
# Product figures


def _lock_products(product_ids: Iterable[int]) -> None:
    ids = sorted(set(product_ids))
    if ids:
        list(Product.objects.select_for_update().filter(pk__in=ids).order_by("pk").values_list("pk", flat=True))


def product_ratings_refresh(*, product_ids: Iterable[int]) -> None:
    """Recompute the rating columns of these products from their published reviews: one
    grouped query and one bulk UPDATE, whatever the number of products. Callers that change
    reviews lock the products first (see `_lock_products`)."""
    ids = sorted(set(product_ids))
    if not ids:
        return
    histograms: dict[int, list[int]] = defaultdict(lambda: [0] * MAX_RATING)
    rows = (
        Review.objects.published()
        .filter(product_id__in=ids)
        .values_list("product_id", "rating")
        .annotate(n=Count("id"))
        .order_by()
    )
    for product_id, rating, n in rows:
        histograms[product_id][rating - 1] = n
    products = []
    for product_id in ids:
        histogram = histograms[product_id]
        count = sum(histogram)
        average = None
        if count:
            total = sum(stars * n for stars, n in enumerate(histogram, start=1))
            average = (Decimal(total) / count).quantize(AVERAGE_PLACES, rounding=ROUND_HALF_UP)
        products.append(Product(pk=product_id, rating_average=average, rating_count=count, rating_histogram=histogram))
    # bulk_update, not save(): the rest of the row (stock, price, updated_at) is left as it is.
    Product.objects.bulk_update(products, ["rating_average", "rating_count", "rating_histogram"], batch_size=500)


# ---------------------------------------------------------------------------
# Customers


@transaction.atomic
def review_submit(*, reviewer: Reviewer, product: Product, rating: int, title: str, text: str) -> Review:
    """Write the customer's review of `product`, or edit the one they wrote: either way it
    waits for moderation (an edited review leaves the published figures until it is
    published again)."""
    if not MIN_RATING <= rating <= MAX_RATING:
        raise ReviewError("Choose a rating from 1 to 5 stars.")
    _lock_products([product.pk])
    review = review_of(reviewer=reviewer, product=product)
    was_published = review is not None and review.status == Review.Status.PUBLISHED
    if review is None:
        review = Review(product=product, user=reviewer.user, email=reviewer.email)
    review.order = reviewer.order
    review.author_name = reviewer.name
    review.rating = rating
    review.title = title
    review.text = text
    review.is_verified_purchase = True
    review.status = Review.Status.PENDING
    review.rejection_reason = ""
    review.moderated_at = None
    review.moderated_by = None
    review.save()
    if was_published:
        product_ratings_refresh(product_ids=[product.pk])
    return review


def _voter_is_author(review: Review, *, user) -> bool:
    return user is not None and user.is_authenticated and review.user_id == user.pk


def helpful_vote_add(*, review: Review, voter: str, user=None) -> bool:
    """Count the visitor's "Was this helpful?" once: True if this was their first vote on
    the review. However many times (or how concurrently) they ask, the unique constraint
    lets one vote in, and only that insert raises the count."""
    if review.status != Review.Status.PUBLISHED:
        raise ReviewError("Only published reviews can be voted on.")
    if _voter_is_author(review, user=user):
        raise ReviewError("You can't vote on your own review.")
    if not voter:
        raise ReviewError("We couldn't tell who you are: please allow cookies and try again.")
    try:
        with transaction.atomic():
            HelpfulVote.objects.create(review=review, voter=voter)
            Review.objects.filter(pk=review.pk).update(helpful_count=F("helpful_count") + 1)
            pages_version_bump()  # the cached reviews show the count; a bulk update sends no signal
    except IntegrityError:
        return False
    return True


# ---------------------------------------------------------------------------
# Staff


def _moderate(reviews, *, status: str, reason: str, moderator) -> int:
    reviews = list(reviews)
    if not reviews:
        return 0
    with transaction.atomic():
        product_ids = {review.product_id for review in reviews}
        _lock_products(product_ids)
        changed = Review.objects.filter(pk__in=[review.pk for review in reviews]).update(
            status=status,
            rejection_reason=reason,
            moderated_at=timezone.now(),
            moderated_by=moderator,
            updated_at=timezone.now(),
        )
        product_ratings_refresh(product_ids=product_ids)
    return changed


def reviews_publish(*, reviews: Iterable[Review], moderator=None) -> int:
    """Publish reviews (pending or rejected ones; published ones stay published)."""
    return _moderate(reviews, status=Review.Status.PUBLISHED, reason="", moderator=moderator)


def reviews_reject(*, reviews: Iterable[Review], reason: str, moderator=None) -> int:
    """Reject reviews with a reason the customers see beside their review."""
    reason = (reason or "").strip()
    if not reason:
        raise ReviewError("Give a reason for rejecting: the customer sees it.")
    return _moderate(reviews, status=Review.Status.REJECTED, reason=reason, moderator=moderator)


@transaction.atomic
def review_staff_update(*, review: Review, status: str, reason: str, reply: str, staff) -> Review:
    """The admin's change form: the moderation decision and the public reply, in one go."""
    reason, reply = (reason or "").strip(), (reply or "").strip()
    if status == Review.Status.REJECTED and not reason:
        raise ReviewError("Give a reason for rejecting: the customer sees it.")
    _lock_products([review.product_id])
    current = Review.objects.get(pk=review.pk)
    now = timezone.now()
    if (current.status, current.rejection_reason) != (status, reason if status == Review.Status.REJECTED else ""):
        current.status = status
        current.rejection_reason = reason if status == Review.Status.REJECTED else ""
        current.moderated_at, current.moderated_by = now, staff
    if current.staff_reply != reply:
        current.staff_reply = reply
        current.staff_reply_at = now if reply else None
    current.save()
    product_ratings_refresh(product_ids=[current.product_id])
    return current


def reviews_delete(*, reviews: Iterable[Review]) -> int:
    """Delete reviews (and their votes); the products' figures follow."""
    reviews = list(reviews)
    if not reviews:
        return 0
    with transaction.atomic():
        product_ids = {review.product_id for review in reviews}
        _lock_products(product_ids)
        _, by_model = Review.objects.filter(pk__in=[review.pk for review in reviews]).delete()
        product_ratings_refresh(product_ids=product_ids)
    return by_model.get(Review._meta.label, 0)
