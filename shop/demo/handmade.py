"""A small hand-made catalogue with rich attributes: what the tier chart and the curated
complements show off best. The gift shop's data has no appliances; these are ours.

Plain data; `shop.demo.services` turns it into rows.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal

CATEGORY = "Kitchen Appliances"


@dataclass(frozen=True)
class AttributeSpec:
    name: str
    kind: str  # catalog.Attribute.Kind value: "text", "number", "boolean"
    unit: str = ""
    position: int = 0


@dataclass(frozen=True)
class HandmadeProduct:
    sku: str
    name: str
    price: Decimal
    description: str
    attributes: dict[str, str] = field(default_factory=dict)
    stock: int = 40
    is_consumable: bool = False


@dataclass(frozen=True)
class HandmadeLadder:
    name: str
    tiers: tuple[tuple[str, str], ...]  # (sku, label), cheapest first
    recommended: str  # the sku of the recommended tier


@dataclass(frozen=True)
class HandmadeLink:
    product: str  # sku
    other: str  # sku
    pitch: str


# Attributes of the data set's ladders (derived from names) and of the hand-made lines.
ATTRIBUTES: tuple[AttributeSpec, ...] = (
    AttributeSpec("Size", "text", position=10),
    AttributeSpec("Pieces", "number", position=20),
    AttributeSpec("Slices", "number", position=30),
    AttributeSpec("Bagel setting", "boolean", position=40),
    AttributeSpec("Defrost", "boolean", position=50),
    AttributeSpec("Browning levels", "number", position=60),
    AttributeSpec("Capacity", "number", unit="L", position=70),
    AttributeSpec("Temperature settings", "number", position=80),
    AttributeSpec("Keep warm", "boolean", position=90),
    AttributeSpec("Knife block", "boolean", position=100),
    AttributeSpec("Dishwasher safe", "boolean", position=110),
    AttributeSpec("Warranty", "text", position=200),
)

PRODUCTS: tuple[HandmadeProduct, ...] = (
    HandmadeProduct(
        "TD-TOAST-2",
        "Classic 2-Slice Toaster",
        Decimal("24.99"),
        "Two wide slots, a crumb tray that slides out and six browning levels. Simple and dependable.",
        {"Slices": "2", "Bagel setting": "no", "Defrost": "yes", "Browning levels": "6", "Warranty": "1 year"},
    ),
    HandmadeProduct(
        "TD-TOAST-4",
        "Family 4-Slice Toaster",
        Decimal("34.99"),
        "Four slots with independent controls, so breakfast for the whole family is ready at once.",
        {"Slices": "4", "Bagel setting": "no", "Defrost": "yes", "Browning levels": "6", "Warranty": "2 years"},
    ),
    HandmadeProduct(
        "TD-TOAST-4B",
        "4-Slice Toaster with Bagel Setting",
        Decimal("39.99"),
        "Four extra-wide slots and a bagel setting that toasts the cut side only. Seven browning levels.",
        {"Slices": "4", "Bagel setting": "yes", "Defrost": "yes", "Browning levels": "7", "Warranty": "2 years"},
    ),
    HandmadeProduct(
        "TD-KETTLE-15",
        "Everyday 1.5 L Kettle",
        Decimal("19.99"),
        "A quiet, quick kettle with a washable limescale filter and a clear water window.",
        {"Capacity": "1.5", "Temperature settings": "1", "Keep warm": "no", "Warranty": "1 year"},
    ),
    HandmadeProduct(
        "TD-KETTLE-17",
        "Rapid Boil 1.7 L Kettle",
        Decimal("29.99"),
        "Boils a cup in 45 seconds; the concealed element makes it easy to keep clean.",
        {"Capacity": "1.7", "Temperature settings": "1", "Keep warm": "no", "Warranty": "2 years"},
    ),
    HandmadeProduct(
        "TD-KETTLE-17T",
        "Temperature Control 1.7 L Kettle",
        Decimal("49.99"),
        "Five temperatures for green tea, coffee and baby bottles, and a 30-minute keep-warm.",
        {"Capacity": "1.7", "Temperature settings": "5", "Keep warm": "yes", "Warranty": "3 years"},
    ),
    HandmadeProduct(
        "TD-KNIFE-3",
        "3-Piece Kitchen Knife Set",
        Decimal("29.99"),
        "A chef's knife, a utility knife and a paring knife in German stainless steel.",
        {"Pieces": "3", "Knife block": "no", "Dishwasher safe": "no", "Warranty": "5 years"},
    ),
    HandmadeProduct(
        "TD-KNIFE-5",
        "5-Piece Knife Block Set",
        Decimal("59.99"),
        "Chef's, bread, carving, utility and paring knives in an oak block.",
        {"Pieces": "5", "Knife block": "yes", "Dishwasher safe": "no", "Warranty": "10 years"},
    ),
    HandmadeProduct(
        "TD-KNIFE-7",
        "7-Piece Chef's Knife Block",
        Decimal("89.99"),
        "The five-piece set plus a santoku and kitchen scissors, in a slim magnetic oak block.",
        {"Pieces": "7", "Knife block": "yes", "Dishwasher safe": "no", "Warranty": "Lifetime"},
    ),
    # Complements: what goes with the lines above.
    HandmadeProduct(
        "TD-SHARPEN",
        "Two-Stage Knife Sharpener",
        Decimal("12.99"),
        "Coarse and fine ceramic wheels: a few strokes a week keep the edge keen.",
        {"Warranty": "1 year"},
    ),
    HandmadeProduct(
        "TD-BOARD",
        "Bamboo Chopping Board",
        Decimal("14.99"),
        "A large end-grain board that is kind to knife edges, with a juice groove.",
        {"Dishwasher safe": "no"},
    ),
    HandmadeProduct(
        "TD-DESCALE",
        "Kettle Descaler, 6 Sachets",
        Decimal("4.99"),
        "Citric-acid descaler: one sachet a month keeps the kettle clean and boiling fast.",
        {"Pieces": "6"},
        stock=120,
        is_consumable=True,
    ),
    HandmadeProduct(
        "TD-TOASTRACK",
        "Stainless Steel Toast Rack",
        Decimal("9.99"),
        "Six slots to keep toast crisp at the table.",
        {"Dishwasher safe": "yes"},
    ),
    HandmadeProduct(
        "TD-BREADBIN",
        "Enamel Bread Bin",
        Decimal("24.99"),
        "Keeps a large loaf fresh for days; a bamboo lid doubles as a board.",
        {"Warranty": "1 year"},
    ),
)

LADDERS: tuple[HandmadeLadder, ...] = (
    HandmadeLadder(
        "Toasters",
        (("TD-TOAST-2", "2-slice"), ("TD-TOAST-4", "4-slice"), ("TD-TOAST-4B", "4-slice + bagel")),
        recommended="TD-TOAST-4B",
    ),
    HandmadeLadder(
        "Kettles",
        (("TD-KETTLE-15", "1.5 L"), ("TD-KETTLE-17", "1.7 L rapid"), ("TD-KETTLE-17T", "1.7 L temperature")),
        recommended="TD-KETTLE-17",
    ),
    HandmadeLadder(
        "Knife sets",
        (("TD-KNIFE-3", "3 pieces"), ("TD-KNIFE-5", "5 pieces + block"), ("TD-KNIFE-7", "7 pieces + block")),
        recommended="TD-KNIFE-5",
    ),
)

COMPLEMENTS: tuple[HandmadeLink, ...] = (
    HandmadeLink("TD-KNIFE-3", "TD-SHARPEN", "Keeps the blade sharp"),
    HandmadeLink("TD-KNIFE-3", "TD-BOARD", "Kind to the edge"),
    HandmadeLink("TD-KNIFE-5", "TD-SHARPEN", "Keeps the blade sharp"),
    HandmadeLink("TD-KNIFE-5", "TD-BOARD", "Kind to the edge"),
    HandmadeLink("TD-KNIFE-7", "TD-SHARPEN", "Keeps the blade sharp"),
    HandmadeLink("TD-KNIFE-7", "TD-BOARD", "Kind to the edge"),
    HandmadeLink("TD-KETTLE-15", "TD-DESCALE", "Keeps it boiling fast"),
    HandmadeLink("TD-KETTLE-17", "TD-DESCALE", "Keeps it boiling fast"),
    HandmadeLink("TD-KETTLE-17T", "TD-DESCALE", "Keeps it boiling fast"),
    HandmadeLink("TD-TOAST-2", "TD-TOASTRACK", "Keeps toast crisp"),
    HandmadeLink("TD-TOAST-4", "TD-TOASTRACK", "Keeps toast crisp"),
    HandmadeLink("TD-TOAST-4B", "TD-TOASTRACK", "Keeps toast crisp"),
    HandmadeLink("TD-TOAST-4", "TD-BREADBIN", "Fresh bread for days"),
)

UPGRADES: tuple[HandmadeLink, ...] = (
    HandmadeLink("TD-TOAST-2", "TD-TOAST-4B", "Toasts bagels too"),
    HandmadeLink("TD-TOAST-4", "TD-TOAST-4B", "Toasts bagels too"),
    HandmadeLink("TD-KETTLE-17", "TD-KETTLE-17T", "The right heat for green tea"),
    HandmadeLink("TD-KNIFE-3", "TD-KNIFE-5", "Adds a bread knife and a block"),
)

FEATURED = ("TD-TOAST-4B", "TD-KNIFE-5")
