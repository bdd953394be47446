"""Writes for the catalog: stock movements, product images."""

from collections.abc import Iterable
from dataclasses import dataclass

from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.db import transaction
from django.db.models import Case, F, IntegerField, Q, Value, When

from catalog.images import make_renditions, rendition_name
from catalog.models import Product, ProductImage, StockMovement

# Products per UPDATE in stock_move: its CASE has one branch per product, and this keeps a
# statement (and SQLite's parameter count) small even for the demo's few thousand.
STOCK_UPDATE_CHUNK = 500


@dataclass(frozen=True)
class StockChange:
    product_id: int
    delta: int
    order_number: str = ""


class StockError(ValidationError):
    """A change would take a product's stock below zero; nothing was changed."""


def stock_move(
    *, changes: Iterable[StockChange], kind: str, note: str = "", staff=None
) -> dict[int, int]:
    """Apply stock changes as deltas and record each one in the ledger (StockMovement).

    The one way stock changes. The products are locked in id order, as order placement
    locks them, so no two writers deadlock; a caller that holds the locks already (the
    checkout) just takes them again. A change that would leave a product below zero raises
    StockError and changes nothing (it is found before anything is written, so a caller's
    transaction can catch it and carry on). Returns each product's new level.
    """
    changes = [change for change in changes if change.delta]
    if not changes:
        return {}
    if kind not in StockMovement.Kind.values:
        raise ValueError(f"unknown stock movement kind {kind!r}")
    ids = sorted({change.product_id for change in changes})
    # No savepoint: nothing is written before every check has passed.
    with transaction.atomic(savepoint=False):
        levels = dict(Product.objects.select_for_update().filter(pk__in=ids).order_by("pk").values_list("pk", "stock"))
        movements, refusal = _movements(changes, levels, kind=kind, note=note, staff=staff)
        if refusal is None:
            _apply(changes)
            StockMovement.objects.bulk_create(movements)
    if refusal is not None:
        raise refusal
    return {pk: levels[pk] for pk in ids}


def _movements(changes, levels: dict[int, int], *, kind, note, staff) -> tuple[list[StockMovement], StockError | None]:
    """The ledger rows, each with the level it leaves (levels is updated as it goes), or why
    the changes can't be made."""
    if missing := {change.product_id for change in changes} - set(levels):
        return [], StockError(f"No such product: {', '.join(map(str, sorted(missing)))}.", code="missing")
    movements = []
    for change in changes:
        level = levels[change.product_id] + change.delta
        if level < 0:
            name = Product.objects.values_list("name", flat=True).get(pk=change.product_id)
            return [], StockError(
                f"“{name}” has {levels[change.product_id]} in stock: {-change.delta} can't be taken.", code="negative"
            )
        levels[change.product_id] = level
        movements.append(
            StockMovement(
                product_id=change.product_id,
                delta=change.delta,
                kind=kind,
                note=note,
                order_number=change.order_number,
                staff=staff if staff is not None and staff.is_authenticated else None,
                stock_after=level,
            )
        )
    return movements, None


def _apply(changes: list[StockChange]) -> None:
    """One UPDATE per STOCK_UPDATE_CHUNK products: stock = stock + its total delta."""
    totals: dict[int, int] = {}
    for change in changes:
        totals[change.product_id] = totals.get(change.product_id, 0) + change.delta
    moved = sorted(pk for pk, total in totals.items() if total)
    for start in range(0, len(moved), STOCK_UPDATE_CHUNK):
        chunk = moved[start : start + STOCK_UPDATE_CHUNK]
        delta = Case(*(When(pk=pk, then=Value(totals[pk])) for pk in chunk), output_field=IntegerField())
        Product.objects.filter(pk__in=chunk).update(stock=F("stock") + delta)


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
