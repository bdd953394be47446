"""Product picture files: renditions of uploads, placeholders and generated artwork.

Every picture the storefront shows comes through `product_image_urls()`: the product's
first image (its Pillow-made renditions), or, for a product without one, a generated
placeholder cached on disk under MEDIA_ROOT and served by the normal media URL. What the
generated pictures look like is catalog.artwork's business; this module sizes, encodes,
names and stores them.
"""

from __future__ import annotations

import hashlib
import io
import os
import tempfile
from dataclasses import dataclass
from pathlib import Path

from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from PIL import Image, ImageOps

from catalog.artwork import render_placeholder, render_product_art, short_name
from catalog.models import Product, ProductImage


@dataclass(frozen=True)
class Rendition:
    name: str
    size: int  # the square's side in pixels


# The sizes the templates use: cards show `thumb`, the product page `medium`.
RENDITIONS = {
    "thumb": Rendition("thumb", 200),
    "medium": Rendition("medium", 600),
}
GENERATED_SIZE = 600
JPEG_QUALITY = 85
PAPER = (255, 255, 255)


# ---------------------------------------------------------------------------
# Renditions of uploaded images


def _to_rgb(image: Image.Image) -> Image.Image:
    """Flatten transparency onto white: JPEG has no alpha and black halos look broken."""
    if image.mode in ("RGBA", "LA") or (image.mode == "P" and "transparency" in image.info):
        rgba = image.convert("RGBA")
        flat = Image.new("RGB", rgba.size, PAPER)
        flat.paste(rgba, mask=rgba.getchannel("A"))
        return flat
    return image.convert("RGB") if image.mode != "RGB" else image


