"""Tier ladders found in the product names themselves.

The shop sells the same item in sizes ("SMALL PINK GLASS SUNDAE DISH" / "LARGE PINK GLASS
SUNDAE DISH", "JUMBO BAG …") and in packs ("GARDENIA MORRIS BOXED CANDLE" / "3 GARDENIA
MORRIS BOXED CANDLES", "SET OF 6 …", "PACK OF 12 …"). A ladder is a group of products whose
names are equal once the size or pack words are taken out, with at least two distinct tiers
whose prices rise with the tier. Pure functions: no database.
"""

from __future__ import annotations

import re
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from decimal import Decimal

# Size words in tier order. "BIG" is left out: in this data it is a design name ("BIG LOVE").
SIZES: dict[str, tuple[int, str]] = {
    "MINI": (0, "Mini"),
    "SMALL": (10, "Small"),
    "MEDIUM": (20, "Medium"),
    "LARGE": (30, "Large"),
    "JUMBO": (40, "Jumbo"),
    "GIANT": (50, "Giant"),
}
# The same item named without a size ("POPCORN HOLDER" beside "LARGE POPCORN HOLDER") is the
# regular size: it joins a size group in the middle, unless the group has a Medium.
REGULAR = (20, "Regular")
NUMBER_WORDS = {"TWO": 2, "THREE": 3, "FOUR": 4, "FIVE": 5, "SIX": 6, "EIGHT": 8, "TEN": 10, "TWELVE": 12}
_COUNT = r"(\d{1,3}|" + "|".join(NUMBER_WORDS) + r")"
# (kind, pattern): "SET OF 3", "SET/3", "SET 3", "S/3", "PACK OF 12", "PACK/12", "BOX OF 6",
# and a leading count ("3 GARDENIA MORRIS BOXED CANDLES"). Sizes in cm ("60CM") are not counts.
PACK_PATTERNS: tuple[tuple[str, re.Pattern], ...] = (
    ("Set", re.compile(rf"\bSET OF {_COUNT}\b")),
    ("Set", re.compile(rf"\bSET ?/ ?{_COUNT}\b")),
    ("Set", re.compile(r"\bSET (\d{1,3})\b")),
    ("Set", re.compile(r"(?<![A-Z0-9])S/(\d{1,3})\b")),
    ("Pack", re.compile(rf"\bPACK OF {_COUNT}\b")),
    ("Pack", re.compile(r"\bPACK ?/ ?(\d{1,3})\b")),
    ("Box", re.compile(rf"\bBOX OF {_COUNT}\b")),
    ("Set", re.compile(r"^(\d{1,3}) (?!CM\b|MM\b|M\b|PIECE\b|TIER\b)")),
)
_SIZE_PATTERN = re.compile(r"\b(" + "|".join(SIZES) + r")\b")
_PUNCTUATION = re.compile(r"[^A-Z0-9 ]+")


@dataclass(frozen=True)
class ParsedName:
    base: str  # the name without its size or pack words, upper case
    size: str | None  # "SMALL", "LARGE", …
    pieces: int | None  # the count of a set or pack; None for a single item
    pack_word: str | None  # "Set", "Pack" or "Box"


def parse_name(name: str) -> ParsedName:
    """Split a product name into its base and its size / pack words."""
    text = " ".join(name.upper().split())
    pieces = pack_word = None
    for word, pattern in PACK_PATTERNS:
        match = pattern.search(text)
        if match:
            count = match.group(1)
            pieces = NUMBER_WORDS.get(count) or int(count)
            pack_word = word
            text = text[: match.start()] + " " + text[match.end() :]
            break
    sizes = _SIZE_PATTERN.findall(text)
    size = sizes[0] if len(sizes) == 1 else None  # "SMALL … LARGE" in one name: not a size ladder
    if size:
        text = _SIZE_PATTERN.sub(" ", text, count=1)
    base = " ".join(_PUNCTUATION.sub(" ", text).split())
    return ParsedName(base=base, size=size, pieces=pieces if pieces and pieces > 1 else None, pack_word=pack_word)


def _key(base: str) -> tuple[str, ...]:
    # Word order and plurals vary between a single and its set ("BEAKER FUNKY" / "6 FUNKY BEAKERS").
    return tuple(sorted(word[:-1] if len(word) > 3 and word.endswith("S") else word for word in base.split()))


