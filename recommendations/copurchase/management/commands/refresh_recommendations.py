"""Build and publish a co-purchase snapshot in this process, with a progress bar."""

from django.core.management.base import BaseCommand, CommandError
from tqdm import tqdm

from recommendations.copurchase.lease import LeaseBusy
from recommendations.copurchase.refresh import copurchase_refresh
from recommendations.copurchase.tasks import start_sharded_refresh

STAGES = ["read_base", "read", "tune", "count", "score", "write", "write_counts", "quality", "publish"]


class Command(BaseCommand):
    help = "Refresh the co-purchase statistics now (incremental unless --full)."

    def add_arguments(self, parser):
        parser.add_argument("--full", action="store_true", help="recount the whole window instead of updating")
        parser.add_argument("--sharded", action="store_true", help="split into shards run as a Celery chord")

    def handle(self, *args, full=False, sharded=False, **options):
        if sharded:
            try:
                self.stdout.write(start_sharded_refresh())
            except LeaseBusy as exc:
                raise CommandError(str(exc)) from exc
            return
        with tqdm(total=len(STAGES), unit="step", disable=options["verbosity"] == 0, file=self.stderr) as bar:

            def stage(name):
                bar.set_description(name)
                bar.n = max(bar.n, STAGES.index(name))  # an incremental run reads and counts twice
                bar.refresh()

            try:
                snapshot = copurchase_refresh(full=full, stage=stage)
            except LeaseBusy as exc:
                raise CommandError(f"{exc}: try again when it has finished") from exc
            bar.n = len(STAGES)
            bar.set_description("done")
        style = self.style.SUCCESS if snapshot.status == snapshot.Status.LIVE else self.style.ERROR
        self.stdout.write(
            style(
                f"Snapshot #{snapshot.pk} {snapshot.get_status_display().lower()} ({snapshot.mode}): "
                f"{snapshot.order_count} orders, {snapshot.product_count} products, {snapshot.pair_count} pairs, "
                f"{snapshot.row_count} partner rows in {snapshot.duration:.1f} s"
                + (f" — {snapshot.note}" if snapshot.note else "")
            )
        )
