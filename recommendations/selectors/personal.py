"""The personal placements: blocks chosen from the customer's own history, through the same
candidates, guards and display reads as every other placement (exported by `placements`).

- "Recently viewed" (product, cart and home pages): the visitor's own list, newest first,
  without the product on screen, what is in the cart or already shown on the page.
- "Recommended for you" (home page, returning visitors) and "Inspired by your orders" (My
  account): the candidates of what they bought and viewed, each anchor weighted by recency
  (`weighted_anchors`), summed over anchors (`rank_history`): complements by evidence first,
  then fallbacks, every guard and block rule applied. A first-time visitor (no history) sees
  today's best sellers instead (`bestseller_ids`).
- "Upgrade what you own" on the home page (the offer itself is `selectors.owned`, which the
  e-mail in `followups.owned` uses too).
- The restock reminder's item and its one complement (`restock_items`).

Each page's personal blocks are decided together, in a constant number of queries whatever
the history's length: the history (one or two reads), the cached candidates, one fresh read
and one display read.
"""

from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from django.conf import settings
from django.core.cache import cache
from django.db.models import Count

from catalog.models import Product
from recommendations.personal.history import History, Visits
from recommendations.selectors.candidates import Candidate, ProductCandidates, candidates_for_many
from recommendations.selectors.guards import BlockRules, blocked_ids, take
from recommendations.selectors.owned import UpgradeOffer, due_upgrades, owned_not_used_up, upgrade_offer, upgrade_picks
from recommendations.selectors.products import FreshProduct, display_products, fresh_products
from recommendations.selectors.reasons import reason_for_history
from recommendations.selectors.results import Recommendation, recommendation_for
from recommendations.vocabulary import COMPLEMENT_SOURCES, Source
from shop.orders.models import Order, OrderLine

# The strongest history items whose candidates are read: enough for a full block after the
# guards, few enough that the candidate read stays one cache round trip.
PERSONAL_ANCHORS = 12
# A product looked at counts for this much of one bought at the same time.
VIEW_WEIGHT = 0.6
# Items one anchor may bring to a personal block while other anchors have some to give.
PER_ANCHOR = 2
# Best sellers kept in the cached list (the guards and the block rules take from it).
BESTSELLER_POOL = 24
BESTSELLER_CACHE_SECONDS = 10 * 60


@dataclass(frozen=True)
class Anchor:
    product_id: int
    weight: float
    bought: bool


@dataclass(frozen=True)
class HomeRecommendations:
    upgrade: UpgradeOffer | None = None
    for_you: list[Recommendation] = field(default_factory=list)
    # First-time visitors only (no history): best sellers instead of "for you".
    bestsellers: list[Recommendation] = field(default_factory=list)
    bestsellers_today: bool = False
    recently_viewed: list[Recommendation] = field(default_factory=list)


@dataclass(frozen=True)
class AccountRecommendations:
    inspired: list[Recommendation] = field(default_factory=list)


# Ranking -------------------------------------------------------------------------------------


def recency_weight(when: datetime, *, now: datetime) -> float:
    """1 for now, halving every RECOMMENDATIONS_PERSONAL_HALF_LIFE_DAYS."""
    age_days = max((now - when).total_seconds(), 0) / 86400
    return 0.5 ** (age_days / settings.RECOMMENDATIONS_PERSONAL_HALF_LIFE_DAYS)


def weighted_anchors(history: History, *, now: datetime, include_viewed: bool = True, limit: int = PERSONAL_ANCHORS) -> list[Anchor]:
    """The history's products as anchors, strongest first: a purchase weighs 1, a view
    VIEW_WEIGHT, both halving with age; a product both bought and viewed keeps the stronger."""
    anchors: dict[int, Anchor] = {}
    for pid, when in history.bought:
        anchors[pid] = Anchor(pid, recency_weight(when, now=now), bought=True)
    if include_viewed:
        for pid, when in history.viewed:
            weight = VIEW_WEIGHT * recency_weight(when, now=now)
            if pid not in anchors or anchors[pid].weight < weight:
                anchors[pid] = Anchor(pid, weight, bought=pid in anchors)
    return sorted(anchors.values(), key=lambda a: (-a.weight, a.product_id))[:limit]


