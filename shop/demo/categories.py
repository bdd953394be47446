"""Categories for the demo catalogue, derived from product names by keyword rules.

All the rules are in `RULES`, read top to bottom: the first rule with a keyword in the
name decides (so "CHRISTMAS CANDLE" is Christmas, not Candles). Keywords match whole
words, plurals included ("MUG" matches "MUGS"; "CARD" does not match "CARDHOLDER").
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import cached_property


@dataclass(frozen=True)
class Rule:
    parent: str
    child: str | None  # None: the product goes straight into the top-level category
    keywords: tuple[str, ...]

    @cached_property
    def pattern(self) -> re.Pattern:
        words = "|".join(re.escape(word) for word in sorted(self.keywords, key=len, reverse=True))
        return re.compile(rf"(?<![A-Z0-9])(?:{words})(?:S|ES)?(?![A-Z0-9])")


# (top-level, sub-category, keywords). Order matters: specific before general.
RULES: tuple[Rule, ...] = (
    Rule("Christmas", "Advent & Nativity", ("ADVENT", "NATIVITY")),
    Rule("Christmas", "Tree Decorations", ("BAUBLE", "TREE DECORATION", "CHRISTMAS TREE", "TREE")),
    Rule(
        "Christmas",
        "Christmas Gifts & Decorations",
        ("CHRISTMAS", "XMAS", "SANTA", "REINDEER", "SNOWFLAKE", "SNOWMAN", "FATHER CHRISTMAS"),
    ),
    Rule("Party", "Bunting & Garlands", ("BUNTING", "GARLAND")),
    Rule(
        "Party",
        "Party Supplies",
        ("PARTY", "BALLOON", "CRACKER", "DOILIES", "DOILY", "PARASOL", "CONFETTI", "BIRTHDAY", "STRAW"),
    ),
    Rule("Stationery", "Gift Wrap", ("WRAP", "WRAPPING", "RIBBON", "TISSUE", "TAPE", "GIFT BOX")),
    # Before the kitchen: a "TEA LIGHT" is a candle holder, not tea.
    Rule("Candles & Lights", "Candles", ("CANDLE", "INCENSE", "OIL BURNER")),
    Rule(
        "Candles & Lights",
        "Candle Holders",
        ("T-LIGHT", "TLIGHT", "TEA LIGHT", "TEALIGHT", "CANDLEHOLDER", "CANDLESTICK", "VOTIVE"),
    ),
    Rule(
        "Kitchen & Dining",
        "Baking",
        (
            "CAKE CASE",
            "BAKING",
            "CAKESTAND",
            "CAKE STAND",
            "CAKE TIN",
            "CUTTER",
            "PETIT FOUR",
            "ICING",
            "MOULD",
            "CUPCAKE",
            "APRON",
            "OVEN GLOVE",
        ),
    ),
    Rule("Kitchen & Dining", "Mugs & Cups", ("MUG", "CUP", "BEAKER", "TEACUP", "SAUCER", "GLASS TUMBLER")),
    Rule("Kitchen & Dining", "Lunch & Picnic", ("LUNCH BOX", "LUNCH BAG", "PICNIC", "BOTTLE")),
    Rule(
        "Kitchen & Dining",
        "Tableware",
        (
            "PLATE",
            "BOWL",
            "NAPKIN",
            "PLACEMAT",
            "COASTER",
            "CUTLERY",
            "TRAY",
            "DISH",
            "PLATTER",
            "FRUITBOWL",
            "TUMBLER",
            "CHAMPAGNE GLASS",
            "WINE GLASS",
            "TABLECLOTH",
            "JUG",
            "SPOON",
            "LADLE",
            "CHOPSTICK",
        ),
    ),
    Rule(
        "Kitchen & Dining",
        "Tea & Kitchenware",
        (
            "TEA",
            "TEAPOT",
            "COFFEE",
            "KITCHEN",
            "JAM",
            "CAKE",
            "SPICE",
            "RECIPE",
            "TOWEL",
            "CHOPPING BOARD",
            "SCALES",
            "PAN",
            "BISCUIT",
            "SWEETHEART",
            "MILK",
            "BRUSH",
            "CORER",
            "FLASK",
            "FOOD COVER",
            "FRIDGE MAGNET",
            "MAGNET",
        ),
    ),
    Rule("Bags", "Shopping Bags", ("JUMBO BAG", "SHOPPER", "TOTE", "SHOPPING BAG")),
    Rule("Bags", "Gift Bags", ("GIFT BAG", "PAPER BAG", "CELLOPHANE BAG")),
    Rule(
        "Bags",
        "Purses & Handbags",
        (
            "PURSE",
            "HANDBAG",
            "WALLET",
            "BACKPACK",
            "RUCKSACK",
            "SHOULDER BAG",
            "WASHBAG",
            "KEYRING",
            "KEY-CHAIN",
            "BAG",
        ),
    ),
    Rule(
        "Candles & Lights",
        "Lanterns & Lights",
        ("LANTERN", "LIGHT", "LAMP", "LAMPSHADE", "LED", "NIGHTLIGHT", "TORCH", "CHANDELIER"),
    ),
    Rule("Stationery", "Cards & Tags", ("CARD", "POSTCARD", "TAG", "INVITE", "INVITATION")),
    Rule(
        "Stationery",
        "Notebooks & Pens",
        (
            "NOTEBOOK",
            "PEN",
            "PENCIL",
            "ERASER",
            "RUBBER",
            "RULER",
            "NOTEPAD",
            "NOTE BOOK",
            "JOURNAL",
            "DIARY",
            "CALENDAR",
            "BOOKMARK",
            "CRAYON",
            "CHALK",
            "SHARPENER",
            "MEMO",
            "ADDRESS BOOK",
            "SKETCHBOOK",
            "STAMP",
            "PHOTO ALBUM",
            "SCRAP BOOK",
            "EXERCISE BOOK",
            "POCKET BOOK",
            "STATIONERY",
            "HOLE PUNCH",
            "BLACKBOARD",
        ),
    ),
    Rule("Stationery", "Stickers", ("STICKER", "TATTOO", "TRANSFER")),
    Rule(
        "Jewellery",
        None,
        (
            "NECKLACE",
            "NECKL",
            "EARRING",
            "BRACELET",
            "RING",
            "BROOCH",
            "HAIRSLIDE",
            "HAIR CLIP",
            "HAIR GRIP",
            "HAIR COMB",
            "HAIRCLIP",
            "HAIR BAND",
            "HAIRBAND",
            "BEAD",
            "DIAMANTE",
            "CHARM",
            "PENDANT",
            "BANGLE",
            "JEWEL",
            "JEWELLERY",
            "TIARA",
        ),
    ),
    Rule(
        "Toys & Games",
        None,
        (
            "TOY",
            "GAME",
            "PUZZLE",
            "JIGSAW",
            "DOLL",
            "DOLLY",
            "SKITTLES",
            "DOMINOES",
            "PLAYING CARD",
            "SPACEBOY",
            "DINOSAUR",
            "TEDDY",
            "SOLDIER",
            "SPINNING TOP",
            "YO-YO",
            "MARBLE",
            "KNITTING",
            "COLOURING",
            "PAINT",
            "CHILDRENS",
            "KIDS",
            "BLOCKS",
            "BUBBLES",
            "WATER PISTOL",
            "FRISBEE",
            "SNAKES",
            "LADDERS",
            "LUDO",
            "DRAWING SLATE",
            "PLAYHOUSE",
            "INFLATABLE",
            "HELICOPTER",
            "BABY",
            "BIB",
        ),
    ),
    Rule(
        "Garden",
        None,
        (
            "GARDEN",
            "PLANTER",
            "WATERING",
            "BIRD",
            "FLOWER POT",
            "PLANT POT",
            "PLANT",
            "THERMOMETER",
            "SEED",
            "SPADE",
            "TROWEL",
            "WINDMILL",
            "HEN HOUSE",
            "GNOME",
            "BIRDHOUSE",
            "FEEDER",
            "HAMMOCK",
        ),
    ),
    Rule("Home Decor", "Signs & Wall Art", ("SIGN", "PLAQUE", "WALL ART", "POSTER", "PRINT")),
    Rule("Home Decor", "Frames & Clocks", ("FRAME", "PHOTOFRAME", "CLOCK", "MIRROR")),
    Rule(
        "Home Decor",
        "Cushions & Textiles",
        (
            "CUSHION",
            "THROW",
            "BLANKET",
            "QUILT",
            "CURTAIN",
            "HOT WATER",
            "C/COVER",
            "FILLER PAD",
            "DOORMAT",
            "RUG",
            "MAT",
        ),
    ),
    Rule("Home Decor", "Furniture", ("CHAIR", "STOOL", "POUFFE", "LOVE SEAT", "SHELF", "CUPBOARD")),
    Rule(
        "Home Decor",
        "Hooks & Hangers",
        ("HOOK", "HANGER", "COAT RACK", "PEG", "KEY", "DOORSTOP", "DOOR STOP", "DRAWER KNOB", "KNOB"),
    ),
    Rule(
        "Storage",
        None,
        (
            "STORAGE",
            "BOX",
            "TIN",
            "BASKET",
            "JAR",
            "DRAWER",
            "CABINET",
            "CHEST",
            "CRATE",
            "HAMPER",
            "TRUNK",
            "CONTAINER",
            "BUCKET",
            "CADDY",
            "CASE",
            "POT",
            "BIN",
        ),
    ),
    Rule(
        "Home Decor",
        "Decorations",
        (
            "DECORATION",
            "ORNAMENT",
            "HEART",
            "WREATH",
            "VASE",
            "FLOWER",
            "BUTTERFLY",
            "WICKER",
            "HANGING",
            "FEATHER",
            "CHIME",
            "MOBILE",
            "FIGURE",
            "STAR",
            "EGG",
            "BIRDCAGE",
        ),
    ),
    Rule(
        "Bath & Beauty",
        None,
        (
            "BATH",
            "SOAP",
            "SPONGE",
            "MAKE UP",
            "MIRROR",
            "COSMETIC",
            "TOILETRY",
            "TOOTHBRUSH",
            "NAIL",
            "LIP",
            "COMPACT",
            "FRAGRANCE",
            "SCENT",
            "LAVENDER",
        ),
    ),
)
OTHER = ("Gifts & Other", None)

# Top-level categories in menu order; those marked True are featured on the home page.
TOP_LEVEL: tuple[tuple[str, bool], ...] = (
    ("Home Decor", True),
    ("Kitchen & Dining", True),
    ("Candles & Lights", True),
    ("Bags", True),
    ("Christmas", True),
    ("Party", True),
    ("Stationery", False),
    ("Storage", False),
    ("Garden", False),
    ("Toys & Games", False),
    ("Jewellery", False),
    ("Bath & Beauty", False),
    ("Kitchen Appliances", False),  # the hand-made catalogue (shop/demo/handmade.py)
    ("Gifts & Other", False),
)

CATEGORY_DESCRIPTIONS = {
    "Home Decor": "Signs, frames, clocks, cushions and the small things that make a home.",
    "Kitchen & Dining": "Baking, mugs, tableware and lunch boxes in prints you will not find on the high street.",
    "Candles & Lights": "Candles, T-light holders, lanterns and fairy lights.",
    "Bags": "Jumbo shoppers, lunch bags, gift bags and purses.",
    "Christmas": "Advent calendars, baubles and everything for the festive season.",
    "Party": "Bunting, garlands, balloons and party bags.",
    "Stationery": "Cards, gift wrap, notebooks, pens and stickers.",
    "Storage": "Boxes, tins, baskets and jars.",
    "Garden": "Planters, bird houses, thermometers and garden tools.",
    "Toys & Games": "Traditional toys, puzzles and games.",
    "Jewellery": "Necklaces, earrings, bracelets and hair accessories.",
    "Bath & Beauty": "Bathroom accessories, soaps and scents.",
    "Kitchen Appliances": "Toasters, kettles and knives: the everyday kit, chosen to last.",
    "Gifts & Other": "Gifts and curiosities that fit no shelf.",
}


def category_for(name: str) -> tuple[str, str | None]:
    """(top-level, sub-category or None) for a product name (any case)."""
    upper = name.upper()
    for rule in RULES:
        if rule.pattern.search(upper):
            return rule.parent, rule.child
    return OTHER


def category_tree() -> dict[str, list[str]]:
    """Every top-level category (menu order) with its sub-categories (rule order)."""
    tree: dict[str, list[str]] = {parent: [] for parent, _featured in TOP_LEVEL}
    for rule in RULES:
        if rule.child and rule.child not in tree[rule.parent]:
            tree[rule.parent].append(rule.child)
    return tree
