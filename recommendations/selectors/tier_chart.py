"""The tier comparison chart: a matrix of dataclasses (tiers × attributes) that the template
loops over, built from a ladder and its products' display data; no query of its own."""

from collections.abc import Mapping
from dataclasses import dataclass
from decimal import Decimal

from catalog.models import Attribute, Product
from recommendations.selectors.candidates import LadderInfo

TRUE_WORDS = {"yes", "y", "true", "1", "✓"}


@dataclass(frozen=True)
class TierColumn:
    product: Product
    label: str
    is_current: bool
    is_recommended: bool
    price_delta: Decimal

    @property
    def available(self) -> bool:
        return self.product.is_active and self.product.stock > 0


@dataclass(frozen=True)
class TierCell:
    text: str
    flag: bool | None = None  # for yes/no attributes: ✓ / ✗


@dataclass(frozen=True)
class TierRow:
    name: str
    cells: list[TierCell]
    differs: bool


@dataclass(frozen=True)
class TierChart:
    name: str
    columns: list[TierColumn]
    rows: list[TierRow]


def tier_chart(ladder: LadderInfo, products: Mapping[int, Product], *, current: Product) -> TierChart | None:
    """The chart of the ladder's tiers among `products` (with their attributes loaded), or
    None when fewer than two of them can be shown."""
    tiers = [tier for tier in ladder.tiers if tier.product_id in products]
    if len(tiers) < 2:
        return None
    columns = [
        TierColumn(
            product=products[tier.product_id],
            label=tier.label,
            is_current=tier.product_id == current.pk,
            is_recommended=tier.is_recommended,
            price_delta=products[tier.product_id].price - current.price,
        )
        for tier in tiers
    ]
    attributes: dict[int, Attribute] = {}
    values: dict[tuple[int, int], str] = {}
    for column in columns:
        for value in column.product.attribute_values.all():
            attributes[value.attribute_id] = value.attribute
            values[(column.product.pk, value.attribute_id)] = value.value
    rows = []
    for attribute in sorted(attributes.values(), key=lambda a: (a.position, a.name)):
        raw = [values.get((column.product.pk, attribute.pk)) for column in columns]
        differs = len({(v or "").strip().lower() for v in raw}) > 1
        if ladder.hide_identical_rows and not differs:
            continue
        rows.append(TierRow(name=attribute.name, cells=[_cell(attribute, v) for v in raw], differs=differs))
    return TierChart(name=ladder.name, columns=columns, rows=rows)


def _cell(attribute: Attribute, value: str | None) -> TierCell:
    if attribute.kind == Attribute.Kind.BOOLEAN:
        flag = (value or "").strip().lower() in TRUE_WORDS
        return TierCell(text="Yes" if flag else "No", flag=flag)
    if value in (None, ""):
        return TierCell(text="—")
    return TierCell(text=f"{value} {attribute.unit}".strip())
