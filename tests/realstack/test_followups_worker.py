"""Follow-ups on the real stack: PostgreSQL, Redis and a real Celery worker process.

Run with `pytest --realstack` and DATABASE_URL (postgres) + REDIS_URL set (see .ci/run).
The worker gets the test database and, through worker_settings.py, writes e-mails to files,
which the test reads back.
"""

import os
import signal
import subprocess
import sys
import time
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path

import pytest
from django.conf import settings
from django.db import connection
from django.utils import timezone

from recommendations.followups.models import FollowUp
from recommendations.followups.tasks import (
    send_abandoned_cart_emails,
    send_post_purchase_emails,
    send_review_request_emails,
)
from shop.celery import app
from shop.orders.models import Order
from tests.factories import (
    CartFactory,
    CartLineFactory,
    ComplementFactory,
    OrderFactory,
    OrderLineFactory,
    ProductFactory,
)

from tests.followups.conftest import agree_to_marketing

pytestmark = [pytest.mark.realstack, pytest.mark.django_db(transaction=True)]

ROOT = Path(__file__).resolve().parents[2]
WORKER_READY_SECONDS = 40


@dataclass(frozen=True)
class Worker:
    outbox: Path
    log: Path

    def run(self, task) -> dict:
        result = task.delay().get(timeout=60)
        assert result["failed"] == 0, self.log.read_text()[-4000:]
        return result


def _database_url() -> str:
    db = connection.settings_dict
    host, port = db["HOST"] or "127.0.0.1", db["PORT"] or "5432"
    password = f":{db['PASSWORD']}" if db["PASSWORD"] else ""
    return f"postgres://{db['USER']}{password}@{host}:{port}/{db['NAME']}"


@pytest.fixture
def worker(tmp_path, transactional_db):
    """A `celery worker` process on the test database, and task calls that go through Redis."""
    outbox = tmp_path / "outbox"
    outbox.mkdir()
    log = (tmp_path / "worker.log").open("w+")
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "tests.realstack.worker_settings",
        "FOLLOWUPS_TEST_OUTBOX": str(outbox),
        "DEBUG": "true",
        "DATABASE_URL": _database_url(),
        "CONN_MAX_AGE": "0",
        "CELERY_TASK_ALWAYS_EAGER": "false",
        "MEDIA_ROOT": str(settings.MEDIA_ROOT),
    }
    process = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "celery",
            "-A",
            "shop",
            "worker",
            "-l",
            "info",
            "--pool",
            "solo",
            "--without-gossip",
            "--without-mingle",
            "--without-heartbeat",
            "-n",
            f"followups-{os.getpid()}@%h",
        ],
        cwd=ROOT,
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )
    deadline = time.monotonic() + WORKER_READY_SECONDS
    while "ready." not in Path(log.name).read_text():
        if process.poll() is not None or time.monotonic() > deadline:
            process.kill()
            pytest.fail(f"The Celery worker did not start:\n{Path(log.name).read_text()[-3000:]}")
        time.sleep(0.2)
    eager = app.conf.task_always_eager
    app.conf.task_always_eager = False
    try:
        yield Worker(outbox=outbox, log=Path(log.name))
    finally:
        app.conf.task_always_eager = eager
        process.send_signal(signal.SIGTERM)
        try:
            process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            process.kill()
        log.close()


def _messages(outbox: Path) -> str:
    return "\n".join(path.read_text() for path in sorted(outbox.iterdir()))


def test_a_real_worker_sends_each_follow_up_once(worker):
    # given: a shipped order due its follow-up and an abandoned cart, committed
    kettle = ProductFactory(name="Kettle")
    ComplementFactory(product=kettle, complement=ProductFactory(name="Descaler"))
    order = OrderFactory(
        email="ada@example.com", status=Order.Status.SHIPPED, shipped_at=timezone.now() - timedelta(days=15)
    )
    OrderLineFactory(order=order, product=kettle)
    cart = CartFactory(email="guest@example.com")
    CartLineFactory(cart=cart, product=kettle)
    type(cart).objects.filter(pk=cart.pk).update(updated_at=timezone.now() - timedelta(hours=30))
    for email in ("ada@example.com", "guest@example.com"):
        agree_to_marketing(email)

    # when: the beat's tasks run on the worker, twice
    assert worker.run(send_post_purchase_emails) == {"sent": 1, "skipped": 0, "failed": 0}
    assert worker.run(send_abandoned_cart_emails) == {"sent": 1, "skipped": 0, "failed": 0}
    assert worker.run(send_review_request_emails) == {"sent": 1, "skipped": 0, "failed": 0}
    assert worker.run(send_post_purchase_emails)["sent"] == 0
    assert worker.run(send_abandoned_cart_emails)["sent"] == 0
    assert worker.run(send_review_request_emails)["sent"] == 0

    # then: one e-mail each, recorded once
    sent = _messages(worker.outbox)
    assert sent.count("Subject: ") == 3 and "Subject: How was your Kettle?" in sent
    assert "Descaler" in sent and "To: ada@example.com" in sent and "To: guest@example.com" in sent
    assert FollowUp.objects.filter(status=FollowUp.Status.SENT).count() == 3
