"""Per-product candidate lists: curation and statistics merged, cached, request-independent.

Everything here depends only on the catalog, the curation tables and the live snapshot, so
it is cached per product under a key holding the live snapshot id and the curation version
(`recommendations.caching.cache_generation`). Request-dependent guards (cart, stock, already
shown, bought before) are applied afterwards by the placements (`guards`), over products
read fresh from the database (`products`).
"""

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field, replace

from django.conf import settings
from django.core.cache import cache
from django.db.models import F, Q, Window
from django.db.models.functions import RowNumber

from catalog.models import Product
from recommendations.caching import LocalLRU, cache_generation
from recommendations.copurchase.selectors import Partner, partners_for_many
from recommendations.copurchase.substitutes import substitute_pairs
from recommendations.models import Complement, Exclusion, LadderTier, Upgrade
from recommendations.vocabulary import Source

# How many computed partners and fallbacks each product keeps in its cached pool: enough that
# the request-time guards (cart, stock, already shown) rarely empty a block.
PARTNER_POOL = 20
FALLBACK_POOL = 8


@dataclass(frozen=True)
class Candidate:
    product_id: int
    source: Source
    anchor_id: int
    pitch: str = ""
    partner: Partner | None = None  # the statistics (support, confidence, lift, …) of a computed partner
    category_name: str = ""
    # The candidate's own substitutes (see `ProductCandidates.substitute_ids`): a block that
    # holds it holds none of them.
    substitute_ids: frozenset[int] = frozenset()


@dataclass(frozen=True)
class TierInfo:
    product_id: int
    label: str
    position: int
    is_recommended: bool


@dataclass(frozen=True)
class LadderInfo:
    ladder_id: int
    name: str
    hide_identical_rows: bool
    tiers: tuple[TierInfo, ...]

    @property
    def product_ids(self) -> list[int]:
        return [tier.product_id for tier in self.tiers]


@dataclass(frozen=True)
class ProductCandidates:
    product_id: int
    complements: tuple[Candidate, ...] = ()
    upgrades: tuple[Candidate, ...] = ()
    excluded_ids: frozenset[int] = field(default_factory=frozenset)
    ladder: LadderInfo | None = None
    # Products mostly bought *instead of* this one (alternatives: they share partners but
    # rarely an order). Never offered beside it, nor beside each other in one block.
    substitute_ids: frozenset[int] = field(default_factory=frozenset)

    @property
    def sibling_ids(self) -> frozenset[int]:
        return frozenset(self.ladder.product_ids) if self.ladder else frozenset()


_local_candidates = LocalLRU(limit=4096, timeout=settings.RECOMMENDATIONS_CACHE_TIMEOUT)


# The layout of the cached values: bumped whenever `ProductCandidates` or `Candidate` gains a
# field, so a new release never unpickles an older release's entries (missing attributes).
CANDIDATES_LAYOUT = 3


def _key(generation: tuple[int, int], product_id: int) -> str:
    return f"recommendations:candidates:v{CANDIDATES_LAYOUT}:{generation[0]}:{generation[1]}:{product_id}"


def candidates_for_many(product_ids: Iterable[int]) -> dict[int, ProductCandidates]:
    """Cached candidates for several products; the misses are built together in a constant
    number of queries, whatever their number."""
    product_ids = list(dict.fromkeys(product_ids))
    if not product_ids:
        return {}
    generation = cache_generation()
    keys = {_key(generation, pid): pid for pid in product_ids}
    # Candidates are immutable (frozen dataclasses of tuples): the local copy is shared as is.
    local = _local_candidates.get_many(keys)
    found = {keys[key]: value for key, value in local.items()}
    if len(found) < len(keys):
        shared = cache.get_many([key for key in keys if key not in local])
        _local_candidates.set_many(shared)
        found.update({keys[key]: value for key, value in shared.items()})
    missing = [pid for pid in product_ids if pid not in found]
    if missing:
        built = build_candidates(missing)
        values = {_key(generation, pid): value for pid, value in built.items()}
        cache.set_many(values, settings.RECOMMENDATIONS_CACHE_TIMEOUT)
        _local_candidates.set_many(values)
        found.update(built)
    return found


