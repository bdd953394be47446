"""Product artwork for the demo catalogue, drawn by catalog.artwork in a small process pool.

The pool starts as soon as the catalogue's names are known, before any row is written:
the workers draw and write the picture files while this process inserts the catalogue
and the half million order lines, and `finish()` then only inserts the ProductImage rows.
A picture needs no Product row (catalog.images.write_product_art takes a name, a category
and a file stem), so nothing a worker does touches the database.

Encoding the two JPEGs costs more than drawing them, and creating the files depends on
the machine's load; together the pictures are most of the load's CPU time, hence the pool.
"""

from __future__ import annotations

import gc
import multiprocessing
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from catalog.images import ArtFiles, generated_image_row, write_product_art
from catalog.models import Product, ProductImage
from shop.demo.progress import Progress, no_progress

WORKERS = 2
CHUNK = 25  # pictures per task sent to a worker: enough to amortise the pickling
BATCH = 500  # rows per INSERT


@dataclass(frozen=True)
class Artwork:
    """What a worker needs to draw one product's picture."""

    sku: str
    name: str
    category: str
    stem: str  # file name stem, unique among products (their slug)


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

    def finish(self, products: Mapping[str, Product], *, progress: Progress = no_progress) -> int:
        """Wait for every picture, save the rows of `products` (by SKU); returns how many."""
        bar = progress("Images", len(self.artworks))
        names = {artwork.sku: artwork.name for artwork in self.artworks}
        results = self.results if self.results is not None else map(_draw, self.artworks)
        images = []
        try:
            for sku, files in results:
                images.append(generated_image_row(product_id=products[sku].pk, name=names[sku], files=files))
                bar.update(1)
        finally:
            self.close()
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