def rank_history(anchors: Sequence[Anchor], candidates: Mapping[int, ProductCandidates]) -> list[Candidate]:
    """Every anchor's candidates, scored by the sum over anchors of the anchor's weight over
    the candidate's position in its list (1, 1/2, 1/3, …): items that go with several recent
    things rank first. Complements by evidence (curated, co-purchased) come before fallbacks,
    and only their evidence counts towards their score (a kettle's being "popular in Kitchen"
    says nothing about its going with a toaster). Each item comes with the candidate of the
    anchor that contributed most (its reason and source)."""
    evidence: dict[int, float] = defaultdict(float)
    fallback: dict[int, float] = defaultdict(float)
    best: dict[int, tuple[tuple[bool, float], Candidate]] = {}
    for anchor in anchors:
        entry = candidates.get(anchor.product_id)
        if entry is None:
            continue
        for position, candidate in enumerate(entry.complements):
            pid = candidate.product_id
            contribution = anchor.weight / (position + 1)
            is_complement = candidate.source in COMPLEMENT_SOURCES
            (evidence if is_complement else fallback)[pid] += contribution
            key = (is_complement, contribution)
            if pid not in best or key > best[pid][0]:
                best[pid] = (key, candidate)
    ranked = sorted(best, key=lambda pid: (pid not in evidence, -(evidence.get(pid) or fallback[pid]), pid))
    return [best[pid][1] for pid in ranked]


# Best sellers --------------------------------------------------------------------------------


def bestseller_ids(*, now: datetime) -> tuple[tuple[int, ...], int]:
    """The shop's best sellers: the products in the most orders of the last day, topped up
    with the all-time best sellers (`sales_count`) when the day had fewer. Returns the ids and
    how many of them (the first ones) are today's. Cached for a few minutes."""
    key = f"recommendations:bestsellers:{now:%Y%m%d%H}"
    cached = cache.get(key)
    if cached is not None:
        return cached
    today = list(
        OrderLine.objects.filter(order__in=Order.objects.counted().filter(placed_at__gte=now - timedelta(days=1)))
        .filter(product__is_active=True, product__stock__gt=0)
        .values("product_id")
        .annotate(orders=Count("order_id", distinct=True))
        .order_by("-orders", "product_id")
        .values_list("product_id", flat=True)[:BESTSELLER_POOL]
    )
    ids = list(today)
    if len(ids) < BESTSELLER_POOL:
        ids += [
            pid
            for pid in Product.objects.available().order_by("-sales_count", "id").values_list("pk", flat=True)[:BESTSELLER_POOL]
            if pid not in set(today)
        ]
    result = (tuple(ids[:BESTSELLER_POOL]), len(today))
    cache.set(key, result, BESTSELLER_CACHE_SECONDS)
    return result


# The blocks ----------------------------------------------------------------------------------


def _viewed_picks(visits: Visits, fresh: Mapping[int, FreshProduct], *, blocked: set[int], limit: int) -> list[int]:
    """The most recently viewed products still on sale and not bought since (unless used up):
    the visitor's own list, so the block rules do not apply (they may well compare two
    kettles)."""
    picks = []
    for pid, _ in visits:
        row = fresh.get(pid)
        if len(picks) >= limit:
            break
        if row is None or pid in blocked or not row.is_active or row.stock <= 0:
            continue
        if row.bought_before and not row.is_consumable:
            continue
        picks.append(pid)
    return picks


def _history_item(product: Product) -> Recommendation:
    # The block's title says it ("Recently viewed"); an API client shows the item alone.
    return Recommendation(product=product, source=Source.HISTORY, anchor_id=None, reason="You looked at this recently")


