from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_http_methods, require_POST

from catalog.models import Product

from .forms import RATING_CHOICES, ReviewForm
from .models import Review
from .selectors import Reviewer, review_of, reviewer_for_link, reviewer_for_user
from .services import ReviewError, helpful_vote_add, review_submit
from .tokens import LinkProblem, review_link_load
from .voters import voter_for_request

THANKS = "Thank you! Your review will appear once we’ve checked it, usually within a day."
EDITED = "Thank you! Your changes will appear once we’ve checked them."


def _write(request, *, reviewer: Reviewer, product: Product, via_link: bool):
    """The review form for a verified buyer: a new review, or theirs to edit."""
    review = review_of(reviewer=reviewer, product=product)
    if request.method == "POST":
        form = ReviewForm(request.POST)
        if form.is_valid():
            review_submit(reviewer=reviewer, product=product, **form.cleaned_data)
            messages.success(request, EDITED if review else THANKS)
            return redirect(product.get_absolute_url() + "#reviews")
        status = 400
    else:
        form = ReviewForm.for_review(review)
        # The stars in the e-mail link here with the rating picked.
        if review is None and request.GET.get("rating") in {str(stars) for stars, _ in RATING_CHOICES}:
            form = ReviewForm(initial={"rating": int(request.GET["rating"])})
        status = 200
    context = {"product": product, "form": form, "review": review, "reviewer": reviewer, "via_link": via_link}
    return render(request, "reviews/write.html", context, status=status)


@login_required
@require_http_methods(["GET", "POST"])
def write(request, slug):
    """A signed-in customer's review of something they bought (paid or shipped)."""
    product = get_object_or_404(Product.objects.active().select_related("category"), slug=slug)
    reviewer = reviewer_for_user(user=request.user, product=product)
    if reviewer is None:
        return render(request, "reviews/not_eligible.html", {"product": product}, status=403)
    return _write(request, reviewer=reviewer, product=product, via_link=False)


@require_http_methods(["GET", "POST"])
def write_from_link(request, token):
    """The "How was it?" e-mail's link: the signed token is the credential, no login needed."""
    link = review_link_load(token)
    if isinstance(link, LinkProblem):
        return render(request, "reviews/link_invalid.html", {"problem": link.value}, status=404)
    found = reviewer_for_link(link=link)
    if found is None:
        return render(request, "reviews/link_invalid.html", {"problem": "gone"}, status=404)
    reviewer, product = found
    return _write(request, reviewer=reviewer, product=product, via_link=True)


@require_POST
def helpful(request, pk):
    """ "Was this helpful? Yes": counted once per visitor, however often it is sent."""
    review = get_object_or_404(Review.objects.published().select_related("product"), pk=pk)
    wants_json = "application/json" in request.headers.get("Accept", "")
    try:
        added = helpful_vote_add(review=review, voter=voter_for_request(request, create=True), user=request.user)
    except ReviewError as error:
        if wants_json:
            return JsonResponse({"error": str(error)}, status=400)
        messages.error(request, str(error))
        return redirect(f"{review.product.get_absolute_url()}#review-{review.pk}")
    if wants_json:
        count = Review.objects.filter(pk=review.pk).values_list("helpful_count", flat=True).get()
        return JsonResponse({"voted": True, "added": added, "helpful_count": count})
    messages.success(request, "Thanks for your feedback." if added else "You've already said this review was helpful.")
    return redirect(f"{review.product.get_absolute_url()}#review-{review.pk}")
