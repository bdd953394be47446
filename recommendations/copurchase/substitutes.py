"""Substitutes: products bought *instead of* each other, told apart by the statistics.

Two kettles are both bought with toasters, mugs and descaler, but almost never with each
other: they share most of their partners and rarely an order. Two complements of one
anchor (a toaster's rack and its bread bin) share partners too, but are bought together
as well. So a pair is a substitute pair when

- its two partner lists overlap: at least `MIN_SHARED` partners in common, and at least
  `MIN_OVERLAP` of the shorter list (each list without the other product), and
- they rarely share an order: bought together less often than chance (lift < 1) where one
  list keeps the other, or not kept by either list at all — with that many partners in
  common, two products that were often bought together would be in each other's lists.

A pure function over the live snapshot's partner lists (the ones the storefront reads), so
it needs nothing the nightly refresh does not already publish, and the selection service
reads it with the rest of its cached candidates.
"""

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
    holders: dict[int, list[int]] = defaultdict(list)
    for pid, ids in partners.items():
        for partner_id in ids:
            holders[partner_id].append(pid)

    shared: dict[tuple[int, int], int] = defaultdict(int)
    for having in holders.values():
        for i, a in enumerate(having):
            for b in having[i + 1 :]:
                shared[(a, b) if a < b else (b, a)] += 1

    found: dict[int, set[int]] = defaultdict(set)
    for (a, b), common in shared.items():
        if common < MIN_SHARED:
            continue
        shorter = min(len(partners[a] - {b}), len(partners[b] - {a}))
        if common < MIN_OVERLAP * shorter:
            continue
        together = [lift[pair] for pair in ((a, b), (b, a)) if pair in lift]
        if together and max(together) >= 1.0:
            continue
        found[a].add(b)
        found[b].add(a)
    return {pid: frozenset(ids) for pid, ids in found.items()}
