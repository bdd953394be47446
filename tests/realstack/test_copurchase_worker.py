"""The nightly refresh on the real stack: a real Celery worker and beat against Redis and
PostgreSQL (run with `pytest --realstack`, see conftest.py and .ci/run).

The worker is pointed at pytest's test database through its environment, and the tests use
`transactional_db` so what they write is committed and visible to it. The worker and beat run
on worker_settings.py, which holds what only these tests need (a fast beat, a slow build). Every process started
here is started with setsid and stopped by its PID (its own process group).
"""

import datetime as dt
import json
import os
import signal
import subprocess
import sys
import time
import uuid
from io import StringIO
from pathlib import Path

import pytest
from django.conf import settings
from django.core.management import call_command
from django.db import connection
from django.utils import timezone

from recommendations.copurchase.lease import lease_holder
from recommendations.copurchase.models import PairStat, ShardCounts, Snapshot
from recommendations.copurchase.refresh import copurchase_refresh
from shop.celery import app as celery_app
from tests.copurchase.builders import make_products, place_baskets

pytestmark = [
    pytest.mark.realstack,
    pytest.mark.django_db(transaction=True),
    # send_task goes to the real broker on purpose: the test settings keep eager mode for .delay().
    pytest.mark.filterwarnings("ignore:task_always_eager has no effect on send_task"),
]

CELERY = str(Path(sys.executable).with_name("celery"))
WAIT_SECONDS = 120


def _database_url() -> str:
    db = connection.settings_dict
    return f"postgres://{db['USER']}@{db['HOST'] or '127.0.0.1'}:{db['PORT'] or 5432}/{db['NAME']}"


class Stack:
    """Celery processes started for one test, all stopped at the end."""

    def __init__(self, tmp_path: Path):
        self.tmp_path = tmp_path
        self.processes: list[subprocess.Popen] = []

    def env(self, **extra) -> dict:
        return {
            **os.environ,
            "DJANGO_SETTINGS_MODULE": "tests.realstack.worker_settings",
            "DEBUG": "true",
            "DATABASE_URL": _database_url(),
            "REDIS_URL": os.environ["REDIS_URL"],
            "CELERY_TASK_ALWAYS_EAGER": "false",
            **{key: str(value) for key, value in extra.items()},
        }

    def start(self, *args: str, name: str, **env) -> subprocess.Popen:
        log = (self.tmp_path / f"{name}.log").open("w")
        process = subprocess.Popen(
            [CELERY, "-A", "shop", *args], cwd=settings.BASE_DIR, env=self.env(**env), stdout=log,
            stderr=subprocess.STDOUT, start_new_session=True,
        )
        self.processes.append(process)
        return process

    def worker(self, *, log: str = "worker", **env) -> subprocess.Popen:
        # The solo pool runs tasks in the worker process itself: its PID is the one we kill.
        name = f"stats-{uuid.uuid4().hex[:8]}@%h"
        return self.start("worker", "--pool", "solo", "-n", name, "-l", "info", name=log, **env)

    def wait_ready(self, log: str) -> None:
        wait_for(lambda: "ready." in (self.tmp_path / f"{log}.log").read_text(), stack=self, what=f"{log} to start")

    def beat(self, **env) -> subprocess.Popen:
        return self.start("beat", "-l", "info", "-s", str(self.tmp_path / "beat-schedule"), name="beat", **env)

    def kill(self, process: subprocess.Popen, sig=signal.SIGKILL) -> None:
        if process.poll() is None:
            os.killpg(process.pid, sig)
        process.wait(timeout=30)

    def stop_all(self) -> None:
        for process in self.processes:
            if process.poll() is None:
                os.killpg(process.pid, signal.SIGTERM)
        for process in self.processes:
            try:
                process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                os.killpg(process.pid, signal.SIGKILL)
                process.wait(timeout=15)

    def logs(self) -> str:
        return "\n".join(f"--- {p.name}\n{p.read_text()[-3000:]}" for p in self.tmp_path.glob("*.log"))


@pytest.fixture
def stack(transactional_db, tmp_path):
    celery_app.control.purge()
    stack = Stack(tmp_path)
    yield stack
    stack.stop_all()
    celery_app.control.purge()


def wait_for(condition, *, timeout=WAIT_SECONDS, stack=None, what="condition"):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        result = condition()
        if result:
            return result
        time.sleep(0.5)
    pytest.fail(f"timed out after {timeout}s waiting for {what}\n{stack.logs() if stack else ''}")


def place_history(products, *, days_ago=1, repeat=3):
    a, b, c, d = products
    place_baskets([[a, b], [a, b, c], [c, d]] * repeat, placed_at=timezone.now() - dt.timedelta(days=days_ago))