def build_candidates(product_ids: list[int]) -> dict[int, ProductCandidates]:
    """Curated links first (staff order), then computed partners by score, then fallbacks
    (co-purchases of the category, then the category's best sellers)."""
    anchors = {p.pk: p for p in Product.objects.filter(pk__in=product_ids).select_related("category").only("id", "price", "category_id", "category__name")}
    excluded = _exclusions(product_ids)
    ladders = _ladders(product_ids)
    curated = _curated_complements(product_ids)
    upgrades = _curated_upgrades(product_ids)
    partners = partners_for_many(product_ids=product_ids, limit=PARTNER_POOL)
    category_ids = {anchor.category_id for anchor in anchors.values()}
    top_sellers = _category_top_sellers(category_ids)
    category_partners = _category_copurchases(top_sellers)

    result = {}
    for pid in product_ids:
        anchor = anchors.get(pid)
        if anchor is None:
            continue
        ladder = ladders.get(pid)
        siblings = set(ladder.product_ids) if ladder else set()
        blocked = {pid} | excluded[pid]
        category_name = anchor.category.name
        pool: list[Candidate] = []
        seen: set[int] = set()

        def offer(candidate: Candidate, *, allow_siblings: bool = False) -> None:
            cid = candidate.product_id
            if cid in seen or cid in blocked or (cid in siblings and not allow_siblings):
                return
            seen.add(cid)
            pool.append(candidate)

        for link in curated[pid]:
            offer(Candidate(product_id=link[0], source=Source.CURATED, anchor_id=pid, pitch=link[1]))
        for partner in partners.get(pid, []):
            offer(Candidate(product_id=partner.product_id, source=Source.COPURCHASE, anchor_id=pid, partner=partner))
        for cid in category_partners.get(anchor.category_id, []):
            offer(Candidate(product_id=cid, source=Source.CATEGORY, anchor_id=pid, category_name=category_name))
        for cid in top_sellers.get(anchor.category_id, []):
            offer(Candidate(product_id=cid, source=Source.BESTSELLER, anchor_id=pid, category_name=category_name))

        upgrade_pool: list[Candidate] = []
        upgrade_seen: set[int] = set()
        ladder_upgrades: list[Candidate] = []
        if ladder:
            current = next(t for t in ladder.tiers if t.product_id == pid)
            higher = [t for t in ladder.tiers if t.position > current.position or (t.position == current.position and t.product_id > pid)]
            # The tier staff marked "Recommended" is the first offer when it is a step up.
            higher.sort(key=lambda t: (not t.is_recommended, t.position))
            ladder_upgrades = [
                Candidate(product_id=t.product_id, source=Source.LADDER, anchor_id=pid, pitch=f"the {t.label} model of the {ladder.name.lower()} range")
                for t in higher
            ]
        for candidate in [
            *(Candidate(product_id=uid, source=Source.UPGRADE, anchor_id=pid, pitch=pitch) for uid, pitch in upgrades[pid]),
            *ladder_upgrades,
        ]:
            if candidate.product_id in upgrade_seen or candidate.product_id in blocked:
                continue
            upgrade_seen.add(candidate.product_id)
            upgrade_pool.append(candidate)

        result[pid] = ProductCandidates(
            product_id=pid,
            complements=tuple(pool),
            upgrades=tuple(upgrade_pool),
            excluded_ids=frozenset(excluded[pid]),
            ladder=ladder,
        )
    return _with_substitutes(result)


def substitutes_for_many(product_ids: set[int]) -> dict[int, frozenset[int]]:
    """The products mostly bought instead of each of `product_ids`, among them (only those
    that have any), for the block guard (`guards.BlockRules`): the statistics' substitute
    pairs (`copurchase.substitutes`) over the live partner lists. One query, on a cache
    miss only: the result is cached with the rest of the candidates."""
    return substitute_pairs(partners_for_many(product_ids=product_ids, limit=PARTNER_POOL))


def _with_substitutes(entries: dict[int, ProductCandidates]) -> dict[int, ProductCandidates]:
    """Each entry and each of its candidates with their substitutes."""
    ids = set(entries) | {c.product_id for entry in entries.values() for c in (*entry.complements, *entry.upgrades)}
    substitutes = substitutes_for_many(ids) if ids else {}
    if not substitutes:
        return entries

    def mark(candidates: tuple[Candidate, ...]) -> tuple[Candidate, ...]:
        return tuple(
            replace(c, substitute_ids=substitutes[c.product_id]) if c.product_id in substitutes else c for c in candidates
        )

    return {
        pid: replace(
            entry,
            complements=mark(entry.complements),
            upgrades=mark(entry.upgrades),
            substitute_ids=substitutes.get(pid, frozenset()),
        )
        for pid, entry in entries.items()
    }


