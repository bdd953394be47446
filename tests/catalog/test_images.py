import io
from pathlib import Path

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from PIL import Image

from catalog import images
from catalog.models import ProductImage
from catalog.services import product_image_save
from tests.factories import ProductFactory, ProductImageFactory

pytestmark = pytest.mark.django_db


def open_field(field) -> Image.Image:
    field.open("rb")
    try:
        image = Image.open(io.BytesIO(field.read()))
        image.load()
        return image
    finally:
        field.close()


def test_saving_an_upload_makes_square_rgb_jpeg_renditions_in_the_template_sizes():
    product = ProductFactory()
    upload = SimpleUploadedFile("logo.png", _rgba_png(), content_type="image/png")

    image = product_image_save(image=ProductImage(product=product, image=upload))

    thumb, medium = open_field(image.thumbnail), open_field(image.medium)
    assert (thumb.format, thumb.mode, thumb.size) == ("JPEG", "RGB", (200, 200))
    assert (medium.format, medium.mode, medium.size) == ("JPEG", "RGB", (600, 600))
    # transparency is flattened onto white, not black
    assert thumb.getpixel((2, 2)) > (240, 240, 240)


def _rgba_png() -> bytes:
    buffer = io.BytesIO()
    picture = Image.new("RGBA", (800, 400), (0, 0, 0, 0))
    picture.paste((200, 30, 30, 255), (300, 100, 500, 300))
    picture.save(buffer, "PNG")
    return buffer.getvalue()


def test_renditions_follow_the_exif_orientation():
    # given a landscape JPEG whose EXIF says "rotate 90°" (orientation 6)
    picture = Image.new("RGB", (400, 200), "white")
    picture.paste((0, 0, 0), (0, 0, 200, 200))  # the left half is black
    exif = Image.Exif()
    exif[0x0112] = 6
    buffer = io.BytesIO()
    picture.save(buffer, "JPEG", exif=exif.tobytes())
    upload = SimpleUploadedFile("turned.jpg", buffer.getvalue(), content_type="image/jpeg")

    # when
    image = product_image_save(image=ProductImage(product=ProductFactory(), image=upload))

    # then the picture stands upright: the black half is now at the top
    medium = open_field(image.medium)
    assert medium.getpixel((300, 200))[0] < 40
    assert medium.getpixel((300, 400))[0] > 215


def test_product_image_urls_use_the_first_image_renditions():
    product = ProductFactory()
    second = ProductImageFactory(product=product, position=2)
    first = ProductImageFactory(product=product, position=1)

    urls = images.product_image_urls(product)

    assert urls == {"thumb": first.thumbnail.url, "medium": first.medium.url, "full": first.image.url}
    assert second.thumbnail.url not in urls.values()


def test_a_product_without_images_gets_a_placeholder_generated_once(settings):
    product = ProductFactory(name="Blue Enamel Mug", slug="blue-enamel-mug")

    urls = images.product_image_urls(product)

    assert urls["thumb"].startswith(settings.MEDIA_URL + "placeholders/blue-enamel-mug-")
    path = Path(settings.MEDIA_ROOT) / urls["thumb"].removeprefix(settings.MEDIA_URL)
    with Image.open(path) as picture:
        assert (picture.format, picture.size) == ("PNG", (200, 200))
    written_at = path.stat().st_mtime_ns

    assert images.product_image_urls(product) == urls
    assert path.stat().st_mtime_ns == written_at  # cached on disk, not redrawn


def test_renaming_a_product_gives_it_a_new_placeholder():
    product = ProductFactory(name="Blue Mug")
    before = images.product_image_urls(product)["thumb"]
    product.name = "Green Mug"
    assert images.product_image_urls(product)["thumb"] != before


def test_placeholder_colour_comes_from_the_category():
    mug = images.render_placeholder(name="Mug", category="Kitchen", size=50)
    plate = images.render_placeholder(name="Plate", category="Kitchen", size=50)
    assert mug.getpixel((0, 0)) == plate.getpixel((0, 0)) == images.palette_for("Kitchen").top
    kitchen_hue = images.hue_for("Kitchen")
    garden = next(name for name in ("Garden", "Toys", "Bags", "Party") if images.hue_for(name) != kitchen_hue)
    other = images.render_placeholder(name="Mug", category=garden, size=50)
    assert other.getpixel((0, 0)) != mug.getpixel((0, 0))


def test_render_product_art_draws_a_picture_of_the_requested_size():
    art = images.render_product_art(name="WHITE HANGING HEART T-LIGHT HOLDER", category="Lighting", size=300)
    assert art.size == (300, 300) and art.mode == "RGB"
    # not a flat colour: there is a motif and text on it
    assert len(set(art.get_flattened_data())) > 50


def test_render_product_art_works_with_pillow_default_font(monkeypatch):
    monkeypatch.setattr(images, "FONT_DIRS", ())
    images._font.cache_clear()
    try:
        art = images.render_product_art(name="Jumbo Bag", category="Bags", size=120)
    finally:
        images._font.cache_clear()
    assert art.size == (120, 120)


@pytest.mark.parametrize(
    ("name", "motif"),
    [("PARTY BUNTING", None), ("SET OF 3 CAKE TINS", "box"), ("JUMBO BAG RED", "bag"), ("HEART OF WICKER", "heart")],
)
def test_motifs_follow_whole_words_of_the_name(name, motif):
    chosen = images.motif_for(name)
    if motif is None:
        assert chosen in images.FALLBACK_MOTIFS
    else:
        assert chosen == motif


def test_short_name_capitalises_shouted_names_sensibly():
    assert images.short_name("PAPER CHAIN KIT 50'S CHRISTMAS") == "Paper Chain Kit 50's Christmas"
    assert images.short_name("WHITE HANGING HEART T-LIGHT HOLDER") == "White Hanging Heart T-Light Holder"
    assert images.short_name("iPhone Case", words=5) == "iPhone Case"


def test_attach_generated_image_saves_the_artwork_with_a_thumbnail():
    product = ProductFactory(name="JUMBO BAG RED RETROSPOT")

    image = images.attach_generated_image(product)

    image.refresh_from_db()
    assert image.product == product
    assert open_field(image.image).size == (600, 600)
    assert image.medium.name == image.image.name
    assert open_field(image.thumbnail).size == (200, 200)
    assert images.product_image_urls(product)["thumb"] == image.thumbnail.url
