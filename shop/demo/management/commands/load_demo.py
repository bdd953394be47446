"""Load the demo shop: the Online Retail catalogue, stock, ladders, pictures and 19,773 historical orders.

    manage.py load_demo                    # the data set shipped in shop/demo/data/online_retail
    manage.py load_demo --reset            # delete the demo rows first, then load again
    manage.py load_demo --source DIR --limit 200 --no-images   # a small sample, quickly

A second run finds the marker row (shop.demo.models.DemoLoad) and changes nothing. Neither
loads nor resets a database that holds real orders (shop.demo.guards): the reset deletes
products that such orders name, and a load would mix 20,000 invented orders into real ones.
"""

from __future__ import annotations

import resource
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError
from tqdm import tqdm

from shop.demo.dataset import DEFAULT_DIR
from shop.demo.guards import no_real_email, real_orders_refusal
from shop.demo.images import WORKERS
from shop.demo.progress import no_progress
from shop.demo.services import demo_is_loaded, demo_load, demo_reset
from shop.demo.stock import DEFAULT_SEED


class Command(BaseCommand):
    help = "Load the demo shop (idempotent): products, categories, stock, ladders, pictures and orders."

    def add_arguments(self, parser):
        parser.add_argument("--source", type=Path, default=DEFAULT_DIR, help="folder of the compact data set")
        parser.add_argument("--limit", type=int, default=None, help="load only the first N invoices")
        parser.add_argument("--reset", action="store_true", help="delete the demo rows, then load again")
        parser.add_argument("--no-images", action="store_true", help="skip the generated pictures")
        parser.add_argument("--workers", type=int, default=WORKERS, help="processes drawing pictures")
        parser.add_argument("--seed", type=int, default=DEFAULT_SEED, help="seed of the stock levels")

    def handle(self, *args, source: Path, limit, reset, no_images, workers, seed, verbosity, **options):
        if not source.is_dir():
            raise CommandError(f"{source} is not a folder with the demo data set")
        if demo_is_loaded() and not reset:
            self.stdout.write(self.style.SUCCESS("The demo data is already loaded (use --reset to load it again)."))
            return
        refusal = real_orders_refusal(action="load_demo --reset" if reset else "load_demo", force_flag=None)
        if refusal:
            raise CommandError(refusal)
        with no_real_email():
            self.load(source=source, limit=limit, reset=reset, no_images=no_images, workers=workers, seed=seed, verbosity=verbosity)

    def load(self, *, source: Path, limit, reset, no_images, workers, seed, verbosity):
        if reset and demo_is_loaded():
            deleted = demo_reset(source=source)
            self.stdout.write("Deleted the demo rows: " + ", ".join(f"{n:,} {what}" for what, n in deleted.items()))

        def progress(desc: str, total: int):
            return tqdm(
                desc=f"{desc:<12}",
                total=total,
                unit=" pictures" if desc == "Images" else " rows",
                unit_scale=True,
                leave=True,
                disable=verbosity == 0,
                dynamic_ncols=True,
            )

        report = demo_load(
            source=source,
            limit=limit,
            images=not no_images,
            workers=workers,
            seed=seed,
            progress=progress if verbosity else no_progress,
        )
        counts = ", ".join(f"{n:,} {what.replace('_', ' ')}" for what, n in report.counts.items())
        timings = ", ".join(f"{phase} {seconds:.1f}s" for phase, seconds in report.timings.items())
        self.stdout.write(self.style.SUCCESS(f"Loaded the demo shop: {counts}."))
        # CPU seconds beside the wall clock: on a shared machine the wall clock mostly measures the neighbours.
        own, workers = resource.getrusage(resource.RUSAGE_SELF), resource.getrusage(resource.RUSAGE_CHILDREN)
        cpu = own.ru_utime + own.ru_stime
        self.stdout.write(
            f"Time: {timings}. CPU: {cpu:.1f}s here, {workers.ru_utime + workers.ru_stime:.1f}s in picture workers."
        )