def _exclusions(product_ids: list[int]) -> dict[int, set[int]]:
    excluded: dict[int, set[int]] = defaultdict(set)
    pairs = Exclusion.objects.filter(Q(product_a_id__in=product_ids) | Q(product_b_id__in=product_ids)).values_list(
        "product_a_id", "product_b_id"
    )
    for a, b in pairs:
        excluded[a].add(b)
        excluded[b].add(a)
    return excluded


def _ladders(product_ids: list[int]) -> dict[int, LadderInfo]:
    """The ladder of each product, with all its tiers, in one query."""
    rows = (
        LadderTier.objects.filter(ladder__tiers__product_id__in=product_ids)
        .select_related("ladder")
        .order_by("ladder_id", "position", "id")
        .distinct()
    )
    tiers_by_ladder: dict[int, list[LadderTier]] = defaultdict(list)
    for tier in rows:
        tiers_by_ladder[tier.ladder_id].append(tier)
    result = {}
    for tiers in tiers_by_ladder.values():
        ladder = tiers[0].ladder
        info = LadderInfo(
            ladder_id=ladder.pk,
            name=ladder.name,
            hide_identical_rows=ladder.hide_identical_rows,
            tiers=tuple(TierInfo(t.product_id, t.label, t.position, t.is_recommended) for t in tiers),
        )
        for tier in tiers:
            result[tier.product_id] = info
    return result


def _curated_complements(product_ids: list[int]) -> dict[int, list[tuple[int, str]]]:
    """Staff links in staff order; a two-way link also counts from the complement's side
    (after the product's own links)."""
    links = (
        Complement.objects.current()
        .filter(Q(product_id__in=product_ids) | Q(complement_id__in=product_ids, two_way=True))
        .order_by("position", "id")
        .values_list("product_id", "complement_id", "pitch", "two_way")
    )
    forward: dict[int, list[tuple[int, str]]] = defaultdict(list)
    backward: dict[int, list[tuple[int, str]]] = defaultdict(list)
    wanted = set(product_ids)
    for product_id, complement_id, pitch, two_way in links:
        if product_id in wanted:
            forward[product_id].append((complement_id, pitch))
        if two_way and complement_id in wanted:
            backward[complement_id].append((product_id, pitch))
    return defaultdict(list, {pid: forward[pid] + backward[pid] for pid in wanted})


def _curated_upgrades(product_ids: list[int]) -> dict[int, list[tuple[int, str]]]:
    upgrades: dict[int, list[tuple[int, str]]] = defaultdict(list)
    for product_id, upgrade_id, pitch in (
        Upgrade.objects.filter(product_id__in=product_ids).order_by("position", "id").values_list("product_id", "upgrade_id", "pitch")
    ):
        upgrades[product_id].append((upgrade_id, pitch))
    return upgrades


def _category_top_sellers(category_ids: set[int]) -> dict[int, list[int]]:
    """The best sellers (by sales_count) of each category, in one windowed query."""
    if not category_ids:
        return {}
    rows = (
        Product.objects.available()
        .filter(category_id__in=category_ids)
        .annotate(rank=Window(RowNumber(), partition_by=F("category_id"), order_by=[F("sales_count").desc(), F("id").asc()]))
        .filter(rank__lte=FALLBACK_POOL)
        .order_by("category_id", "rank")
        .values_list("category_id", "id")
    )
    result: dict[int, list[int]] = defaultdict(list)
    for category_id, product_id in rows:
        result[category_id].append(product_id)
    return result


def _category_copurchases(top_sellers: dict[int, list[int]]) -> dict[int, list[int]]:
    """Products most bought with the category's best sellers: the partners' scores summed
    over the category, for products with no history of their own."""
    seller_ids = [pid for ids in top_sellers.values() for pid in ids]
    if not seller_ids:
        return {}
    partners = partners_for_many(product_ids=seller_ids, limit=FALLBACK_POOL)
    result = {}
    for category_id, ids in top_sellers.items():
        scores: dict[int, float] = defaultdict(float)
        for pid in ids:
            for partner in partners.get(pid, []):
                scores[partner.product_id] += float(partner.score)
        result[category_id] = sorted(scores, key=lambda cid: (-scores[cid], cid))[:FALLBACK_POOL]
    return result
