""""Upgrade what you own": for a product a customer bought RECOMMENDATIONS_UPGRADE_AFTER_DAYS
ago, its first upgrade (curated, then the higher tiers of its ladder) that passes the guards
and the price rule, unless they own it or a higher tier already. Shown on the home page
(`personal.home_recommendations`) and sent once by e-mail (`followups.owned`)."""

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.conf import settings
from django.utils.timesince import timesince

from catalog.models import Product
from recommendations.personal.history import Visits
from recommendations.selectors.candidates import Candidate, ProductCandidates, candidates_for_many
from recommendations.selectors.guards import first_upgrade
from recommendations.selectors.products import FreshProduct, display_products, fresh_products
from recommendations.selectors.results import Recommendation, recommendation_for


@dataclass(frozen=True)
class UpgradeOffer:
    """A step up from something the customer bought a while ago."""

    owned: Product
    bought_at: datetime
    upgrade: Recommendation

    @property
    def bought_ago(self) -> str:
        """"4 months": one unit is enough to say how long they have had it."""
        return timesince(self.bought_at, depth=1)


def owned_not_used_up(fresh: Mapping[int, FreshProduct], owned_ids: Iterable[int]) -> set[int]:
    """What the customer owns and does not use up: never offered again."""
    return {pid for pid in owned_ids if pid in fresh and not fresh[pid].is_consumable}


def upgrade_window(*, now: datetime, late_days: int | None = None) -> tuple[datetime, datetime]:
    """Purchases made between these two moments are due an upgrade offer: at least
    RECOMMENDATIONS_UPGRADE_AFTER_DAYS ago, and for RECOMMENDATIONS_UPGRADE_OFFER_DAYS after
    that (or `late_days`, the e-mail's tolerance)."""
    latest = now - timedelta(days=settings.RECOMMENDATIONS_UPGRADE_AFTER_DAYS)
    days = settings.RECOMMENDATIONS_UPGRADE_OFFER_DAYS if late_days is None else late_days
    return latest - timedelta(days=days), latest


def due_upgrades(bought: Visits, *, now: datetime, late_days: int | None = None) -> list[tuple[int, datetime]]:
    earliest, latest = upgrade_window(now=now, late_days=late_days)
    return [(pid, when) for pid, when in bought if earliest <= when <= latest]


def upgrade_picks(
    due: Sequence[tuple[int, datetime]],
    candidates: Mapping[int, ProductCandidates],
    fresh: Mapping[int, FreshProduct],
    *,
    owned_ids: set[int],
    blocked: set[int],
) -> list[tuple[int, datetime, Candidate]]:
    """(owned product, when bought, its upgrade) for each due purchase that has one: a
    customer who owns the upgrade or a higher tier of the ladder already gets none."""
    picks = []
    taken: set[int] = set()
    for pid, when in due:
        entry, current = candidates.get(pid), fresh.get(pid)
        if entry is None or current is None:
            continue
        if entry.ladder is not None:
            position = next(t.position for t in entry.ladder.tiers if t.product_id == pid)
            if any(t.product_id in owned_ids and t.position > position for t in entry.ladder.tiers):
                continue
        owned = owned_ids | {c.product_id for c in entry.upgrades if fresh.get(c.product_id) and fresh[c.product_id].bought_before}
        upgrade = first_upgrade(
            [c for c in entry.upgrades if c.product_id not in owned and c.product_id not in taken],
            fresh, blocked=blocked | entry.excluded_ids, current_price=current.price,
        )
        if upgrade is not None:
            picks.append((pid, when, upgrade))
            taken.add(upgrade.product_id)
    return picks


def upgrade_offer(pick: tuple[int, datetime, Candidate], products: Mapping[int, Product]) -> UpgradeOffer:
    pid, when, candidate = pick
    owned, offered = products[pid], products[candidate.product_id]
    return UpgradeOffer(
        owned=owned, bought_at=when,
        upgrade=recommendation_for(candidate, offered, price_delta=offered.price - owned.price),
    )


def owned_upgrades(*, bought: Visits, owned_ids: Iterable[int], user=None, now: datetime, late_days: int | None = None) -> list[UpgradeOffer]:
    """The upgrade offers due for a customer's purchases (`bought`: their products with the
    last time bought; `owned_ids`: everything they own), newest purchase first."""
    due = due_upgrades(bought, now=now, late_days=late_days)
    if not due:
        return []
    owned_ids = set(owned_ids)
    candidates = candidates_for_many([pid for pid, _ in due])
    ids = {pid for pid, _ in due} | {c.product_id for entry in candidates.values() for c in entry.upgrades}
    fresh = fresh_products(ids, user=user)
    picks = upgrade_picks(due, candidates, fresh, owned_ids=owned_ids, blocked=owned_not_used_up(fresh, owned_ids))
    products = display_products(fresh, {pid for pid, _, _ in picks} | {c.product_id for _, _, c in picks})
    return [upgrade_offer(pick, products) for pick in picks]
