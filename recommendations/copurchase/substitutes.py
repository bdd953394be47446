"""Substitutes: products bought *instead of* each other, told apart by the statistics.

Two kettles are both bought with toasters, mugs and descaler, but almost never with each
other: they share most of their partners and rarely an order. Two complements of one
anchor (a toaster's rack and its bread bin) share partners too, but are bought together
as well. So a pair is a substitute pair when

- its two partner lists overlap: at least `MIN_SHARED` partners in common, weighing at least
  `MIN_OVERLAP` of the heavier list (each list without the other product). A partner weighs
  log(orders / its orders): best sellers sit in everybody's list and say little, a partner
  only a few products have says a lot (two doormats share the doormat buyers' other items,
  not just the shop's best sellers), and
- they rarely share an order: bought together less often than chance (lift < 1) where one
  list keeps the other, or not kept by either list at all — with that many distinctive
  partners in common, two products often bought together would be in each other's lists.

A pure function over the live snapshot's partner lists (the ones the storefront reads), so
it needs nothing the nightly refresh does not already publish, and the selection service
reads it with the rest of its cached candidates.
"""

import math
from collections import defaultdict
from collections.abc import Mapping, Sequence

from .selectors import Partner

MIN_SHARED = 3
MIN_OVERLAP = 0.5


def substitute_pairs(partner_lists: Mapping[int, Sequence[Partner]]) -> dict[int, frozenset[int]]:
    """For each product (a key of `partner_lists`) the others among the keys it is a
    substitute of; products with none are left out."""
    partners = {pid: {p.product_id for p in plist} for pid, plist in partner_lists.items()}
    lift = {(pid, p.product_id): p.lift for pid, plist in partner_lists.items() for p in plist}
    weight = _partner_weights(partner_lists)
    holders: dict[int, list[int]] = defaultdict(list)
    for pid, ids in partners.items():
        for partner_id in ids:
            holders[partner_id].append(pid)

    shared: dict[tuple[int, int], list[int]] = defaultdict(list)
    for partner_id, having in holders.items():
        for i, a in enumerate(having):
            for b in having[i + 1 :]:
                shared[(a, b) if a < b else (b, a)].append(partner_id)

    found: dict[int, set[int]] = defaultdict(set)
    for (a, b), common in shared.items():
        if len(common) < MIN_SHARED:
            continue
        heavier = max(sum(weight[q] for q in partners[a] - {b}), sum(weight[q] for q in partners[b] - {a}))
        if sum(weight[q] for q in common) < MIN_OVERLAP * heavier:
            continue
        together = [lift[pair] for pair in ((a, b), (b, a)) if pair in lift]
        if together and max(together) >= 1.0:
            continue
        found[a].add(b)
        found[b].add(a)
    return {pid: frozenset(ids) for pid, ids in found.items()}


def _partner_weights(partner_lists: Mapping[int, Sequence[Partner]]) -> dict[int, float]:
    """log(orders / the partner's orders) for every listed partner. The window's order count
    is not on a row, but each row's lift gives it back: lift = count_ab · N / (count_a · count_b)."""
    weight: dict[int, float] = {}
    for plist in partner_lists.values():
        for p in plist:
            if p.product_id not in weight:
                orders = p.lift * p.count_a * p.count_b / p.count_ab if p.count_ab else p.count_b
                weight[p.product_id] = math.log(max(orders, p.count_b) / p.count_b) if p.count_b else 0.0
    return weight
