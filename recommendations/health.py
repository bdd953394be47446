"""The health report: curation that has gone stale, each finding with a link to fix it.
One query per section, whatever the size of the catalogue. Shown in the admin beside the
curation it checks (`recommendations.admin`)."""

from dataclasses import dataclass
from datetime import timedelta

from django.db.models import Exists, OuterRef, Q
from django.urls import NoReverseMatch, reverse
from django.utils import timezone

from catalog.models import Product
from recommendations.copurchase.models import PairStat, Snapshot
from recommendations.measurement.models import Event
from recommendations.models import Complement, LadderTier, Upgrade

# Findings listed per section (the most important first); the total is always given.
SECTION_LIMIT = 25
UNUSED_LINK_DAYS = 30


@dataclass(frozen=True)
class Finding:
    subject: str
    problem: str
    fix_url: str
    fix_label: str


@dataclass(frozen=True)
class Section:
    key: str
    title: str
    explanation: str
    findings: list[Finding]
    total: int


def _admin_url(instance) -> str:
    opts = instance._meta
    try:
        return reverse(f"admin:{opts.app_label}_{opts.model_name}_change", args=[instance.pk])
    except NoReverseMatch:
        return ""


def _unavailable(product: Product) -> str:
    return "inactive" if not product.is_active else "out of stock"


_UNAVAILABLE = Q(is_active=False) | Q(stock=0)


def _section(key, title, explanation, findings: list[Finding], total: int | None = None) -> Section:
    return Section(key, title, explanation, findings[:SECTION_LIMIT], len(findings) if total is None else total)


def _first_and_total(queryset) -> tuple[list, int]:
    """The first SECTION_LIMIT rows, and how many there are (a COUNT only when there are more)."""
    rows = list(queryset[: SECTION_LIMIT + 1])
    if len(rows) <= SECTION_LIMIT:
        return rows, len(rows)
    return rows[:SECTION_LIMIT], queryset.count()


def dead_links() -> Section:
    """Curated links, upgrades and ladder tiers that point at a product nobody can buy."""
    unavailable = Product.objects.filter(_UNAVAILABLE).values("pk")
    findings = []
    for link in Complement.objects.filter(complement__in=unavailable).select_related("product", "complement"):
        findings.append(
            Finding(
                subject=f"{link.product} → {link.complement}",
                problem=f"Complement “{link.complement}” is {_unavailable(link.complement)}.",
                fix_url=_admin_url(link) or _admin_url(link.product),
                fix_label="Edit the link",
            )
        )
    for link in Upgrade.objects.filter(upgrade__in=unavailable).select_related("product", "upgrade"):
        findings.append(
            Finding(
                subject=f"{link.product} ⇒ {link.upgrade}",
                problem=f"Upgrade “{link.upgrade}” is {_unavailable(link.upgrade)}.",
                fix_url=_admin_url(link) or _admin_url(link.product),
                fix_label="Edit the upgrade",
            )
        )
    for tier in LadderTier.objects.filter(product__in=unavailable).select_related("ladder", "product"):
        findings.append(
            Finding(
                subject=f"{tier.ladder}: {tier.label}",
                problem=f"Tier product “{tier.product}” is {_unavailable(tier.product)}.",
                fix_url=_admin_url(tier.ladder),
                fix_label="Edit the ladder",
            )
        )
    return _section(
        "dead-links",
        "Links to products nobody can buy",
        "Curated complements, upgrades and ladder tiers pointing at an inactive or out-of-stock product. "
        "The storefront skips them, so these slots show something else (or nothing).",
        findings,
    )


def products_without_complements() -> Section:
    """Active products with nothing curated and nothing in the live statistics, best sellers
    first: their pages are seen most."""
    curated = Complement.objects.filter(Q(product=OuterRef("pk")) | Q(complement=OuterRef("pk"), two_way=True))
    live = Snapshot.objects.filter(status=Snapshot.Status.LIVE).values("pk")[:1]
    computed = PairStat.objects.filter(snapshot_id__in=live, product_id=OuterRef("pk"))
    products, total = _first_and_total(
        Product.objects.active()
        .filter(~Exists(curated), ~Exists(computed))
        .select_related("category")
        .order_by("-sales_count", "name")
    )
    findings = [
        Finding(
            subject=str(product),
            problem=f"No curated complement and no co-purchase data ({product.category}).",
            fix_url=_admin_url(product),
            fix_label="Add complements",
        )
        for product in products
    ]
    return _section(
        "no-complements",
        "Active products with no complements at all",
        "Neither staff nor the statistics pair these with anything: their pages fall back to best sellers.",
        findings,
        total,
    )


def unused_links(*, now=None) -> Section:
    """Curated links live for at least 30 days that nobody clicked in the last 30 days."""
    now = now or timezone.now()
    since = now - timedelta(days=UNUSED_LINK_DAYS)
    clicked = Event.objects.filter(
        kind=Event.Kind.CLICK, anchor=OuterRef("product"), product=OuterRef("complement"), created_at__gte=since
    )
    links, total = _first_and_total(
        Complement.objects.current(now=now)
        .filter(created_at__lte=since, product__is_active=True)
        .filter(~Exists(clicked))
        .select_related("product", "complement")
        .order_by("-product__sales_count", "product__name", "position")
    )
    findings = [
        Finding(
            subject=f"{link.product} → {link.complement}",
            problem=f"No clicks in {UNUSED_LINK_DAYS} days.",
            fix_url=_admin_url(link) or _admin_url(link.product),
            fix_label="Review the link",
        )
        for link in links
    ]
    return _section(
        "unused-links",
        f"Curated links with no clicks in {UNUSED_LINK_DAYS} days",
        "Links older than a month that no shopper has clicked lately: a better complement may earn the slot.",
        findings,
        total,
    )


def expired_pins(*, now=None) -> Section:
    now = now or timezone.now()
    links = Complement.objects.filter(active_until__lte=now).select_related("product", "complement")
    findings = [
        Finding(
            subject=f"{link.product} → {link.complement}",
            problem=f"Ended {timezone.localtime(link.active_until):%d %b %Y}.",
            fix_url=_admin_url(link) or _admin_url(link.product),
            fix_label="Extend or delete",
        )
        for link in links
    ]
    return _section(
        "expired-pins",
        "Pins past their end date",
        "Curated links whose end date has passed: no longer shown. Extend them or delete them.",
        findings,
    )


def health_report(*, now=None) -> list[Section]:
    return [dead_links(), products_without_complements(), unused_links(now=now), expired_pins(now=now)]