@dataclass(frozen=True)
class Candidate:
    """A product as ladder detection sees it."""

    key: object  # the caller's id for the product (a SKU, a primary key)
    name: str
    price: Decimal
    popularity: int = 0  # breaks ties when two products claim the same tier


@dataclass(frozen=True)
class Tier:
    key: object
    label: str  # "Small", "Set of 6", "Single"
    rank: int  # orders the tiers: size rank or number of pieces
    price: Decimal
    size: str | None = None  # "Small" … for the Size attribute
    pieces: int | None = None  # for the Pieces attribute


@dataclass(frozen=True)
class Ladder:
    name: str  # the base name, upper case as in the data
    kind: str  # "size" or "pieces"
    tiers: tuple[Tier, ...]  # cheapest first
    recommended: int = field(default=0)  # index into tiers

    @property
    def recommended_tier(self) -> Tier:
        return self.tiers[self.recommended]


def _pick(candidates: list[tuple[Candidate, Tier]]) -> list[Tier]:
    """One product per tier (the most popular), tiers in rank order."""
    best: dict[int, tuple[Candidate, Tier]] = {}
    for candidate, tier in candidates:
        held = best.get(tier.rank)
        if held is None or (candidate.popularity, str(candidate.key)) > (held[0].popularity, str(held[0].key)):
            best[tier.rank] = (candidate, tier)
    return [best[rank][1] for rank in sorted(best)]


def _rising(tiers: list[Tier]) -> bool:
    return len(tiers) >= 2 and all(a.price < b.price for a, b in zip(tiers, tiers[1:], strict=False))


def _recommend_pieces(tiers: list[Tier]) -> int:
    """The best value per piece, unless that is the smallest tier: then the middle one."""
    per_piece = [tier.price / (tier.pieces or 1) for tier in tiers]
    best = min(range(len(tiers)), key=lambda i: (per_piece[i], -i))
    return best if best > 0 else len(tiers) // 2


def find_ladders(candidates: Iterable[Candidate]) -> list[Ladder]:
    """Size ladders, then pack ladders among the products no size ladder took; a product is
    in at most one ladder. Only groups with ≥ 2 tiers and strictly rising prices count."""
    parsed = [(candidate, parse_name(candidate.name)) for candidate in candidates]
    ladders: list[Ladder] = []
    taken: set = set()

    by_size: dict[tuple, list[tuple[Candidate, Tier]]] = defaultdict(list)
    unsized: dict[tuple, list[tuple[Candidate, Tier]]] = defaultdict(list)
    bases: dict[tuple, str] = {}
    for candidate, name in parsed:
        group = (_key(name.base), name.pieces)
        rank, label = SIZES[name.size] if name.size else REGULAR
        member = (candidate, Tier(candidate.key, label, rank, candidate.price, size=label))
        if name.size:
            by_size[group].append(member)
            bases.setdefault(group, name.base)
        else:
            unsized[group].append(member)
    for group, members in by_size.items():
        sized = _pick(members)
        with_regular = sized
        if group in unsized and all(tier.rank != REGULAR[0] for tier in sized):
            with_regular = _pick(members + unsized[group])
        # The regular one stays out when its price breaks the rise ("APOTHECARY JAR" = "LARGE …").
        tiers = with_regular if _rising(with_regular) else sized
        if _rising(tiers):
            ladders.append(Ladder(name=bases[group], kind="size", tiers=tuple(tiers), recommended=len(tiers) // 2))
            taken.update(tier.key for tier in tiers)

    by_pack: dict[tuple, list[tuple[Candidate, Tier]]] = defaultdict(list)
    for candidate, name in parsed:
        if candidate.key in taken:
            continue
        group = (_key(name.base), name.size)
        pieces = name.pieces or 1
        label = f"{name.pack_word} of {pieces}" if name.pieces else "Single"
        by_pack[group].append((candidate, Tier(candidate.key, label, pieces, candidate.price, pieces=pieces)))
        bases.setdefault(group, name.base)
    for group, members in by_pack.items():
        if len(members) < 2 or all(tier.pieces == 1 for _c, tier in members):
            continue
        tiers = _pick(members)
        if _rising(tiers):
            ladders.append(
                Ladder(name=bases[group], kind="pieces", tiers=tuple(tiers), recommended=_recommend_pieces(tiers))
            )
    ladders.sort(key=lambda ladder: ladder.name)
    return ladders
