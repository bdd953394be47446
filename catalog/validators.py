"""Validation of uploaded product images: real images only, of a sane size."""

import warnings

from django.conf import settings
from django.core.exceptions import ValidationError
from django.template.defaultfilters import filesizeformat
from PIL import Image

# What Pillow can both verify and turn into JPEG renditions.
ALLOWED_FORMATS = {"JPEG", "PNG", "GIF", "WEBP"}


def validate_product_image(file) -> None:
    """Refuse anything but a real JPEG/PNG/GIF/WebP picture under MAX_UPLOAD_IMAGE_BYTES.

    Pillow's decompression-bomb guard stays on (MAX_IMAGE_PIXELS is never raised): a
    picture claiming more pixels than that is refused before it is decoded, whether
    Pillow merely warns (over the limit) or raises (over twice the limit).
    """
    limit = settings.MAX_UPLOAD_IMAGE_BYTES
    if file.size is not None and file.size > limit:
        raise ValidationError(
            "This file is %(size)s; images may be at most %(limit)s.",
            code="file_too_large",
            params={"size": filesizeformat(file.size), "limit": filesizeformat(limit)},
        )
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            file.seek(0)
            with Image.open(file) as image:
                image_format = image.format
                image.verify()
            # verify() leaves the image unusable; a real decode catches truncated data.
            file.seek(0)
            with Image.open(file) as image:
                image.load()
    except (Image.DecompressionBombError, Image.DecompressionBombWarning):
        raise ValidationError(
            "This image has too many pixels to process safely (at most %(pixels)s million).",
            code="decompression_bomb",
            params={"pixels": Image.MAX_IMAGE_PIXELS // 1_000_000},
        ) from None
    except Exception:  # Pillow raises many types for non-images and corrupt data
        raise ValidationError(
            "Upload a real image (JPEG, PNG, GIF or WebP): this file is not one, or it is damaged.",
            code="invalid_image",
        ) from None
    finally:
        file.seek(0)
    if image_format not in ALLOWED_FORMATS:
        raise ValidationError(
            "%(format)s images are not supported: upload a JPEG, PNG, GIF or WebP.",
            code="unsupported_format",
            params={"format": image_format},
        )
