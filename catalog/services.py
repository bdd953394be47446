"""Writes for the catalog."""

from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.db import transaction
from django.db.models import Q

from catalog.images import make_renditions, rendition_name
from catalog.models import ProductImage


@transaction.atomic
def product_image_save(*, image: ProductImage) -> ProductImage:
    """Save an uploaded product image with its thumbnail and medium renditions.

    The renditions are made from the upload itself (EXIF-transposed, RGB JPEG), so an
    image saved through here never shows a sideways or transparent-black thumbnail.
    """
    renditions = make_renditions(source=image.image)
    replaced = _stored_files(ProductImage.objects.filter(pk=image.pk)) if image.pk else set()
    if image.image and not image.image._committed:
        image.image.save(image.image.name, image.image.file, save=False)
    image.thumbnail.save(rendition_name(image.image.name, "thumb"), ContentFile(renditions["thumb"]), save=False)
    image.medium.save(rendition_name(image.image.name, "medium"), ContentFile(renditions["medium"]), save=False)
    image.save()
    _delete_files_on_commit(replaced - _files_of(image))
    return image


@transaction.atomic
def product_images_delete(*, images) -> None:
    """Delete product images (a queryset) and, once that is committed, their files: the
    upload and both renditions, unless another image still refers to one of them."""
    names = _stored_files(images)
    images.delete()
    _delete_files_on_commit(names)


IMAGE_FILE_FIELDS = ("image", "thumbnail", "medium")


def _files_of(image: ProductImage) -> set[str]:
    return {getattr(image, field).name for field in IMAGE_FILE_FIELDS if getattr(image, field)}


def _stored_files(images) -> set[str]:
    return {name for row in images.values_list(*IMAGE_FILE_FIELDS) for name in row if name}


def _delete_files_on_commit(names: set[str]) -> None:
    if not names:
        return

    def delete() -> None:
        referenced = Q()
        for field in IMAGE_FILE_FIELDS:
            referenced |= Q(**{f"{field}__in": names})
        still_used = _stored_files(ProductImage.objects.filter(referenced))
        for name in names - still_used:
            default_storage.delete(name)

    transaction.on_commit(delete)