@pytest.fixture
def products(transactional_db):
    return [p.pk for p in make_products(4)]


def test_beat_schedules_the_refresh_and_a_real_worker_publishes_a_snapshot(stack, products):
    # given: orders placed, no snapshot yet
    place_history(products)
    assert not Snapshot.objects.exists()

    # when: beat on a 3-second schedule, one worker
    worker = stack.worker()
    stack.beat(COPURCHASE_BEAT_SECONDS=3)

    # then: the worker process itself built and published it
    live = wait_for(
        lambda: Snapshot.objects.filter(status=Snapshot.Status.LIVE).first(), stack=stack, what="a live snapshot"
    )
    assert f":{worker.pid}:" in live.params["built_by"]
    assert live.order_count == 9
    a, b, *_ = products
    assert PairStat.objects.filter(snapshot=live, product_id=a, partner_id=b, count_ab=6).exists()


def test_a_worker_killed_mid_refresh_leaves_the_live_snapshot_and_the_next_run_publishes(stack, products):
    # given: a live snapshot built in this process
    place_history(products, days_ago=3)
    live = copurchase_refresh()
    live_rows = list(PairStat.objects.filter(snapshot=live).values_list("product_id", "partner_id", "count_ab"))
    place_history(products, days_ago=1, repeat=2)

    # when: a slow refresh runs on a real worker, which is SIGKILLed while building
    slow = stack.worker(COPURCHASE_TEST_BUILD_DELAY=60, COPURCHASE_LEASE_SECONDS=5)
    celery_app.send_task("recommendations.tasks.refresh_copurchase", kwargs={"full": True})
    building = wait_for(
        lambda: Snapshot.objects.filter(status=Snapshot.Status.BUILDING).first(), stack=stack, what="a building snapshot"
    )
    time.sleep(1)
    stack.kill(slow)

    # then: readers still get the whole old snapshot
    assert Snapshot.objects.get(status=Snapshot.Status.LIVE) == live
    assert list(PairStat.objects.filter(snapshot=live).values_list("product_id", "partner_id", "count_ab")) == live_rows

    # when: the next run, on a healthy worker, once the dead worker's lease has expired
    stack.worker(COPURCHASE_LEASE_SECONDS=5, COPURCHASE_BUSY_RETRY_SECONDS=2)
    celery_app.send_task("recommendations.tasks.refresh_copurchase", kwargs={"full": True})

    # then
    fresh = wait_for(
        lambda: Snapshot.objects.filter(status=Snapshot.Status.LIVE).exclude(pk=live.pk).first(),
        stack=stack, what="the next snapshot",
    )
    assert fresh.order_count == 15
    building.refresh_from_db()
    assert building.status == Snapshot.Status.FAILED
    assert Snapshot.objects.get(pk=live.pk).status == Snapshot.Status.RETIRED


def test_time_to_recovery_after_a_worker_is_killed_mid_refresh_with_the_shipped_settings(stack, products, capsys):
    """The fault the heartbeat lease is for, measured with the production lease and retry
    settings: a refresh is SIGKILLed mid-build and staff press "Refresh now" again at once
    (the same task a redelivery or the nightly run sends). Prints the time to recovery."""
    # given: a live snapshot, then new orders
    place_history(products, days_ago=3)
    live = copurchase_refresh()
    place_history(products, days_ago=1, repeat=2)

    # when: the refresh on a real worker is killed while building
    slow = stack.worker(COPURCHASE_TEST_BUILD_DELAY=600)
    celery_app.send_task("recommendations.tasks.refresh_copurchase", kwargs={"full": True})
    wait_for(lambda: Snapshot.objects.filter(status=Snapshot.Status.BUILDING).exists(), stack=stack, what="a build")
    time.sleep(1)
    stack.kill(slow)
    killed_at = time.monotonic()
    stack.worker()
    celery_app.send_task(
        "recommendations.tasks.refresh_copurchase", kwargs={"full": True, "requested_at": timezone.now().isoformat()}
    )

    # then: a new snapshot is live within the lease (60 s) plus a retry, not 30 minutes
    fresh = wait_for(
        lambda: Snapshot.objects.filter(status=Snapshot.Status.LIVE).exclude(pk=live.pk).first(),
        timeout=settings.COPURCHASE_LEASE_SECONDS + settings.COPURCHASE_BUSY_RETRY_SECONDS + 60,
        stack=stack, what="the next snapshot",
    )
    recovery = time.monotonic() - killed_at
    with capsys.disabled():
        print(
            f"\n[recovery] worker SIGKILLed mid-refresh -> new snapshot live after {recovery:.1f} s "
            f"(lease {settings.COPURCHASE_LEASE_SECONDS} s, retry at most every {settings.COPURCHASE_BUSY_RETRY_SECONDS} s)"
        )
    assert fresh.order_count == 15
    assert recovery < settings.COPURCHASE_LEASE_SECONDS + settings.COPURCHASE_BUSY_RETRY_SECONDS + 30


