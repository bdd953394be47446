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


def test_attach_generated_image_saves_the_artwork_with_a_thumbnail():
    product = ProductFactory(name="JUMBO BAG RED RETROSPOT")

    image = images.attach_generated_image(product)

    image.refresh_from_db()
    assert image.product == product
    assert open_field(image.image).size == (600, 600)
    assert image.medium.name == image.image.name
    assert open_field(image.thumbnail).size == (200, 200)
    assert images.product_image_urls(product)["thumb"] == image.thumbnail.url