def recently_viewed(
    *, visits: Visits, exclude_ids: Iterable[int] = (), user=None, shown: set[int] | None = None
) -> list[Recommendation]:
    """The "Recently viewed" block of a product or cart page (`exclude_ids`: the product on
    screen, the cart's products)."""
    shown = shown if shown is not None else set()
    blocked = set(exclude_ids) | shown
    ids = [pid for pid, _ in visits if pid not in blocked]
    if not ids:
        return []
    fresh = fresh_products(ids, user=user)
    picks = _viewed_picks(visits, fresh, blocked=blocked, limit=settings.RECOMMENDATIONS_RECENTLY_VIEWED_LIMIT)
    products = display_products(fresh, picks)
    shown.update(picks)
    return [_history_item(products[pid]) for pid in picks]


def _personal_picks(
    anchors: Sequence[Anchor],
    candidates: Mapping[int, ProductCandidates],
    fresh: Mapping[int, FreshProduct],
    *,
    blocked: set[int],
    limit: int,
) -> list[Candidate]:
    """The block: the ranking through the guards and the block rules, at most PER_ANCHOR items
    from one anchor while others have some to give; then the ranking's order."""
    ranked = rank_history(anchors, candidates)
    rules = BlockRules(per_anchor=PER_ANCHOR)
    picks = take(ranked, fresh, blocked=blocked, limit=limit, rules=rules)
    if len(picks) < limit:
        rules.per_anchor = None
        picks += take(ranked, fresh, blocked=blocked | {c.product_id for c in picks}, limit=limit - len(picks), rules=rules)
    order = {c.product_id: position for position, c in enumerate(ranked)}
    return sorted(picks, key=lambda c: order[c.product_id])


def _personal_items(
    picks: Sequence[Candidate], anchors: Sequence[Anchor], fresh: Mapping[int, FreshProduct], products: Mapping[int, Product]
) -> list[Recommendation]:
    bought = {a.product_id: a.bought for a in anchors}
    items = []
    for candidate in picks:
        anchor = fresh.get(candidate.anchor_id)
        reason = reason_for_history(
            candidate, anchor_name=anchor.name if anchor else None, bought=bought.get(candidate.anchor_id, False)
        )
        items.append(recommendation_for(candidate, products[candidate.product_id], reason=reason))
    return items


