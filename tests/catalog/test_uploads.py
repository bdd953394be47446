import io
import struct
import zlib

import pytest
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from PIL import Image

from catalog.forms import ProductImageForm
from catalog.validators import validate_product_image
from tests.catalog.pictures import image_bytes


def png_header_claiming(width: int, height: int) -> bytes:
    """A tiny PNG whose header claims huge dimensions: a decompression bomb in 60 bytes."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))

    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", zlib.compress(b"\x00")) + chunk(b"IEND", b"")


def errors_for(upload) -> str:
    with pytest.raises(ValidationError) as caught:
        validate_product_image(upload)
    return " ".join(caught.value.messages)


def test_a_real_png_passes():
    validate_product_image(SimpleUploadedFile("ok.png", image_bytes()))


def test_a_text_file_renamed_jpg_is_refused_as_not_an_image():
    upload = SimpleUploadedFile("sneaky.jpg", b"just some text, honestly\n" * 20, content_type="image/jpeg")
    assert "not one" in errors_for(upload)


def test_a_truncated_image_is_refused():
    data = image_bytes(size=(300, 300), image_format="JPEG")
    assert "damaged" in errors_for(SimpleUploadedFile("cut.jpg", data[: len(data) // 2]))


def test_a_file_over_the_size_limit_is_refused_before_it_is_opened(settings):
    settings.MAX_UPLOAD_IMAGE_BYTES = 1024
    upload = SimpleUploadedFile("big.png", image_bytes(size=(400, 400), image_format="BMP"))
    assert upload.size > 1024
    message = errors_for(upload)
    assert "at most 1.0\xa0KB" in message


@pytest.mark.parametrize(
    "pixels",
    [
        # over twice MAX_IMAGE_PIXELS: Pillow raises DecompressionBombError
        (100_000, 100_000),
        # between the limit and twice the limit: Pillow only warns, we still refuse
        (10_000, int(Image.MAX_IMAGE_PIXELS * 1.5) // 10_000),
    ],
)
def test_a_decompression_bomb_is_refused_with_a_clear_message(pixels):
    upload = SimpleUploadedFile("bomb.png", png_header_claiming(*pixels))
    assert upload.size < 100
    assert "too many pixels" in errors_for(upload)


def test_the_guard_is_left_on_after_validating():
    limit = Image.MAX_IMAGE_PIXELS
    validate_product_image(SimpleUploadedFile("ok.png", image_bytes()))
    assert Image.MAX_IMAGE_PIXELS == limit and limit is not None


def test_an_unsupported_image_format_is_refused():
    upload = SimpleUploadedFile("pic.bmp", image_bytes(image_format="BMP"))
    assert "BMP images are not supported" in errors_for(upload)


@pytest.mark.django_db
def test_the_admin_image_form_shows_the_validator_message():
    upload = SimpleUploadedFile("sneaky.jpg", b"not an image at all" * 10, content_type="image/jpeg")
    form = ProductImageForm(data={"alt": "", "position": 0}, files={"image": upload})
    assert not form.is_valid()
    assert "not one" in form.errors["image"][0]


def test_png_header_helper_really_claims_the_dimensions():
    with pytest.warns(Image.DecompressionBombWarning):
        with Image.open(io.BytesIO(png_header_claiming(10_000, 13_000))) as image:
            assert image.size == (10_000, 13_000)
