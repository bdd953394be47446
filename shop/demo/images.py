"""Product artwork for the demo catalogue, drawn by catalog.images in a small process pool.

Drawing and encoding one picture costs about 4–5 ms of CPU (measured: 3.6 ms render + JPEG,
plus the file writes), so 3,800 products take ~18 s on one core and about half that on
this machine's two. The workers are forked: they inherit Django's set-up and write files
only; every database write (one bulk INSERT) stays in the parent process.
"""

from __future__ import annotations

import logging
import multiprocessing
from collections.abc import Sequence

from catalog.models import Product, ProductImage

logger = logging.getLogger(__name__)

WORKERS = 2
CHUNK = 25  # products per task sent to a worker: enough to amortise the pickling
BATCH = 500  # rows per INSERT

try:  # written by the catalog helper; the demo works (with placeholders) without it
    from catalog.images import build_generated_image
except ImportError:  # pragma: no cover - depends on another app's progress
    build_generated_image = None


def images_available() -> bool:
    return build_generated_image is not None


def _draw(product: Product) -> ProductImage:
    image = build_generated_image(product)
    image.product = None  # don't ship the product back through the pipe; the parent sets product_id
    image.product_id = product.pk
    return image


def generate_images(products: Sequence[Product], *, workers: int = WORKERS, progress=None) -> int:
    """Draw and save one picture per product; returns how many were created.

    `products` must have their category loaded (the artwork uses its name) and a pk.
    """
    if not images_available():
        logger.warning("catalog.images.build_generated_image is missing: products keep their placeholders")
        return 0
    bar = progress("Images", len(products)) if progress else None
    use_pool = workers > 1 and len(products) > CHUNK * workers and "fork" in multiprocessing.get_all_start_methods()
    images = []
    if use_pool:
        # Forked workers inherit the parent's open database connection but never touch it.
        with multiprocessing.get_context("fork").Pool(workers) as pool:
            for image in pool.imap(_draw, products, chunksize=CHUNK):
                images.append(image)
                if bar:
                    bar.update(1)
    else:
        for product in products:
            images.append(_draw(product))
            if bar:
                bar.update(1)
    if bar:
        bar.close()
    ProductImage.objects.bulk_create(images, batch_size=BATCH)
    return len(images)
