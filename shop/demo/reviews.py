"""Demo reviews: a few for each product of the hand-made kitchen range and for the data set's
best sellers, so the stars, the distribution bars and the moderation queue have something to
show. Every one is marked `is_demo` (the admin lists it as demo content).

The best sellers' reviews come from real demo orders that contain the product (a verified
purchase, dated a little after the order was shipped); the kitchen range was never in an
order, so its reviews are not marked as verified. Deterministic for a given seed.
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import timedelta

from django.utils import timezone

from catalog.models import Product
from catalog.reviews.models import HelpfulVote, Review
from catalog.reviews.services import product_ratings_refresh
from shop.orders.models import Order, OrderLine

# Best sellers of the data set that get reviews too.
POPULAR_PRODUCTS = 16
REVIEWS_PER_POPULAR = (4, 12)
# Every n-th generated review waits in the moderation queue instead of being published.
PENDING_EVERY = 9
MAX_DEMO_VOTES = 14

NAMES = (
    "Alice M.", "Ben T.", "Chloe R.", "Dev P.", "Emma W.", "Finn O.", "Grace H.", "Harriet S.", "Isaac N.",
    "Jas K.", "Kate B.", "Liam D.", "Maya C.", "Noah F.", "Olivia G.", "Priya L.", "Rosie J.", "Sam A.",
    "Tom E.", "Zara Q.",
)


@dataclass(frozen=True)
class DemoReview:
    rating: int
    title: str
    text: str
    reply: str = ""


KITCHEN: dict[str, tuple[DemoReview, ...]] = {
    "TD-TOAST-2": (
        DemoReview(5, "Does exactly what it should", "Even browning on both sides and the crumb tray actually slides out. Two wide slots take thick farmhouse slices without squashing them."),
        DemoReview(4, "Good little toaster", "Compact enough for a small kitchen. Setting 4 is perfect for me; the outside gets warm but not hot."),
        DemoReview(3, "Fine, but no bagel setting", "Works well for bread. I wish I'd bought the model with the bagel setting — halved bagels come out toasted on both sides.",
                   "Thanks for the honest review! The 4-slice + bagel model toasts only the cut side, if you ever want to swap."),
    ),
    "TD-TOAST-4": (
        DemoReview(5, "Breakfast for four in one go", "Independent controls mean my toast and the kids' lightly done bread are ready at the same time. Sturdy and easy to clean."),
        DemoReview(4, "Solid family toaster", "Takes up more room than I expected, but toasts evenly across all four slots."),
        DemoReview(5, "Great value", "Replaced a much pricier toaster that died after a year. This one is quicker and more even."),
    ),
    "TD-TOAST-4B": (
        DemoReview(5, "The bagel setting is worth it", "Only the cut side gets toasted, the outside stays soft. Four slots, defrost and a proper lift lever. Love it."),
        DemoReview(5, "Best toaster we've owned", "Consistent results from setting 1 to 7 and the slots are deep enough for long slices."),
        DemoReview(4, "Very good, a bit loud", "The pop-up is louder than our old one, otherwise faultless."),
        DemoReview(2, "Uneven on the left slot", "The far left slot browns noticeably less than the others. Otherwise nice to use.",
                   "Sorry to hear that — please get in touch with your order number and we'll replace it under the warranty."),
    ),
    "TD-KETTLE-15": (
        DemoReview(4, "Quiet and quick", "Boils a full 1.5 L in about three minutes and is much quieter than our old kettle."),
        DemoReview(4, "Nice for two", "Enough for a pot of tea for two. The water window is easy to read."),
        DemoReview(3, "Lid is a little stiff", "Boils well but the lid takes a firm press to close."),
    ),
    "TD-KETTLE-17": (
        DemoReview(5, "Rapid boil really is rapid", "One cup in well under a minute. The minimum fill line is low, which saves energy."),
        DemoReview(5, "Looks great, works great", "Brushed steel finish matches our toaster. Pours without dribbling."),
        DemoReview(4, "Good kettle", "Heavier than expected when full, but boils fast and switches off reliably."),
    ),
    "TD-KETTLE-17T": (
        DemoReview(5, "Perfect for green tea", "Setting 80 °C makes a huge difference to green tea. Keep warm is handy too."),
        DemoReview(5, "Worth the extra", "I use the temperature settings for coffee as well. Accurate and quick."),
        DemoReview(4, "Great features, learn the buttons", "Takes a day to get used to the controls, then it's brilliant."),
    ),
    "TD-KNIFE-3": (
        DemoReview(4, "Sharp out of the box", "Chef's knife is well balanced. Good starter set."),
        DemoReview(5, "Excellent value", "Cuts tomatoes paper thin. Hand-wash only, as it says."),
    ),
    "TD-KNIFE-5": (
        DemoReview(5, "Lovely set with a proper block", "The bread knife alone is worth it. Block looks good on the worktop."),
        DemoReview(5, "Well made", "Full-tang handles, comfortable grip, and they stay sharp with the honing steel."),
        DemoReview(4, "Great knives", "The block takes more space than expected, but the knives are excellent."),
    ),
    "TD-KNIFE-7": (
        DemoReview(5, "Everything you need", "Carving knife and scissors complete the set. Bought as a wedding present and they loved it."),
        DemoReview(4, "Quality set", "Very sharp. The steak knives are a bonus."),
    ),
    "TD-SHARPEN": (
        DemoReview(5, "Brought my old knives back", "A few passes and the edge is back. Simple to use."),
        DemoReview(4, "Does the job", "Works well on straight blades; not for serrated ones, as described."),
    ),
    "TD-BOARD": (
        DemoReview(5, "Beautiful board", "Heavy, doesn't slide around and is kind to knife edges."),
        DemoReview(4, "Good size", "Big enough for a loaf. Oil it now and then."),
    ),
    "TD-DESCALE": (
        DemoReview(5, "Kettle like new", "One sachet and the limescale was gone. We live in a hard water area."),
        DemoReview(4, "Works", "Does what it says; rinse twice afterwards."),
    ),
    "TD-TOASTRACK": (
        DemoReview(4, "Crisp toast at last", "Keeps toast from going soggy on the plate. Pretty too."),
        DemoReview(5, "Charming", "Looks lovely on the breakfast table."),
    ),
    "TD-BREADBIN": (
        DemoReview(5, "Bread keeps for days", "Sourdough stays fresh for four or five days. Roll-top works smoothly."),
        DemoReview(4, "Nice and roomy", "Fits two loaves. The lid is a little stiff at first."),
    ),
}

# For the best sellers: by rating, a few generic titles and texts.
GENERIC: dict[int, tuple[tuple[str, str], ...]] = {
    5: (
        ("Lovely quality", "Even nicer in real life than in the picture. Well packed and arrived quickly."),
        ("Bought two more", "Bought one as a present and liked it so much I ordered two more for us."),
        ("Perfect gift", "Everyone I've given one to has loved it. Great value for the price."),
        ("Just as described", "Exactly as pictured, sturdy and well finished."),
    ),
    4: (
        ("Very nice", "Good quality and a lovely design. A little smaller than I imagined."),
        ("Pleased with it", "Does what I wanted and looks good. Would buy again."),
        ("Good value", "Nicely made for the price; the colours are a touch brighter than on screen."),
    ),
    3: (
        ("OK", "Nice enough, but the finish could be better for the price."),
        ("Smaller than expected", "Check the size before ordering — it's quite small. Otherwise fine."),
    ),
    2: (
        ("Not quite right", "The colour was quite different from the photo."),
    ),
    1: (
        ("Arrived damaged", "One piece was chipped when it arrived."),
    ),
}
RATING_WEIGHTS = {5: 52, 4: 30, 3: 10, 2: 5, 1: 3}
GENERIC_REPLIES = {
    2: "Thank you for letting us know — we've passed this on to our buyers.",
    1: "We're sorry it arrived damaged. Please reply to your order e-mail and we'll send a replacement.",
}


def _votes(reviews: list[Review]) -> list[HelpfulVote]:
    """The votes each saved review's `helpful_count` says it has, from made-up visitors."""
    return [HelpfulVote(review=review, voter=f"demo:{voter}") for review in reviews for voter in range(review.helpful_count)]