def square_rendition(image: Image.Image, size: int) -> Image.Image:
    """The whole picture inside a white square: products are never cropped."""
    image.thumbnail((size, size), Image.Resampling.LANCZOS, reducing_gap=3.0)
    if image.size == (size, size):
        return image
    canvas = Image.new("RGB", (size, size), PAPER)
    canvas.paste(image, ((size - image.width) // 2, (size - image.height) // 2))
    return canvas


def _jpeg_bytes(image: Image.Image, *, quality: int = JPEG_QUALITY) -> bytes:
    buffer = io.BytesIO()
    image.save(buffer, "JPEG", quality=quality, optimize=False, progressive=False)
    return buffer.getvalue()


def make_renditions(*, source) -> dict[str, bytes]:
    """JPEG bytes of every rendition of an uploaded image file (EXIF-transposed, RGB).

    The "full" picture is the upload itself; only the sizes the templates show are made.
    """
    largest = max(r.size for r in RENDITIONS.values())
    source.seek(0)
    with Image.open(source) as opened:
        # JPEG can decode at 1/2, 1/4 or 1/8 scale: a 24-megapixel photo then costs a fraction.
        opened.draft("RGB", (largest * 2, largest * 2))
        image = _to_rgb(ImageOps.exif_transpose(opened))
    return {name: _jpeg_bytes(square_rendition(image.copy(), r.size)) for name, r in RENDITIONS.items()}


def rendition_name(image_name: str, rendition: str) -> str:
    return f"{Path(image_name).stem}-{rendition}.jpg"


# ---------------------------------------------------------------------------
# Placeholders, cached on disk


# Bump when the placeholder drawing changes: files cached on disk are then redrawn.
PLACEHOLDER_VERSION = 2


def placeholder_name(*, product: Product, rendition: str) -> str:
    # The hash changes with the name or category, so a renamed product gets fresh initials.
    key_source = f"{PLACEHOLDER_VERSION}|{product.name}|{product.category_id}"
    key = hashlib.blake2b(key_source.encode(), digest_size=4).hexdigest()
    return f"placeholders/{product.slug or product.pk}-{key}-{rendition}.png"


def placeholder_url(*, product: Product, rendition: str) -> str:
    """URL of the product's placeholder, generating the PNG the first time it is asked for.

    Written to a temporary file and renamed into place, so concurrent requests never
    serve a half-written picture. Needs a storage with local paths (FileSystemStorage).
    """
    name = placeholder_name(product=product, rendition=rendition)
    path = Path(default_storage.path(name))
    if not path.exists():
        size = RENDITIONS[rendition].size if rendition in RENDITIONS else GENERATED_SIZE
        category = product.category.name if product.category_id else ""
        picture = render_placeholder(name=product.name, category=category, size=size)
        path.parent.mkdir(parents=True, exist_ok=True)
        with tempfile.NamedTemporaryFile(dir=path.parent, suffix=".tmp", delete=False) as tmp:
            picture.save(tmp, "PNG", optimize=False)
        os.replace(tmp.name, path)
    return default_storage.url(name)


def product_image_urls(product: Product) -> dict[str, str]:
    """thumb / medium / full URLs of the product's main picture, or of its placeholder.

    Reads `product.images.all()`: callers listing many products prefetch `images`
    (catalog.selectors does) so this costs no query.
    """
    images = list(product.images.all())
    if images:
        return image_urls(images[0])
    return {
        "thumb": placeholder_url(product=product, rendition="thumb"),
        "medium": placeholder_url(product=product, rendition="medium"),
        "full": placeholder_url(product=product, rendition="medium"),
    }


def image_urls(image: ProductImage) -> dict[str, str]:
    full = image.image.url
    return {
        "thumb": image.thumbnail.url if image.thumbnail else full,
        "medium": image.medium.url if image.medium else full,
        "full": full,
    }


# ---------------------------------------------------------------------------
# Generated product images (the demo loader)


# Flat pastel shapes and large text: no visible difference from 85, and cheaper to encode.
ART_JPEG_QUALITY = 80


@dataclass(frozen=True)
class ArtFiles:
    image: str  # storage name of the GENERATED_SIZE picture, also the "medium" rendition
    thumbnail: str


def write_product_art(*, name: str, category: str, stem: str) -> ArtFiles:
    """Draw a product's artwork at the medium and the thumbnail size and write both JPEGs
    to the default storage, named like uploads (`stem`.jpg under ProductImage's folders).

    Needs no Product row, so a bulk loader can draw in worker processes before its rows
    exist. Each size is drawn directly: reducing the medium drawing to the thumbnail's size
    cost more than drawing the thumbnail (whose background is cached too).
    """
    names = {}
    for field, size, suffix in (("image", GENERATED_SIZE, ""), ("thumbnail", RENDITIONS["thumb"].size, "-thumb")):
        art = render_product_art(name=name, category=category, size=size)
        model_field = ProductImage._meta.get_field(field)
        target = model_field.generate_filename(None, f"{stem}{suffix}.jpg")
        content = ContentFile(_jpeg_bytes(art, quality=ART_JPEG_QUALITY))
        names[field] = model_field.storage.save(target, content, max_length=model_field.max_length)
    return ArtFiles(image=names["image"], thumbnail=names["thumbnail"])


def art_stem(*, slug: str) -> str:
    """The file stem of a product's artwork: named after the product, unique like its slug."""
    return f"{slug}-art"


def build_generated_image(product: Product, *, position: int = 0) -> ProductImage:
    """An unsaved ProductImage of the product's artwork, files already written.

    The medium-size drawing also serves as the "full" image (a larger drawing has no
    more detail to show). Lets a bulk loader `bulk_create` the rows.
    """
    category = product.category.name if product.category_id else ""
    stem = art_stem(slug=product.slug or str(product.pk))
    files = write_product_art(name=product.name, category=category, stem=stem)
    image = generated_image_row(product_id=product.pk, name=product.name, files=files, position=position)
    image.product = product
    return image


def generated_image_row(*, product_id: int, name: str, files: ArtFiles, position: int = 0) -> ProductImage:
    """The unsaved ProductImage row of artwork written by `write_product_art`."""
    return ProductImage(
        product_id=product_id,
        image=files.image,
        # The same file for "full" and "medium": the storage holds one copy.
        medium=files.image,
        thumbnail=files.thumbnail,
        alt=short_name(name, words=12),
        position=position,
    )


def attach_generated_image(product: Product) -> ProductImage:
    """Generate, save and return the product's artwork as its image (one INSERT)."""
    image = build_generated_image(product)
    image.save()
    return image
