"""Product artwork for the demo catalogue, drawn by catalog.images in a small process pool.

One picture costs 4–7 ms of CPU (measured: 3.6 ms to draw and encode both JPEGs, plus the
file writes; more when the machine is busy): 3,812 products take 15–28 CPU seconds, the
largest phase of the load, so two forked workers draw them. The workers inherit Django's
set-up and only write files; every database write (one bulk INSERT of the rows) stays in
the parent process.
"""

from __future__ import annotations

import gc
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


class ImageJob:
    """Pictures drawn by a pool that starts working at construction (its task thread feeds
    the workers) while the caller goes on; `finish()` collects them and saves their rows in
    one bulk INSERT. Without a pool (one worker, few products, no fork) `finish()` draws."""

    def __init__(self, products: Sequence[Product], *, workers: int = WORKERS):
        self.products = list(products)
        self.pool = None
        self.results = None
        if not images_available():
            logger.warning("catalog.images.build_generated_image is missing: products keep their placeholders")
            self.products = []
            return
        fork = "fork" in multiprocessing.get_all_start_methods()
        if workers > 1 and fork and len(self.products) > CHUNK * workers:
            # Forked workers inherit the parent's open database connection but never touch it.
            # Frozen objects are skipped by the children's garbage collector, which would
            # otherwise write to (and so copy) every page holding the half million order lines.
            gc.freeze()
            try:
                self.pool = multiprocessing.get_context("fork").Pool(workers)
            finally:
                gc.unfreeze()
            self.results = self.pool.imap(_draw, self.products, chunksize=CHUNK)

    def finish(self, *, progress=None) -> int:
        """Wait for every picture, save the rows; returns how many were created."""
        bar = progress("Images", len(self.products)) if progress else None
        results = self.results if self.results is not None else map(_draw, self.products)
        images = []
        try:
            for image in results:
                images.append(image)
                if bar:
                    bar.update(1)
        finally:
            if self.pool is not None:
                self.pool.close()
                self.pool.join()
            if bar:
                bar.close()
        ProductImage.objects.bulk_create(images, batch_size=BATCH)
        return len(images)

    def cancel(self) -> None:
        if self.pool is not None:
            self.pool.terminate()
            self.pool.join()


def generate_images(products: Sequence[Product], *, workers: int = WORKERS, progress=None) -> int:
    """Draw and save one picture per product (their category loaded, saved with a pk)."""
    return ImageJob(products, workers=workers).finish(progress=progress)
