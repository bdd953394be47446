"""The guards every placement applies: what may never be offered, whatever the ranking says.

Two kinds: per item (`recommendable`: active, in stock, not blocked, not owned unless used
up; `upgrade_allowed`: the price step of an upgrade) and per block (`BlockRules`: what two
items of one block may not be, because shoppers buy one *instead of* the other). `take`
walks a ranking with both and keeps the first items that pass, so a slot an item is refused
goes to the next relevant one.
"""

from collections import Counter
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from decimal import Decimal

from django.conf import settings

from recommendations.selectors.candidates import Candidate, ProductCandidates
from recommendations.selectors.products import FreshProduct
from recommendations.vocabulary import Source


def recommendable(product: FreshProduct | None, *, blocked: set[int]) -> bool:
    """Active, in stock, not blocked, and not something the customer already owns (unless
    they use it up)."""
    if product is None or product.pk in blocked:
        return False
    if not product.is_active or product.stock <= 0:
        return False
    if product.bought_before and not product.is_consumable:
        return False
    return True


def upgrade_allowed(product: FreshProduct, *, current_price: Decimal) -> bool:
    """Costs more, but only marginally more (RECOMMENDATIONS_UPGRADE_MAX_FACTOR)."""
    return current_price < product.price <= current_price * settings.RECOMMENDATIONS_UPGRADE_MAX_FACTOR


def blocked_ids(anchor_ids: Iterable[int], candidates: dict[int, ProductCandidates]) -> set[int]:
    """Anchors, their exclusions, their tier siblings (siblings are upgrades, not complements)
    and their substitutes (alternatives to them, not complements either)."""
    blocked = set(anchor_ids)
    for anchor_id in list(blocked):
        entry = candidates.get(anchor_id)
        if entry:
            blocked |= entry.excluded_ids | entry.sibling_ids | entry.substitute_ids
    return blocked


@dataclass
class BlockRules:
    """What one block holds so far, and the rules between its items. A block never holds:

    - two tiers of one ladder (a 1.5 L and a 1.7 L kettle are one purchase, not two);
    - two best sellers of one category (the last fallback, "Popular in Kitchen Appliances"): a
      category's best-seller list carries no evidence of going with anything, and two of its
      items are most often alternatives of each other (two kettles). The category's
      co-purchases may share a category: they are bought *with* the category, not instead;
    - two substitutes (`Candidate.substitute_ids`, from the statistics: shared partners but
      rarely an order).

    Complements by evidence (curated, co-purchased) of one category may sit side by side too:
    a tea towel and an oven glove are both "Kitchen textiles" and bought together.

    `per_anchor` (the personal blocks, whose items come from many anchors) caps how many items
    one anchor brings, so one busy anchor does not fill the block.
    """

    ladders: set[int] = field(default_factory=set)
    bestseller_categories: set[int] = field(default_factory=set)
    held: set[int] = field(default_factory=set)
    # The substitutes of what the block holds.
    excluded: set[int] = field(default_factory=set)
    per_anchor: int | None = None
    anchors: Counter = field(default_factory=Counter)

    def admits(self, candidate: Candidate, product: FreshProduct) -> bool:
        if self.per_anchor is not None and self.anchors[candidate.anchor_id] >= self.per_anchor:
            return False
        if product.ladder_id is not None and product.ladder_id in self.ladders:
            return False
        if candidate.source == Source.BESTSELLER and product.category_id in self.bestseller_categories:
            return False
        return product.pk not in self.excluded and not (candidate.substitute_ids & self.held)

    def add(self, candidate: Candidate, product: FreshProduct) -> None:
        if product.ladder_id is not None:
            self.ladders.add(product.ladder_id)
        if candidate.source == Source.BESTSELLER and product.category_id is not None:
            self.bestseller_categories.add(product.category_id)
        self.held.add(product.pk)
        self.excluded |= candidate.substitute_ids
        self.anchors[candidate.anchor_id] += 1


def take(
    candidates: Iterable[Candidate],
    fresh: Mapping[int, FreshProduct],
    *,
    blocked: set[int],
    limit: int,
    rules: BlockRules | None = None,
) -> list[Candidate]:
    """The first `limit` candidates, in their order, that pass the guards and the block's
    rules (a new block unless `rules` is given); the same product is never taken twice."""
    rules = rules if rules is not None else BlockRules()
    blocked = set(blocked)
    taken = []
    for candidate in candidates:
        if len(taken) >= limit:
            break
        product = fresh.get(candidate.product_id)
        if recommendable(product, blocked=blocked) and rules.admits(candidate, product):
            taken.append(candidate)
            rules.add(candidate, product)
            blocked.add(candidate.product_id)
    return taken


def first_upgrade(
    upgrades: Iterable[Candidate], fresh: Mapping[int, FreshProduct], *, blocked: set[int], current_price: Decimal
) -> Candidate | None:
    """The first upgrade that passes the guards and the price rule."""
    for candidate in upgrades:
        offered = fresh.get(candidate.product_id)
        if recommendable(offered, blocked=blocked) and upgrade_allowed(offered, current_price=current_price):
            return candidate
    return None
