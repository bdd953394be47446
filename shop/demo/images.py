"""Product artwork for the demo catalogue, drawn by catalog.images in a small process pool.

The pool starts as soon as the catalogue's names are known, before any row is written:
the workers draw and write the picture files while this process inserts the catalogue
and the half million order lines, and `finish()` then only inserts the ProductImage rows.
A picture needs no Product row (catalog.images.write_product_art takes a name, a category
and a file stem), so nothing a worker does touches the database.

Measured per picture on this 2-core machine: ~0.6 ms to draw both sizes, ~1.5 ms to encode
the two JPEGs, 0.4–1.6 ms to create the two files (the kernel's share; it varies with the
neighbours' load): 3,812 pictures cost ~10–14 CPU seconds, split over two workers.
"""

from __future__ import annotations

import gc
import logging
import multiprocessing
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from catalog.models import Product, ProductImage

logger = logging.getLogger(__name__)

WORKERS = 2
CHUNK = 25  # pictures per task sent to a worker: enough to amortise the pickling
BATCH = 500  # rows per INSERT

try:  # written by the catalog helper; the demo works (with placeholders) without it
    from catalog.images import ArtFiles, generated_image_row, write_product_art
except ImportError:  # pragma: no cover - depends on another app's progress
    write_product_art = None


@dataclass(frozen=True)
class Artwork:
    """What a worker needs to draw one product's picture."""

    sku: str
    name: str
    category: str
    stem: str  # file name stem, unique among products (their slug)


def images_available() -> bool:
    return write_product_art is not None


def _draw(artwork: Artwork) -> tuple[str, ArtFiles]:
    files = write_product_art(name=artwork.name, category=artwork.category, stem=artwork.stem)
    return artwork.sku, files


class ImageJob:
    """Pictures drawn by a pool that starts working at construction (its task thread feeds
    the workers) while the caller goes on; `finish()` collects them and saves their rows in
    one bulk INSERT. Without a pool (one worker, few pictures, no fork) `finish()` draws."""

    def __init__(self, artworks: Sequence[Artwork], *, workers: int = WORKERS):
        self.artworks = list(artworks)
        self.pool = None
        self.results = None
        if not images_available():
            logger.warning("catalog.images.write_product_art is missing: products keep their placeholders")
            self.artworks = []
            return
        fork = "fork" in multiprocessing.get_all_start_methods()
        if workers > 1 and fork and len(self.artworks) > CHUNK * workers:
            # Forked workers inherit the parent's open database connection but never touch it.
            # Frozen objects are skipped by the children's garbage collector, which would
            # otherwise write to (and so copy) every page of the parent's objects.
            gc.freeze()
            try:
                self.pool = multiprocessing.get_context("fork").Pool(workers)
            finally:
                gc.unfreeze()
            self.results = self.pool.imap(_draw, self.artworks, chunksize=CHUNK)

    def finish(self, products: Mapping[str, Product], *, progress=None) -> int:
        """Wait for every picture, save the rows of `products` (by SKU); returns how many."""
        bar = progress("Images", len(self.artworks)) if progress else None
        names = {artwork.sku: artwork.name for artwork in self.artworks}
        results = self.results if self.results is not None else map(_draw, self.artworks)
        images = []
        try:
            for sku, files in results:
                images.append(generated_image_row(product_id=products[sku].pk, name=names[sku], files=files))
                if bar:
                    bar.update(1)
        finally:
            self.close()
            if bar:
                bar.close()
        ProductImage.objects.bulk_create(images, batch_size=BATCH)
        return len(images)

    def close(self) -> None:
        if self.pool is not None:
            self.pool.close()
            self.pool.join()
            self.pool = None

    def cancel(self) -> None:
        if self.pool is not None:
            self.pool.terminate()
            self.pool.join()
            self.pool = None