def live_rows() -> list[tuple]:
    return list(
        PairStat.objects.filter(snapshot__status=Snapshot.Status.LIVE)
        .order_by("product_id", "rank")
        .values_list("product_id", "rank", "partner_id", "count_ab", "score")
    )


def test_a_sharded_refresh_survives_a_worker_killed_mid_shard_and_publishes_the_single_process_snapshot(
    stack, tmp_path
):
    """The chord over two real workers: one is SIGKILLed while it counts a shard. Its shard's
    message was never acknowledged, so Redis hands it to the other worker once the
    visibility timeout passes; the reduce runs when every shard is in. At every moment the
    live snapshot is a whole one: the single-process one, then its sharded twin."""
    # given: a history of many small orders, and the snapshot one process builds from it
    a, b, c, d, e, f = (p.pk for p in make_products(6))
    baskets = [[a, b], [a, b, c], [c, d], [d, e, f], [a, f], [b, c, e], [a, b, c, d, e, f], [e, f]]
    place_baskets(baskets * 6, placed_at=timezone.now() - dt.timedelta(days=2))  # 48 orders
    single = copurchase_refresh(full=True)
    reference = live_rows()
    assert len(reference) > 10

    # when: two workers, shards of 5 orders; the first slow to count, the second quick
    marks = tmp_path / "marks"
    marks.mkdir()
    common = {"COPURCHASE_SHARD_ORDERS": 5, "COPURCHASE_TEST_SHARD_MARKS": marks, "COPURCHASE_TEST_VISIBILITY_TIMEOUT": 3}
    victim = stack.worker(log="victim", COPURCHASE_TEST_SHARD_DELAY=60, **common)
    survivor = stack.worker(log="survivor", COPURCHASE_TEST_SHARD_DELAY=0.2, **common)
    stack.wait_ready("victim")
    stack.wait_ready("survivor")
    celery_app.send_task(
        "recommendations.tasks.refresh_copurchase",
        kwargs={"full": True, "sharded": True, "requested_at": timezone.now().isoformat()},
    )
    taken = wait_for(lambda: sorted(marks.glob(f"{victim.pid}-*")), stack=stack, what="the victim to take a shard")
    lost_shard = taken[0].name.split("-")[1]
    stack.kill(victim)

    # then: the live snapshot is whole at every look, until the sharded one is live
    def sharded_live():
        assert Snapshot.objects.filter(status=Snapshot.Status.LIVE).count() == 1
        assert live_rows() == reference
        return Snapshot.objects.filter(status=Snapshot.Status.LIVE, mode=Snapshot.Mode.SHARDED).first()

    sharded = wait_for(sharded_live, stack=stack, what="the sharded snapshot")
    assert sharded.order_count == single.order_count == 48
    assert sharded.params["shards"] >= 8
    assert live_rows() == reference
    # the lost shard was counted by the survivor, never finished by the victim
    assert (marks / f"{survivor.pid}-{lost_shard}.done").exists()
    assert not (marks / f"{victim.pid}-{lost_shard}.done").exists()
    assert lease_holder() is None
    assert not ShardCounts.objects.exists()


def test_bench_copurchase_runs_the_chord_on_real_workers_and_finds_the_same_snapshot(stack, monkeypatch):
    """The benchmark's --workers mode, small: its own worker processes, three shards."""
    monkeypatch.setenv("COPURCHASE_SHARD_ORDERS", "100")
    out = StringIO()
    call_command(
        "bench_copurchase", "--orders", "300", "--products", "40", "--inline", "--force", "--repeat", "1",
        "--skip-pandas", "--workers", "2", "--workers-timeout", "120", stdout=out,
    )
    figures = json.loads(out.getvalue()[: out.getvalue().rindex("}") + 1])
    sharded = figures["sharded"]
    assert sharded["status"] == "live" and sharded["shards"] == 3
    assert sharded["identical"] is True and sharded["rows_differing"] == {"PairStat": 0, "ProductStat": 0}
    assert len(sharded["worker_peak_mb"]) == 2 and all(peak > 0 for peak in sharded["worker_peak_mb"])
    assert "sharded over 2 worker processes" in out.getvalue()
