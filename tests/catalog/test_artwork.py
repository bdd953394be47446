import pytest

from catalog import artwork


def test_placeholder_colour_comes_from_the_category():
    mug = artwork.render_placeholder(name="Mug", category="Kitchen", size=50)
    plate = artwork.render_placeholder(name="Plate", category="Kitchen", size=50)
    assert mug.getpixel((0, 0)) == plate.getpixel((0, 0)) == artwork.palette_for("Kitchen").top
    kitchen_hue = artwork.hue_for("Kitchen")
    garden = next(name for name in ("Garden", "Toys", "Bags", "Party") if artwork.hue_for(name) != kitchen_hue)
    other = artwork.render_placeholder(name="Mug", category=garden, size=50)
    assert other.getpixel((0, 0)) != mug.getpixel((0, 0))


def test_render_product_art_draws_a_picture_of_the_requested_size():
    art = artwork.render_product_art(name="WHITE HANGING HEART T-LIGHT HOLDER", category="Lighting", size=300)
    assert art.size == (300, 300) and art.mode == "RGB"
    # not a flat colour: there is a motif and text on it
    assert len(set(art.get_flattened_data())) > 50


def test_render_product_art_works_with_pillow_default_font(monkeypatch):
    monkeypatch.setattr(artwork, "FONT_DIRS", ())
    artwork._font.cache_clear()
    try:
        art = artwork.render_product_art(name="Jumbo Bag", category="Bags", size=120)
    finally:
        artwork._font.cache_clear()
    assert art.size == (120, 120)


@pytest.mark.parametrize(
    ("name", "motif"),
    [("PARTY BUNTING", None), ("SET OF 3 CAKE TINS", "box"), ("JUMBO BAG RED", "bag"), ("HEART OF WICKER", "heart")],
)
def test_motifs_follow_whole_words_of_the_name(name, motif):
    chosen = artwork.motif_for(name)
    if motif is None:
        assert chosen in artwork.FALLBACK_MOTIFS
    else:
        assert chosen == motif


def test_short_name_capitalises_shouted_names_sensibly():
    assert artwork.short_name("PAPER CHAIN KIT 50'S CHRISTMAS") == "Paper Chain Kit 50's Christmas"
    assert artwork.short_name("WHITE HANGING HEART T-LIGHT HOLDER") == "White Hanging Heart T-Light Holder"
    assert artwork.short_name("iPhone Case", words=5) == "iPhone Case"
