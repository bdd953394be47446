from decimal import Decimal

import pytest

from shop.demo.ladders import Candidate, ParsedName, find_ladders, parse_name


def candidates(*rows):
    return [
        Candidate(key=name, name=name, price=Decimal(price), popularity=popularity)
        for name, price, popularity in (row if len(row) == 3 else (*row, 0) for row in rows)
    ]


@pytest.mark.parametrize(
    ("name", "parsed"),
    [
        ("SMALL PINK GLASS SUNDAE DISH", ParsedName("PINK GLASS SUNDAE DISH", "SMALL", None, None)),
        ("ZINC HEART LATTICE CHARGER LARGE", ParsedName("ZINC HEART LATTICE CHARGER", "LARGE", None, None)),
        ("JUMBO BAG RED RETROSPOT", ParsedName("BAG RED RETROSPOT", "JUMBO", None, None)),
        ("SET OF 6 FUNKY BEAKERS", ParsedName("FUNKY BEAKERS", None, 6, "Set")),
        ("SET/3 CHRISTMAS DECOUPAGE CANDLES", ParsedName("CHRISTMAS DECOUPAGE CANDLES", None, 3, "Set")),
        ("SET 12 COLOUR PENCILS DOLLY GIRL", ParsedName("COLOUR PENCILS DOLLY GIRL", None, 12, "Set")),
        ("S/4 ICON COASTER,ELVIS LIVES", ParsedName("ICON COASTER ELVIS LIVES", None, 4, "Set")),
        ("PACK OF 72 RETROSPOT CAKE CASES", ParsedName("RETROSPOT CAKE CASES", None, 72, "Pack")),
        ("BOX OF 6 MINI VINTAGE CRACKERS", ParsedName("VINTAGE CRACKERS", "MINI", 6, "Box")),
        ("SET OF THREE VINTAGE GIFT WRAPS", ParsedName("VINTAGE GIFT WRAPS", None, 3, "Set")),
        ("3 GARDENIA MORRIS BOXED CANDLES", ParsedName("GARDENIA MORRIS BOXED CANDLES", None, 3, "Set")),
        ("60 CM CHRISTMAS TREE", ParsedName("60 CM CHRISTMAS TREE", None, None, None)),  # a height, not a count
        ("SMALL AND LARGE MIXING BOWLS", ParsedName("SMALL AND LARGE MIXING BOWLS", None, None, None)),
    ],
)
def test_names_split_into_a_base_and_size_or_pack_words(name, parsed):
    assert parse_name(name) == parsed


def test_sizes_of_one_item_make_a_ladder_cheapest_first_with_the_middle_recommended():
    ladders = find_ladders(
        candidates(
            ("LARGE CERAMIC TOP STORAGE JAR", "1.65"),
            ("SMALL CERAMIC TOP STORAGE JAR", "0.83"),
            ("MEDIUM CERAMIC TOP STORAGE JAR", "1.25"),
        )
    )

    assert len(ladders) == 1
    ladder = ladders[0]
    assert (ladder.name, ladder.kind) == ("CERAMIC TOP STORAGE JAR", "size")
    assert [(tier.label, tier.size) for tier in ladder.tiers] == [
        ("Small", "Small"),
        ("Medium", "Medium"),
        ("Large", "Large"),
    ]
    assert ladder.recommended_tier.label == "Medium"


def test_size_words_anywhere_in_the_name_find_the_same_item():
    ladders = find_ladders(
        candidates(("WOODLAND SMALL RED FELT HEART", "0.83"), ("WOODLAND LARGE RED FELT HEART", "1.25"))
    )

    assert [tier.key for tier in ladders[0].tiers] == ["WOODLAND SMALL RED FELT HEART", "WOODLAND LARGE RED FELT HEART"]


def test_a_single_and_its_sets_make_a_ladder_recommending_the_best_value_per_piece():
    ladders = find_ladders(
        candidates(
            ("CHRISTMAS DECOUPAGE CANDLE", "0.39"),
            ("SET OF 2 CHRISTMAS DECOUPAGE CANDLE", "0.79"),
            ("SET/6 CHRISTMAS DECOUPAGE CANDLES", "1.95"),
        )
    )

    ladder = ladders[0]
    assert ladder.kind == "pieces"
    assert [(tier.label, tier.pieces) for tier in ladder.tiers] == [("Single", 1), ("Set of 2", 2), ("Set of 6", 6)]
    assert ladder.recommended_tier.label == "Set of 6"  # 32.5p a candle


def test_when_the_smallest_pack_is_the_best_value_the_middle_tier_is_recommended():
    ladders = find_ladders(
        candidates(
            ("PACK OF 6 PARTY STRAWS", "0.60"),
            ("PACK OF 12 PARTY STRAWS", "1.50"),
            ("PACK OF 24 PARTY STRAWS", "3.00"),
        )
    )

    assert ladders[0].recommended_tier.label == "Pack of 12"


def test_prices_must_rise_with_the_tier():
    # In the data the "small" retrospot candle costs more than the large one: no ladder.
    assert find_ladders(candidates(("RETROSPOT CANDLE SMALL", "3.29"), ("RETROSPOT CANDLE LARGE", "0.59"))) == []
    assert find_ladders(candidates(("SMALL CLOCHE", "3.95"), ("LARGE CLOCHE", "3.95"))) == []


def test_one_tier_alone_or_different_items_make_no_ladder():
    assert find_ladders(candidates(("SMALL PINK GLASS SUNDAE DISH", "0.39"))) == []
    assert find_ladders(candidates(("JUMBO BAG RED RETROSPOT", "1.95"), ("LUNCH BAG RED RETROSPOT", "1.65"))) == []
    assert find_ladders(candidates(("SMALL PINK GLASS DISH", "0.39"), ("LARGE BLUE GLASS DISH", "0.79"))) == []


def test_the_unsized_item_is_the_regular_size_unless_its_price_breaks_the_rise():
    [popcorn] = find_ladders(candidates(("POPCORN HOLDER", "0.85"), ("LARGE POPCORN HOLDER", "1.65")))
    [jar] = find_ladders(
        candidates(
            ("APOTHECARY MEASURING JAR", "12.50"),
            ("SMALL APOTHECARY MEASURING JAR", "8.25"),
            ("LARGE APOTHECARY MEASURING JAR", "12.50"),
        )
    )

    assert [tier.label for tier in popcorn.tiers] == ["Regular", "Large"]
    assert [tier.label for tier in jar.tiers] == ["Small", "Large"]


def test_two_products_claiming_one_tier_leave_the_more_popular_in_the_ladder():
    [ladder] = find_ladders(
        [
            Candidate(key="A", name="SMALL HEART HOOK", price=Decimal("0.85"), popularity=10),
            Candidate(key="B", name="SMALL HEART HOOK", price=Decimal("0.95"), popularity=90),
            Candidate(key="C", name="LARGE HEART HOOK", price=Decimal("2.46"), popularity=5),
        ]
    )

    assert [tier.key for tier in ladder.tiers] == ["B", "C"]


def test_a_product_is_in_at_most_one_ladder():
    ladders = find_ladders(
        candidates(
            ("SMALL FRUIT STRAWS", "0.42"),
            ("LARGE FRUIT STRAWS", "0.62"),
            ("PACK OF 6 LARGE FRUIT STRAWS", "2.95"),
        )
    )

    keys = [tier.key for ladder in ladders for tier in ladder.tiers]
    assert len(keys) == len(set(keys))
    assert [ladder.kind for ladder in ladders] == ["size"]
