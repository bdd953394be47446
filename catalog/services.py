"""Writes for the catalog."""

from django.core.files.base import ContentFile
from django.db import transaction

from catalog.images import rendition_name, make_renditions
from catalog.models import ProductImage


@transaction.atomic
def product_image_save(*, image: ProductImage) -> ProductImage:
    """Save an uploaded product image with its thumbnail and medium renditions.

    The renditions are made from the upload itself (EXIF-transposed, RGB JPEG), so an
    image saved through here never shows a sideways or transparent-black thumbnail.
    """
    renditions = make_renditions(source=image.image)
    if image.image and not image.image._committed:
        image.image.save(image.image.name, image.image.file, save=False)
    image.thumbnail.save(rendition_name(image.image.name, "thumb"), ContentFile(renditions["thumb"]), save=False)
    image.medium.save(rendition_name(image.image.name, "medium"), ContentFile(renditions["medium"]), save=False)
    image.save()
    return image