def _kitchen_reviews(products: dict[str, Product], rng: random.Random) -> list[Review]:
    reviews = []
    now = timezone.now()
    for sku, specs in KITCHEN.items():
        product = products.get(sku)
        if product is None:
            continue
        names = rng.sample(NAMES, len(specs))
        for number, (spec, name) in enumerate(zip(specs, names, strict=True)):
            written = now - timedelta(days=rng.randint(3, 150), minutes=rng.randint(0, 600))
            reviews.append(
                Review(
                    product=product,
                    email=f"demo-{sku.lower()}-{number}@example.com",
                    author_name=name,
                    rating=spec.rating,
                    title=spec.title,
                    text=spec.text,
                    status=Review.Status.PUBLISHED,
                    staff_reply=spec.reply,
                    staff_reply_at=written + timedelta(days=1) if spec.reply else None,
                    moderated_at=written + timedelta(hours=6),
                    is_verified_purchase=False,
                    is_demo=True,
                    created_at=written,
                )
            )
    return reviews


def _popular_reviews(products: dict[str, Product], rng: random.Random) -> list[Review]:
    popular = sorted(
        (p for p in products.values() if p.is_active and p.sales_count),
        key=lambda p: (-p.sales_count, p.sku),
    )[:POPULAR_PRODUCTS]
    reviews = []
    counter = 0
    for product in popular:
        wanted = rng.randint(*REVIEWS_PER_POPULAR)
        # A few real orders for it, one review per customer (address).
        containing = OrderLine.objects.filter(product=product).values("order_id")
        orders = (
            Order.objects.filter(status=Order.Status.SHIPPED, pk__in=containing)
            .order_by("-placed_at")
            .values_list("pk", "email", "shipped_at")[: wanted * 4]
        )
        seen: set[str] = set()
        picked = []
        for order_id, email, shipped_at in orders:
            if email not in seen:
                seen.add(email)
                picked.append((order_id, email, shipped_at))
            if len(picked) == wanted:
                break
        for order_id, email, shipped_at in picked:
            counter += 1
            rating = rng.choices(list(RATING_WEIGHTS), weights=list(RATING_WEIGHTS.values()))[0]
            title, text = rng.choice(GENERIC[rating])
            written = shipped_at + timedelta(days=rng.randint(3, 20), minutes=rng.randint(0, 600))
            pending = counter % PENDING_EVERY == 0
            reply = GENERIC_REPLIES.get(rating, "") if not pending else ""
            reviews.append(
                Review(
                    product=product,
                    email=email.lower(),
                    order_id=order_id,
                    author_name=rng.choice(NAMES),
                    rating=rating,
                    title=title,
                    text=text,
                    status=Review.Status.PENDING if pending else Review.Status.PUBLISHED,
                    staff_reply=reply,
                    staff_reply_at=written + timedelta(days=1) if reply else None,
                    moderated_at=None if pending else written + timedelta(hours=6),
                    is_verified_purchase=True,
                    is_demo=True,
                    created_at=written,
                )
            )
    return reviews


def demo_reviews_create(*, products: dict[str, Product], seed: int) -> int:
    """Create the demo reviews and their helpful votes, then the products' rating figures."""
    rng = random.Random(seed)
    reviews = _kitchen_reviews(products, rng) + _popular_reviews(products, rng)
    for review in reviews:
        if review.status == Review.Status.PUBLISHED:
            review.helpful_count = rng.randint(0, MAX_DEMO_VOTES)
    Review.objects.bulk_create(reviews, batch_size=500)
    HelpfulVote.objects.bulk_create(_votes(reviews), batch_size=1000)
    product_ratings_refresh(product_ids={review.product_id for review in reviews})
    return len(reviews)