def home_recommendations(
    *,
    history: History,
    cart_product_ids: Iterable[int] = (),
    page_product_ids: Iterable[int] = (),
    user=None,
    shown: set[int] | None = None,
    now: datetime,
) -> HomeRecommendations:
    """The home page's personal blocks, decided together so none repeats another: the upgrade
    offer, "Recommended for you" (or today's best sellers for a first visit) and "Recently
    viewed". `page_product_ids`: what the page shows anyway (its featured and new products),
    which the recommendations leave out."""
    shown = shown if shown is not None else set()
    in_cart = set(cart_product_ids)
    on_page = set(page_product_ids)
    anchors = weighted_anchors(history, now=now)
    due = due_upgrades(history.bought, now=now)
    first_visit = history.is_empty
    best_ids, today_count = bestseller_ids(now=now) if first_visit else ((), 0)
    candidates = candidates_for_many([a.product_id for a in anchors] + [pid for pid, _ in due])
    ranked = rank_history(anchors, candidates)
    ids = {c.product_id for c in ranked} | set(history.viewed_ids) | {a.product_id for a in anchors} | set(best_ids)
    ids |= {pid for pid, _ in due} | {c.product_id for pid, _ in due if pid in candidates for c in candidates[pid].upgrades}
    fresh = fresh_products(ids, user=user)
    owned_ids = set(history.bought_ids)
    owned = owned_not_used_up(fresh, owned_ids)
    blocked = in_cart | shown | owned

    picks = upgrade_picks(due, candidates, fresh, owned_ids=owned_ids, blocked=blocked)[:1]
    offered = {c.product_id for _, _, c in picks}
    blocked |= offered | on_page
    viewed = _viewed_picks(
        history.viewed, fresh, blocked=in_cart | shown | offered, limit=settings.RECOMMENDATIONS_RECENTLY_VIEWED_LIMIT
    )
    blocked |= set(viewed)
    limit = settings.RECOMMENDATIONS_PERSONAL_LIMIT
    for_you: list[Candidate] = []
    best: list[Candidate] = []
    if first_visit:
        best = take(
            [Candidate(product_id=pid, source=Source.BESTSELLER, anchor_id=None) for pid in best_ids],
            fresh, blocked=blocked, limit=limit,
        )
    else:
        history_blocked = blocked | blocked_ids([a.product_id for a in anchors], candidates)
        for_you = _personal_picks(anchors, candidates, fresh, blocked=history_blocked, limit=limit)

    products = display_products(
        fresh,
        {pid for pid, _, _ in picks} | {c.product_id for _, _, c in picks} | set(viewed)
        | {c.product_id for c in for_you} | {c.product_id for c in best},
    )
    today = set(best_ids[:today_count])
    result = HomeRecommendations(
        upgrade=upgrade_offer(picks[0], products) if picks else None,
        for_you=_personal_items(for_you, anchors, fresh, products),
        bestsellers=[
            recommendation_for(c, products[c.product_id], reason="Bestseller today" if c.product_id in today else "One of our best sellers")
            for c in best
        ],
        bestsellers_today=any(c.product_id in today for c in best),
        recently_viewed=[_history_item(products[pid]) for pid in viewed],
    )
    shown.update(products)
    return result


def account_recommendations(
    *, history: History, cart_product_ids: Iterable[int] = (), user=None, shown: set[int] | None = None, now: datetime
) -> AccountRecommendations:
    """"Inspired by your orders": the candidates of what the customer bought, by recency."""
    shown = shown if shown is not None else set()
    anchors = weighted_anchors(History(bought=history.bought), now=now)
    if not anchors:
        return AccountRecommendations()
    candidates = candidates_for_many([a.product_id for a in anchors])
    ranked = rank_history(anchors, candidates)
    fresh = fresh_products({c.product_id for c in ranked} | {a.product_id for a in anchors}, user=user)
    blocked = set(cart_product_ids) | shown | owned_not_used_up(fresh, history.bought_ids) | blocked_ids([a.product_id for a in anchors], candidates)
    picks = _personal_picks(anchors, candidates, fresh, blocked=blocked, limit=settings.RECOMMENDATIONS_PERSONAL_LIMIT)
    products = display_products(fresh, {c.product_id for c in picks})
    shown.update(products)
    return AccountRecommendations(inspired=_personal_items(picks, anchors, fresh, products))


def restock_items(*, product_id: int, owned_ids: Iterable[int] = (), user=None) -> tuple[Recommendation | None, Recommendation | None]:
    """The restock reminder's item (None when it is no longer on sale) and one complement of it
    (None when nothing passes the guards), in one candidate, one fresh and one display read."""
    entry = candidates_for_many([product_id]).get(product_id)
    complements = entry.complements if entry else ()
    fresh = fresh_products({product_id} | {c.product_id for c in complements}, user=user)
    item = fresh.get(product_id)
    if item is None or item.stock <= 0:
        return None, None
    blocked = blocked_ids([product_id], {product_id: entry} if entry else {}) | owned_not_used_up(fresh, owned_ids)
    picks = take(complements, fresh, blocked=blocked, limit=1)
    products = display_products(fresh, {product_id} | {c.product_id for c in picks})
    complement = recommendation_for(picks[0], products[picks[0].product_id], anchor_name=item.name) if picks else None
    restock = Recommendation(
        product=products[product_id], source=Source.HISTORY, anchor_id=None, reason="You bought this before"
    )
    return restock, complement
