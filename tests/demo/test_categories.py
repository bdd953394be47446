import pytest

from shop.demo.categories import OTHER, RULES, TOP_LEVEL, category_for, category_tree


@pytest.mark.parametrize(
    ("name", "category"),
    [
        ("WHITE HANGING HEART T-LIGHT HOLDER", ("Candles & Lights", "Candle Holders")),
        ("WHITE METAL LANTERN", ("Candles & Lights", "Lanterns & Lights")),
        ("JUMBO BAG RED RETROSPOT", ("Bags", "Shopping Bags")),
        ("LUNCH BAG RED RETROSPOT", ("Kitchen & Dining", "Lunch & Picnic")),
        ("PACK OF 72 RETROSPOT CAKE CASES", ("Kitchen & Dining", "Baking")),
        ("SET OF 6 SPICE TINS PANTRY DESIGN", ("Kitchen & Dining", "Tea & Kitchenware")),
        ("ROSES REGENCY TEACUP AND SAUCER", ("Kitchen & Dining", "Mugs & Cups")),
        ("PAPER CHAIN KIT 50'S CHRISTMAS", ("Christmas", "Christmas Gifts & Decorations")),
        ("CHRISTMAS CANDLE", ("Christmas", "Christmas Gifts & Decorations")),  # the season wins
        ("PARTY BUNTING", ("Party", "Bunting & Garlands")),
        ("WRAP PINK FAIRY CAKES", ("Stationery", "Gift Wrap")),  # paper, not baking
        ("HOME SWEET HOME METAL SIGN", ("Home Decor", "Signs & Wall Art")),
        ("RED RETROSPOT CUSHION COVER", ("Home Decor", "Cushions & Textiles")),
        ("SPACEBOY BIRTHDAY CARD", ("Party", "Party Supplies")),
        ("ASSORTED COLOUR BIRD ORNAMENT", ("Garden", None)),
        ("SILVER DROP EARRINGS WITH FLOWER", ("Jewellery", None)),
        ("INFLATABLE POLITICAL GLOBE", ("Toys & Games", None)),
        ("PAPER POCKET TRAVELING FAN", OTHER),
    ],
)
def test_products_are_filed_by_the_first_matching_keyword_rule(name, category):
    assert category_for(name) == category


def test_keywords_match_whole_words_and_their_plurals():
    assert category_for("SET OF 4 RED MUGS") == ("Kitchen & Dining", "Mugs & Cups")
    # "CARD" is a word of its own: "CARDIGAN" is not stationery.
    assert category_for("CARDIGAN FLUFFY") == OTHER


def test_matching_ignores_case():
    assert category_for("White Metal Lantern") == category_for("WHITE METAL LANTERN")


def test_every_rule_files_into_a_listed_top_level_category():
    top_level = {name for name, _featured in TOP_LEVEL}

    assert {rule.parent for rule in RULES} <= top_level
    assert OTHER[0] in top_level


def test_the_tree_has_two_levels_with_sub_categories_in_rule_order():
    tree = category_tree()

    assert list(tree) == [name for name, _featured in TOP_LEVEL]
    assert tree["Candles & Lights"] == ["Candles", "Candle Holders", "Lanterns & Lights"]
    assert tree["Garden"] == []
