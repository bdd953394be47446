"""What bench_copurchase needs beyond the refresh itself: peak memory per stage, real Celery
worker processes for the sharded run, and a row-by-row comparison of two snapshots.

Peak memory is Linux's high-water mark of resident memory (VmHWM), which a process can
reset (`/proc/self/clear_refs`, "5"): reset as a stage starts, read as the next starts,
it is that stage's peak (threads working in the background count for the stage they
overlap). A worker's peak is read from /proc before it is stopped.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
import uuid
import warnings
from pathlib import Path

from django.conf import settings
from django.db import connection
from django.utils import timezone

from recommendations.copurchase.models import PairStat, ProductStat, Snapshot
from shop.celery import app

WORKER_READY_SECONDS = 60


def vm_hwm_mb(pid: int | str = "self") -> float | None:
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return round(int(line.split()[1]) / 1024, 1)
    except OSError:
        pass
    return None


def vm_hwm_reset() -> bool:
    try:
        Path("/proc/self/clear_refs").write_text("5")
    except OSError:
        return False
    return True


class StagePeaks:
    """A refresh's `stage` callback: the peak resident memory (MB) of each stage."""

    def __init__(self):
        self.peaks: dict[str, float] = {}
        self.current: str | None = None
        self.supported = vm_hwm_reset()

    def __call__(self, name: str) -> None:
        self.close()
        self.current = name
        vm_hwm_reset()

    def close(self) -> None:
        if self.current and self.supported:
            self.peaks[self.current] = max(self.peaks.get(self.current, 0.0), vm_hwm_mb() or 0.0)
        self.current = None

    @property
    def overall(self) -> float | None:
        return max(self.peaks.values()) if self.peaks else None


class Workers:
    """`n` Celery worker processes (solo pool: the task runs in the process whose memory we
    read) on this database and the configured Redis; started with their own session and
    stopped by PID."""

    def __init__(self, n: int, *, log_dir: Path):
        self.n = n
        self.log_dir = log_dir
        self.processes: list[subprocess.Popen] = []
        self.peaks_mb: list[float | None] = []

    def env(self) -> dict:
        db = connection.settings_dict
        password = f":{db['PASSWORD']}" if db["PASSWORD"] else ""
        url = f"postgres://{db['USER']}{password}@{db['HOST'] or '127.0.0.1'}:{db['PORT'] or 5432}/{db['NAME']}"
        return {**os.environ, "DATABASE_URL": url, "CELERY_TASK_ALWAYS_EAGER": "false"}

    def __enter__(self) -> Workers:
        if not settings.REDIS_URL:
            raise RuntimeError("--workers needs REDIS_URL: the chord runs on real workers through Redis")
        app.control.purge()
        self.log_dir.mkdir(parents=True, exist_ok=True)
        for i in range(self.n):
            log = (self.log_dir / f"worker{i}.log").open("w")
            self.processes.append(subprocess.Popen(
                [sys.executable, "-m", "celery", "-A", "shop", "worker", "--pool", "solo", "-l", "info",
                 "--without-gossip", "--without-mingle", "-n", f"bench{i}-{uuid.uuid4().hex[:6]}@%h"],
                cwd=settings.BASE_DIR, env=self.env(), stdout=log, stderr=subprocess.STDOUT, start_new_session=True,
            ))
        deadline = time.monotonic() + WORKER_READY_SECONDS
        for i, process in enumerate(self.processes):
            while "ready." not in (self.log_dir / f"worker{i}.log").read_text():
                if process.poll() is not None or time.monotonic() > deadline:
                    self.__exit__(None, None, None)
                    raise RuntimeError(f"worker {i} did not start: see {self.log_dir}/worker{i}.log")
                time.sleep(0.2)
        return self

    def __exit__(self, *exc) -> None:
        self.peaks_mb = [vm_hwm_mb(p.pid) for p in self.processes]
        for process in self.processes:
            if process.poll() is None:
                os.killpg(process.pid, signal.SIGTERM)
        for process in self.processes:
            try:
                process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                os.killpg(process.pid, signal.SIGKILL)
                process.wait(timeout=30)


def sharded_refresh_on_workers(*, timeout: float) -> tuple[Snapshot, float]:
    """Send the nightly task, sharded, to the workers; the snapshot it ended with and the
    seconds from sending to that end."""
    before = Snapshot.objects.order_by("-pk").values_list("pk", flat=True).first() or 0
    started = time.perf_counter()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # "eager has no effect on send_task": going to the workers is the point
        app.send_task(
            "recommendations.tasks.refresh_copurchase",
            kwargs={"full": True, "sharded": True, "requested_at": timezone.now().isoformat()},
        )
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        done = Snapshot.objects.filter(pk__gt=before).exclude(status=Snapshot.Status.BUILDING).first()
        if done is not None:
            return done, time.perf_counter() - started
        time.sleep(0.2)
    raise RuntimeError(f"no sharded snapshot within {timeout:.0f} s")


def snapshots_differ(a: Snapshot, b: Snapshot) -> dict[str, int]:
    """Rows of each table found in one snapshot and not the other (both ways), compared in
    the database on every column but the snapshot's id."""
    out = {}
    with connection.cursor() as cursor:
        for model in (PairStat, ProductStat):
            columns = ", ".join(
                connection.ops.quote_name(f.column) for f in model._meta.concrete_fields if f.column not in (None, "snapshot_id")
            )
            table = model._meta.db_table
            one = f"SELECT {columns} FROM {table} WHERE snapshot_id = %s"
            cursor.execute(
                f"SELECT (SELECT count(*) FROM ({one} EXCEPT ALL {one}) x), (SELECT count(*) FROM ({one} EXCEPT ALL {one}) y)",
                [a.pk, b.pk, b.pk, a.pk],
            )
            out[model.__name__] = sum(cursor.fetchone())
    return out
